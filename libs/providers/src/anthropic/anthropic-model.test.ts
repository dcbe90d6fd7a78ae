import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { AnthropicModel } from './anthropic-model';

const usage = (counts: { input: number; output: number; cacheRead?: number; cacheWrite?: number }) => ({
  inputTokens: counts.input,
  outputTokens: counts.output,
  reasoningTokens: 0,
  cacheReadTokens: counts.cacheRead ?? 0,
  cacheWriteTokens: counts.cacheWrite ?? 0,
  source: 'reported',
});

describe('AnthropicModel (Anthropic recordings)', () => {
  let upstream: ReplayServer;
  let model: AnthropicModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const request: ChatCompletionRequest = {
    model: 'anthropic/claude-sonnet-4.5',
    messages: [{ role: 'user', content: 'Hello, how are you?' }],
  };
  const options = () => ({ signal: new AbortController().signal, requestId: 'req-test-0001', maxOutputTokens: 1000 });

  beforeEach(async () => {
    upstream = await startReplayServer();
    model = new AnthropicModel('claude-sonnet-4-5-20250929', {
      provider: 'anthropic',
      baseUrl: upstream.url,
      apiKey: 'sk-ant-test',
      agent,
    });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  describe('generate', () => {
    it('maps a text response and sends the key, the API version and the output budget as max_tokens', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
      const result = await model.generate(request, options());
      expect(result).toEqual({
        providerResponseId: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
        text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
        reasoning: undefined,
        toolCalls: [],
        finishReason: 'stop',
        usage: usage({ input: 12, output: 29 }),
        warnings: [],
      });
      expect(upstream.requests[0]).toMatchObject({
        method: 'POST',
        url: '/v1/messages',
        headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'x-request-id': 'req-test-0001' },
      });
      expect(upstream.requests[0].body).toEqual({
        model: 'claude-sonnet-4-5-20250929',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'Hello, how are you?' }],
      });
    });

    it("sends exactly the output budget as max_tokens, never the caller's max_tokens or max_completion_tokens", async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
      const result = await model.generate({ ...request, max_completion_tokens: 1, max_tokens: 40000 }, { ...options(), maxOutputTokens: 1 });
      expect(result.warnings).toEqual([]);
      expect(upstream.requests[0].body).toMatchObject({ max_tokens: 1 });
      expect(upstream.requests[0].body).not.toHaveProperty('max_completion_tokens');
    });

    it('maps a tool call, its input becoming the arguments text', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-json-tool.1') });
      const result = await model.generate(request, options());
      expect(result.text).toBeNull();
      expect(result.finishReason).toBe('tool_calls');
      expect(result.toolCalls).toHaveLength(1);
      expect(result.toolCalls[0]).toMatchObject({ id: 'toolu_01Q9ExVZnzZj7E2QQYHYtNUa', name: 'json' });
      expect(JSON.parse(result.toolCalls[0].arguments)).toEqual({
        elements: [
          { location: 'San Francisco', temperature: -5, condition: 'snowy' },
          { location: 'London', temperature: 0, condition: 'snowy' },
          { location: 'Paris', temperature: 23, condition: 'cloudy' },
          { location: 'Berlin', temperature: -9, condition: 'snowy' },
        ],
      });
      expect(result.usage).toEqual(usage({ input: 1151, output: 87 }));
    });

    it('maps text beside a tool call without arguments', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-tool-no-args') });
      const result = await model.generate(request, options());
      expect(result.text).toMatch(/^<thinking>\nThe updateIssueList tool[\s\S]*Okay, I will update the current issue list:$/);
      expect(result.toolCalls).toEqual([{ id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', name: 'updateIssueList', arguments: '{}' }]);
      expect(result.finishReason).toBe('tool_calls');
      expect(result.usage).toEqual(usage({ input: 602, output: 93 }));
    });

    it('maps a refusal to content_filter with no text', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-refusal') });
      const result = await model.generate(request, options());
      expect(result).toMatchObject({ text: null, toolCalls: [], finishReason: 'content_filter', usage: usage({ input: 18, output: 5 }) });
    });

    it('maps thinking blocks to reasoning and counts cache reads and writes', async () => {
      const recorded = fixtureJson('anthropic', 'anthropic-text') as Record<string, unknown>;
      upstream.enqueue({
        json: {
          ...recorded,
          content: [
            { type: 'thinking', thinking: 'The user greets me.', signature: 'c2lnbmF0dXJl' },
            { type: 'redacted_thinking', data: 'b3BhcXVl' },
            { type: 'text', text: 'Hello' },
            { type: 'text', text: ' there!' },
          ],
          stop_reason: 'max_tokens',
          usage: { input_tokens: 7, output_tokens: 40, cache_read_input_tokens: 2048, cache_creation_input_tokens: 512 },
        },
      });
      const result = await model.generate(request, options());
      expect(result).toMatchObject({
        text: 'Hello there!',
        reasoning: 'The user greets me.',
        finishReason: 'length',
        usage: usage({ input: 7, output: 40, cacheRead: 2048, cacheWrite: 512 }),
      });
    });

    it('refuses a malformed body with a non-retryable 502 that may have reached the model (it answered 200)', async () => {
      upstream.enqueue({ json: { id: 'msg_x', content: [{ type: 'tool_use', name: 'no-id' }] } });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 502, isRetryable: false, reachedModel: true });
      upstream.enqueue({ status: 200, text: 'not json' });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 502, isRetryable: false, reachedModel: true });
    });
  });

  describe('outgoing request', () => {
    it('lifts system messages, maps images, tools, tool_choice, tool calls and their results', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
      const conversation: ChatCompletionRequest = {
        model: 'anthropic/claude-sonnet-4.5',
        messages: [
          { role: 'system', content: 'You are a weather assistant.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is the weather where these photos were taken?' },
              { type: 'image_url', image_url: { url: 'https://example.com/paris.jpg' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Let me check both cities.',
            tool_calls: [
              { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"London"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_01', content: '18°C, sunny' },
          { role: 'tool', tool_call_id: 'toolu_02', content: [{ type: 'text', text: '12°C, rain' }] },
          { role: 'user', content: 'Answer in one sentence.' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Current weather in a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        stop: 'END',
        max_completion_tokens: 1024,
        user: 'user-42',
      };
      const result = await model.generate(conversation, { ...options(), maxOutputTokens: 1024 });
      expect(result.warnings).toEqual([]);
      expect(upstream.requests[0].body).toMatchInlineSnapshot(`
{
  "max_tokens": 1024,
  "messages": [
    {
      "content": [
        {
          "text": "What is the weather where these photos were taken?",
          "type": "text",
        },
        {
          "source": {
            "type": "url",
            "url": "https://example.com/paris.jpg",
          },
          "type": "image",
        },
        {
          "source": {
            "data": "iVBORw0KGgo=",
            "media_type": "image/png",
            "type": "base64",
          },
          "type": "image",
        },
      ],
      "role": "user",
    },
    {
      "content": [
        {
          "text": "Let me check both cities.",
          "type": "text",
        },
        {
          "id": "toolu_01",
          "input": {
            "city": "Paris",
          },
          "name": "get_weather",
          "type": "tool_use",
        },
        {
          "id": "toolu_02",
          "input": {
            "city": "London",
          },
          "name": "get_weather",
          "type": "tool_use",
        },
      ],
      "role": "assistant",
    },
    {
      "content": [
        {
          "content": "18°C, sunny",
          "tool_use_id": "toolu_01",
          "type": "tool_result",
        },
        {
          "content": [
            {
              "text": "12°C, rain",
              "type": "text",
            },
          ],
          "tool_use_id": "toolu_02",
          "type": "tool_result",
        },
        {
          "text": "Answer in one sentence.",
          "type": "text",
        },
      ],
      "role": "user",
    },
  ],
  "metadata": {
    "user_id": "user-42",
  },
  "model": "claude-sonnet-4-5-20250929",
  "stop_sequences": [
    "END",
  ],
  "system": [
    {
      "text": "You are a weather assistant.",
      "type": "text",
    },
  ],
  "temperature": 0.3,
  "tool_choice": {
    "disable_parallel_tool_use": true,
    "type": "any",
  },
  "tools": [
    {
      "description": "Current weather in a city",
      "input_schema": {
        "properties": {
          "city": {
            "type": "string",
          },
        },
        "required": [
          "city",
        ],
        "type": "object",
      },
      "name": "get_weather",
    },
  ],
  "top_k": 40,
  "top_p": 0.9,
}
`);
    });

    it('drops settings Anthropic cannot honour with a warning, never clamping the temperature', async () => {
      upstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
      const result = await model.generate(
        { ...request, temperature: 1.5, frequency_penalty: 0.5, presence_penalty: 0, seed: 7, response_format: { type: 'json_object' } },
        options(),
      );
      expect(result.warnings).toEqual([
        { setting: 'frequency_penalty', message: 'frequency_penalty is not supported by anthropic and was not sent' },
        { setting: 'seed', message: 'seed is not supported by anthropic and was not sent' },
        { setting: 'response_format', message: 'response_format json_object is not supported by anthropic and was not sent' },
        { setting: 'temperature', message: "temperature 1.5 is above anthropic's maximum of 1 and was not sent" },
      ]);
      const sent = upstream.requests[0].body as Record<string, unknown>;
      for (const key of ['temperature', 'frequency_penalty', 'presence_penalty', 'seed', 'response_format']) expect(sent).not.toHaveProperty(key);
    });

    it('refuses those settings in strict mode without calling Anthropic', async () => {
      const strict = { ...options(), strict: true };
      const error = await model.generate({ ...request, temperature: 1.2 }, strict).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsupportedSettingError);
      expect(error).toMatchObject({ setting: 'temperature', message: "temperature 1.2 is above anthropic's maximum of 1" });
      await expect(model.generate({ ...request, seed: 1 }, strict)).rejects.toMatchObject({ setting: 'seed' });
      const parts = model.stream({ ...request, presence_penalty: 1 }, strict)[Symbol.asyncIterator]();
      await expect(parts.next()).rejects.toMatchObject({ setting: 'presence_penalty' });
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('maps a 429 with retry-after to a retryable ProviderError with the upstream message and type', async () => {
      upstream.enqueue({
        status: 429,
        json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } },
        headers: { 'retry-after': '7' },
      });
      const error = await model.generate(request, options()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: 'anthropic', statusCode: 429, isRetryable: true, retryAfterMs: 7000, upstreamCode: 'rate_limit_error' });
      expect((error as Error).message).toBe('anthropic returned 429: Number of request tokens has exceeded your per-minute rate limit');
    });

    it('maps 529 overloaded as retryable, and a 400 as not', async () => {
      upstream.enqueue({ status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 529, isRetryable: true, upstreamCode: 'overloaded_error' });
      upstream.enqueue({
        status: 400,
        json: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: 100000 > 64000, which is the maximum allowed' } },
      });
      const error = await model.generate(request, options()).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ statusCode: 400, isRetryable: false, upstreamCode: 'invalid_request_error' });
      expect((error as Error).message).toContain('max_tokens: 100000 > 64000');
    });

    it('keeps a non-JSON error body as the message', async () => {
      upstream.enqueue({ status: 502, text: 'Bad gateway' });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 502, isRetryable: true, message: 'anthropic returned 502: Bad gateway' });
    });

    it('reports a connection failure as a retryable ProviderError', async () => {
      const down = new AnthropicModel('claude-sonnet-4-5-20250929', { provider: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', agent });
      await expect(down.generate(request, options())).rejects.toMatchObject({ statusCode: 0, isRetryable: true });
    });
  });
});
