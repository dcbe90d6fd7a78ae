import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { loadCatalog } from '../load-catalog';
import type { ChatModel } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { readWholeStream, TEST_OUTPUT_BUDGET, testCallOptions } from '../testing/stream-test-support';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { mistralProvider } from './mistral-provider';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, reasoningTokens = 0) => ({
  inputTokens,
  outputTokens,
  reasoningTokens,
  cacheReadTokens,
  cacheWriteTokens: 0,
  source: 'reported',
});

describe('mistralProvider (Mistral recordings)', () => {
  let upstream: ReplayServer;
  let model: ChatModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const entry = loadCatalog().find('mistral/mistral-small');
  const request: ChatCompletionRequest = {
    model: 'mistral/mistral-small',
    messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }],
  };
  const weatherTool = {
    type: 'function',
    function: {
      name: 'weather',
      description: 'The weather in a location',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  } as const;

  beforeEach(async () => {
    upstream = await startReplayServer();
    if (!entry) throw new Error('the bundled catalog has no mistral/mistral-small');
    model = mistralProvider.createModel(entry, { baseUrl: `${upstream.url}/v1`, apiKey: 'mistral-test-key', agent });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it('is registered as mistral, configured by MISTRAL_BASE_URL / MISTRAL_API_KEY', () => {
    expect(mistralProvider).toMatchObject({ name: 'mistral', settings: { baseUrl: 'MISTRAL_BASE_URL', defaultBaseUrl: 'https://api.mistral.ai/v1', apiKey: 'MISTRAL_API_KEY' } });
    expect(model).toMatchObject({ provider: 'mistral', upstreamModelId: 'mistral-small-latest', specificationVersion: 'v1' });
  });

  it('mistral-text.json: text, finish reason and usage; the key goes in a bearer header', async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-text') });
    const result = await model.generate(request, testCallOptions());
    expect(result.text).toMatch(/^\*\*Holiday Name: "World Kindness Day of Sharing"\*\*/);
    expect(result.reasoning).toBeUndefined();
    expect(result).toMatchObject({ providerResponseId: '5319bd0299614c679a0068a4f2c8ffd0', toolCalls: [], finishReason: 'stop', warnings: [] });
    expect(result.usage).toEqual(usage(13, 434));
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions', headers: { authorization: 'Bearer mistral-test-key' } });
  });

  it('mistral-text.chunks.txt: text deltas, then finish with the usage Mistral puts in the last chunk unasked', async () => {
    upstream.enqueue({ sse: fixtureChunks('mistral', 'mistral-text'), done: true });
    const result = await readWholeStream(model, request);
    expect(result.parts[0]).toEqual({ type: 'stream-start', warnings: [] });
    expect(result.text).toBe('Hello, world! This is a test response.');
    expect(result.last).toEqual({ type: 'finish', finishReason: 'stop', usage: usage(13, 8) });
    // Mistral refuses stream_options (422 "Extra inputs are not permitted").
    expect(upstream.requests[0].body).toEqual({ model: 'mistral-small-latest', max_tokens: TEST_OUTPUT_BUDGET, messages: request.messages, stream: true });
  });

  it('mistral-tool-call.json: the tool call with its 9-character id, no text', async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-tool-call') });
    const result = await model.generate({ ...request, tools: [weatherTool] }, testCallOptions());
    expect(result).toMatchObject({
      text: null,
      toolCalls: [{ id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }],
      finishReason: 'tool_calls',
      usage: usage(124, 22),
    });
  });

  it('mistral-tool-call.chunks.txt: a whole tool call in one delta without `index`', async () => {
    upstream.enqueue({ sse: fixtureChunks('mistral', 'mistral-tool-call'), done: true });
    const result = await readWholeStream(model, { ...request, tools: [weatherTool] });
    expect(result.parts.filter((part) => part.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'gSIMJiOkT', name: 'weather', argumentsDelta: '{"location": "San Francisco"}' },
    ]);
    expect(result.text).toBe('');
    expect(result.last).toEqual({ type: 'finish', finishReason: 'tool_calls', usage: usage(124, 22) });
  });

  it('mistral-incremental-tool-call.chunks.txt: arguments in a later delta that repeats an empty name; cached tokens', async () => {
    upstream.enqueue({ sse: fixtureChunks('mistral', 'mistral-incremental-tool-call'), done: true });
    const result = await readWholeStream(model, { ...request, tools: [weatherTool] });
    expect(result.parts.filter((part) => part.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'chatcmpl-tool-9f149c74c42f265b', name: 'webSearchTool', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{"query": "current Berlin weather"}' },
    ]);
    expect(result.toolCalls).toEqual([{ id: 'chatcmpl-tool-9f149c74c42f265b', name: 'webSearchTool', arguments: '{"query": "current Berlin weather"}' }]);
    expect(result.text).toBe('');
    expect(result.last).toEqual({ type: 'finish', finishReason: 'tool_calls', usage: usage(43, 14, 128) });
  });

  it("sends Mistral's spelling: random_seed, tool_choice any, the budget as max_tokens; drops top_k, user and message names with warnings", async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-tool-call') });
    const result = await model.generate(
      {
        model: 'mistral/mistral-small',
        messages: [
          { role: 'system', content: 'You answer weather questions.', name: 'ops' },
          { role: 'user', content: 'What is the weather in San Francisco?', name: 'alice' },
          {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'call_46427107', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_46427107', content: '{"temperature":18}' },
          {
            role: 'assistant',
            content: 'It is 18 °C.',
            tool_calls: [{ id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'gSIMJiOkT', content: '{"temperature":21}' },
          { role: 'user', content: 'And in Lyon?' },
        ],
        tools: [weatherTool],
        tool_choice: 'required',
        parallel_tool_calls: false,
        seed: 42,
        top_k: 40,
        user: 'customer-1234',
        temperature: 0.3,
        max_completion_tokens: 256,
        frequency_penalty: 0.5,
        presence_penalty: 0.1,
        stream: false,
        models: ['together/llama-3.3-70b'],
      },
      testCallOptions({ maxOutputTokens: 256 }),
    );
    expect(result.warnings).toEqual([
      { setting: 'messages[].name', message: 'messages[].name is not supported by mistral and was not sent' },
      { setting: 'top_k', message: 'top_k is not supported by mistral and was not sent' },
      { setting: 'user', message: 'user is not supported by mistral and was not sent' },
    ]);
    expect(upstream.requests[0].body).toMatchInlineSnapshot(`
{
  "frequency_penalty": 0.5,
  "max_tokens": 256,
  "messages": [
    {
      "content": "You answer weather questions.",
      "role": "system",
    },
    {
      "content": "What is the weather in San Francisco?",
      "role": "user",
    },
    {
      "content": null,
      "role": "assistant",
      "tool_calls": [
        {
          "function": {
            "arguments": "{"location":"San Francisco"}",
            "name": "weather",
          },
          "id": "umbARteMo",
          "type": "function",
        },
      ],
    },
    {
      "content": "{"temperature":18}",
      "role": "tool",
      "tool_call_id": "umbARteMo",
    },
    {
      "content": "It is 18 °C.",
      "role": "assistant",
      "tool_calls": [
        {
          "function": {
            "arguments": "{"location":"Paris"}",
            "name": "weather",
          },
          "id": "gSIMJiOkT",
          "type": "function",
        },
      ],
    },
    {
      "content": "{"temperature":21}",
      "role": "tool",
      "tool_call_id": "gSIMJiOkT",
    },
    {
      "content": "And in Lyon?",
      "role": "user",
    },
  ],
  "model": "mistral-small-latest",
  "parallel_tool_calls": false,
  "presence_penalty": 0.1,
  "random_seed": 42,
  "temperature": 0.3,
  "tool_choice": "any",
  "tools": [
    {
      "function": {
        "description": "The weather in a location",
        "name": "weather",
        "parameters": {
          "properties": {
            "location": {
              "type": "string",
            },
          },
          "required": [
            "location",
          ],
          "type": "object",
        },
      },
      "type": "function",
    },
  ],
}
`);
  });

  it('refuses in strict mode what Mistral cannot honour, before calling it', async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-text') });
    const strict = testCallOptions({ strict: true });
    const topK = await model.generate({ ...request, top_k: 40 }, strict).catch((error: unknown) => error);
    expect(topK).toBeInstanceOf(UnsupportedSettingError);
    expect(topK).toMatchObject({ setting: 'top_k', message: 'top_k is not supported by mistral' });
    const named = model.generate({ ...request, messages: [{ role: 'user', content: 'Hi', name: 'alice' }] }, strict);
    await expect(named).rejects.toMatchObject({ setting: 'messages[].name' });
    await expect(model.stream({ ...request, user: 'u' }, strict)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(UnsupportedSettingError);
    expect(upstream.requests).toHaveLength(0);
    // Without strict the same request goes through, with its warning.
    const relaxed = await model.generate({ ...request, top_k: 40 }, testCallOptions());
    expect(relaxed.warnings.map((warning) => warning.setting)).toEqual(['top_k']);
  });

  it('reports a refusal in the history it cannot send', async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-text') });
    const result = await model.generate(
      {
        ...request,
        messages: [...request.messages, { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, { role: 'user', content: 'Please?' }],
      },
      testCallOptions(),
    );
    expect(result.warnings).toEqual([{ setting: 'messages[].refusal', message: 'messages[].refusal is not supported by mistral and was not sent' }]);
  });

  it("sends exactly the output budget as max_tokens, never the caller's max_tokens or max_completion_tokens", async () => {
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-text') }, { sse: fixtureChunks('mistral', 'mistral-text'), done: true });
    const greedy = { ...request, max_completion_tokens: 1, max_tokens: 40000 };
    const result = await model.generate(greedy, testCallOptions({ maxOutputTokens: 1 }));
    expect(result.warnings).toEqual([]);
    await readWholeStream(model, greedy, testCallOptions({ maxOutputTokens: 1 }));
    for (const sent of upstream.requests) {
      expect(sent.body).toMatchObject({ max_tokens: 1 });
      expect(sent.body).not.toHaveProperty('max_completion_tokens');
    }
    // With none given, the budget (the model's maximum, as the gateway computes it) is still sent.
    upstream.enqueue({ json: fixtureJson('mistral', 'mistral-text') });
    await model.generate(request, testCallOptions({ maxOutputTokens: 32768 }));
    expect(upstream.requests[2].body).toMatchObject({ max_tokens: 32768 });
  });

  it("reads a reasoning model's thinking parts (magistral), in a JSON message and in stream deltas", async () => {
    // Constructed in the shape Mistral documents for reasoning models (no recording of it is in the fixtures):
    // content is a list of `thinking` and `text` parts; streamed, thinking arrives as part lists, the answer as strings.
    const base = { id: 'mag-1', model: 'magistral-medium-latest' };
    const thinking = (text: string) => [{ type: 'thinking', thinking: [{ type: 'text', text }] }];
    upstream.enqueue(
      {
        json: {
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: { role: 'assistant', tool_calls: null, content: [...thinking('2 + 2 is 4.'), { type: 'text', text: 'The answer is 4.' }] },
            },
          ],
          usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 },
        },
      },
      {
        sse: [
          JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: thinking('2 + 2') }, finish_reason: null }] }),
          JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: thinking(' is 4.') }, finish_reason: null }] }),
          JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'The answer is 4.' }, finish_reason: null }] }),
          JSON.stringify({
            ...base,
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: { content: '' }, finish_reason: 'model_length' }],
            usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 },
          }),
        ],
        done: true,
      },
    );
    const result = await model.generate(request, testCallOptions());
    expect(result).toMatchObject({ text: 'The answer is 4.', reasoning: '2 + 2 is 4.', finishReason: 'stop' });
    const streamed = await readWholeStream(model, request);
    expect(streamed.parts.slice(1, -1)).toEqual([
      { type: 'reasoning-delta', text: '2 + 2' },
      { type: 'reasoning-delta', text: ' is 4.' },
      { type: 'text-delta', text: 'The answer is 4.' },
    ]);
    // model_length: the model hit its own limit — a `length` stop.
    expect(streamed.last).toEqual({ type: 'finish', finishReason: 'length', usage: usage(20, 30) });
  });

  it("maps Mistral's flat 422 validation error to a ProviderError naming the refused field", async () => {
    // The body Mistral returns for a field it does not define (as reported by its users).
    upstream.enqueue({
      status: 422,
      json: {
        object: 'error',
        message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'stream_options', 'include_usage'], msg: 'Extra inputs are not permitted', input: true }] },
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    const error = await model.generate(request, testCallOptions()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'mistral',
      statusCode: 422,
      isRetryable: false,
      upstreamCode: 'invalid_request_error',
      message: 'mistral returned 422: body.stream_options.include_usage: Extra inputs are not permitted',
    });
  });

  it('keeps the message of a plain Mistral error and retries on 429', async () => {
    upstream.enqueue({
      status: 429,
      json: { object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limited', param: null, code: '1300' },
      headers: { 'retry-after': '1' },
    });
    await expect(model.generate(request, testCallOptions())).rejects.toMatchObject({
      statusCode: 429,
      isRetryable: true,
      retryAfterMs: 1000,
      message: 'mistral returned 429: Requests rate limit exceeded',
    });
  });
});
