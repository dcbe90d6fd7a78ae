import OpenAI from 'openai';
import { estimateTextTokens } from '@tollgate/providers';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

describe('POST /v1/chat/completions with tollgate/echo, through the official openai SDK', () => {
  let gateway: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gateway = await startTestGateway();
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers JSON with the last message, usage and its cost, and meters exactly that cost', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'tollgate/echo', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Hello there, gateway!' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('tollgate/echo');
    expect(data.choices[0].message).toMatchObject({ role: 'assistant', content: 'Hello there, gateway!' });
    expect(data.choices[0].finish_reason).toBe('stop');
    const usage = data.usage as unknown as { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost: Record<string, string> };
    expect(usage.completion_tokens).toBe(estimateTextTokens('Hello there, gateway!'));
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.cost).toEqual({ base: expect.stringMatching(/^0\.\d+$/), commission: expect.any(String), total: expect.any(String) });

    const requestId = response.headers.get('x-tollgate-request-id') as string;
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const event = await gateway.meteringEvent(requestId);
    expect(event).toMatchObject({ accountId: gateway.accountId, model: 'tollgate/echo', provider: 'tollgate', status: 'ok', streamed: false, cost: usage.cost });
    expect(event.usage).toMatchObject({ outputTokens: usage.completion_tokens, source: 'reported' });
  });

  it('streams word by word in OpenAI chunks, with a final usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices[0].choices[0].delta.role).toBe('assistant');
    expect(withChoices.slice(1).some((chunk) => chunk.choices[0].delta.role)).toBe(false);
    expect(withChoices.map((chunk) => chunk.choices[0].delta.content ?? '').join('')).toBe('one two three four');
    expect(withChoices.filter((chunk) => chunk.choices[0].delta.content).length).toBe(4);
    expect(withChoices.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(withChoices.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: 4, cost: { total: expect.any(String) } });
  });

  it('sends no usage chunk unless asked (usage rides on the finish_reason chunk), ends with data: [DONE], and echoes a sane x-request-id', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', 'x-request-id': 'my-trace-42' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi you' }], stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toBe('my-trace-42');
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    // Usage (with its cost) once, on the chunk that carries finish_reason; no chunk of its own with empty choices.
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as { choices: Array<{ finish_reason: string | null }>; usage?: { cost: { total: string } } });
    expect(chunks.filter((chunk) => chunk.usage).map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 2, cost: { total: expect.stringMatching(/^0\.\d+$/) } });
    const requestId = response.headers.get('x-tollgate-request-id') as string;
    const event = await gateway.meteringEvent(requestId);
    expect(event).toMatchObject({ streamed: true, status: 'ok', clientRequestId: 'my-trace-42' });
  });

  it('honours max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 2, messages: [{ role: 'user', content: 'alpha beta gamma delta' }] });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'alpha beta' } });
  });
});
