import OpenAI from 'openai';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

describe('POST /v1/chat/completions through the OpenAI adapter (loopback replay of recorded responses)', () => {
  let upstream: ReplayServer;
  let gateway: TestGateway;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

  beforeAll(async () => {
    upstream = await startReplayServer();
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-test' });
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers JSON with the upstream text and usage priced at gpt-4o-mini prices', async () => {
    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }).withResponse();
    expect(data.choices[0].message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    // 16 × 0.15/M + 363 × 0.60/M = 0.0000024 + 0.0002178 = 0.0002202; +10%
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 363, cost: { base: '0.0002202', commission: '0.00002202', total: '0.00024222' } });
    expect(upstream.requests[0].body).toMatchObject({ model: 'gpt-4o-mini', messages });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ provider: 'openai', model: 'openai/gpt-4o-mini', status: 'ok', cost: { total: '0.00024222' } });
  });

  it('streams the upstream chunks and meters the upstream usage even when the caller did not ask for it', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), done: true });
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    let text = '';
    const withUsage: Array<{ finishReason: string | null | undefined }> = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) withUsage.push({ finishReason: chunk.choices[0]?.finish_reason });
    }
    expect(text).toMatch(/^\*\*Holiday Name:\*\*/);
    // Not asked for: no usage chunk of its own; usage rides on the finish_reason chunk (Router402's chunk table).
    expect(withUsage).toEqual([{ finishReason: 'stop' }]);
    expect(upstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'ok', streamed: true, usage: { inputTokens: 16, outputTokens: 300, source: 'reported' } });
  });

  it('maps an upstream 500 (after retries) to a clean 502 and meters the failed request at no cost', async () => {
    upstream.enqueue({ status: 500, json: { error: { message: 'The server had an error', type: 'server_error' } } });
    const error = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_error' });
    expect((error as Error).message).toContain('openai failed (HTTP 500)');
    expect((error as Error).message).not.toContain('The server had an error'); // the provider's words stay in the log
    expect(upstream.requests).toHaveLength(3); // UPSTREAM_MAX_ATTEMPTS
    const requestId = (error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-tollgate-request-id') as string;
    expect(await gateway.meteringEvent(requestId)).toMatchObject({ status: 'error', cost: { total: '0' } });
  });

  it('maps an upstream 429 to a 429 with retry-after, after retrying', async () => {
    upstream.enqueue({ status: 429, json: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '0' } });
    const error = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited' });
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('0');
    expect(upstream.requests).toHaveLength(3);
  });

  it('retries a 429 and succeeds, metering one event for the request', async () => {
    upstream.enqueue({ status: 429, json: { error: { message: 'slow down' } }, headers: { 'retry-after': '0' } }, { json: fixtureJson('openai', 'openai-text') });
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }).withResponse();
    expect(data.usage?.completion_tokens).toBe(363);
    expect(upstream.requests).toHaveLength(2);
    expect(await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string)).toMatchObject({ status: 'ok' });
  });

  it('falls back to the next model of `models` when the first keeps failing', async () => {
    upstream.enqueue({ status: 503, text: 'overloaded' });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', models: ['tollgate/echo'], messages: [{ role: 'user', content: 'fallback works' }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(body).toMatchObject({ model: 'tollgate/echo', choices: [{ message: { content: 'fallback works' } }] });
    expect(upstream.requests).toHaveLength(3);
  });

  it('reports an error mid-stream as one SSE error event then [DONE], and meters the partial usage', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), dropAfter: 20 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const error = JSON.parse((events.at(-2) as string).slice('data: '.length)) as { error: { message: string; type: string; code: string } };
    expect(error.error).toMatchObject({ type: expect.any(String), code: expect.any(String), message: expect.any(String) });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', streamed: true, usage: { source: 'estimated' } });
    expect(event.usage.outputTokens).toBeGreaterThan(0);
  });

  it('aborts the upstream call when the caller disconnects mid-stream and bills what was generated', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), delayMs: 20, done: true });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while ((received.match(/data: /g) ?? []).length < 5) received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', errorCode: 'client_disconnected', usage: { source: 'estimated' } });
    expect(event.usage.outputTokens).toBeGreaterThan(0);
    expect(event.usage.outputTokens).toBeLessThan(300);
  });
});
