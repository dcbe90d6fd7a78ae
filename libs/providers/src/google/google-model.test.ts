import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import type { StreamPart } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { GoogleModel } from './google-model';

const usage = (inputTokens: number, outputTokens: number, reasoningTokens: number) => ({
  inputTokens,
  outputTokens,
  reasoningTokens,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  source: 'reported',
});

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');

describe('GoogleModel (Gemini recordings)', () => {
  let upstream: ReplayServer;
  let model: GoogleModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const request: ChatCompletionRequest = {
    model: 'google/gemini-2.5-flash',
    messages: [{ role: 'user', content: 'How many "r"s are in the word "strawberry"?' }],
  };
  const weatherRequest: ChatCompletionRequest = {
    model: 'google/gemini-2.5-flash',
    messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
  };
  const options = () => ({ signal: new AbortController().signal, requestId: 'req-test-0001', maxOutputTokens: 1000 });

  beforeEach(async () => {
    upstream = await startReplayServer();
    model = new GoogleModel('gemini-2.5-flash', { provider: 'google', baseUrl: `${upstream.url}/`, apiKey: 'gemini-test-key', agent });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  describe('generate', () => {
    it('maps text, finish reason and every usage class; calls generateContent with the key in x-goog-api-key', async () => {
      upstream.enqueue({ json: fixtureJson('google', 'google-text') });
      const result = await model.generate(request, options());
      expect(result).toEqual({
        providerResponseId: 'Un6LacrVMcjUxs0PmJfWoQc',
        text: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
        reasoning: undefined,
        toolCalls: [],
        finishReason: 'stop',
        usage: usage(9, 28, 244),
        warnings: [],
      });
      expect(upstream.requests[0]).toMatchObject({
        method: 'POST',
        url: '/v1beta/models/gemini-2.5-flash:generateContent',
        headers: { 'x-goog-api-key': 'gemini-test-key' },
      });
      expect(upstream.requests[0].headers).not.toHaveProperty('authorization');
      expect(upstream.requests[0].body).toEqual({
        contents: [{ role: 'user', parts: [{ text: 'How many "r"s are in the word "strawberry"?' }] }],
        generationConfig: { maxOutputTokens: 1000 },
      });
    });

    it('maps a function call to a tool call with a generated id and finish reason tool_calls', async () => {
      upstream.enqueue({ json: fixtureJson('google', 'google-tool-call') });
      const result = await model.generate(weatherRequest, options());
      expect(result.text).toBeNull();
      expect(result.toolCalls).toEqual([{ id: 'call_0', name: 'weather', arguments: '{"location":"San Francisco"}' }]);
      expect(result.finishReason).toBe('tool_calls');
      expect(result.usage).toEqual(usage(29, 15, 893));
    });

    it('refuses a body it cannot read with a 502 that is not retried', async () => {
      upstream.enqueue({ json: { candidates: 'nope' } });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 502, isRetryable: false });
      upstream.enqueue({ status: 200, text: 'not json' });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 502, isRetryable: false });
    });
  });

  describe('stream', () => {
    it('streams text deltas from streamGenerateContent?alt=sse and finishes with the last usage', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-text') });
      const parts = await collect(model.stream(request, options()));
      expect(parts[0]).toEqual({ type: 'stream-start', warnings: [] });
      expect(textOf(parts)).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
      expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: usage(9, 23, 185) });
      expect(parts.filter((part) => part.type === 'stream-start')).toHaveLength(1);
      expect(upstream.requests[0]).toMatchObject({
        url: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
        headers: { 'x-goog-api-key': 'gemini-test-key' },
      });
    });

    it('emits a whole function call as one tool-call-delta with id, name and arguments', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-tool-call') });
      const parts = await collect(model.stream(weatherRequest, options()));
      expect(parts).toEqual([
        { type: 'stream-start', warnings: [] },
        { type: 'tool-call-delta', index: 0, id: 'call_0', name: 'weather', argumentsDelta: '{"location":"San Francisco"}' },
        { type: 'finish', finishReason: 'tool_calls', usage: usage(29, 15, 45) },
      ]);
    });

    it('assembles function calls whose arguments arrive in pieces, one delta per call when it closes', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-stream-tool-call-arguments') });
      const parts = await collect(model.stream(weatherRequest, options()));
      expect(parts).toEqual([
        { type: 'stream-start', warnings: [] },
        { type: 'tool-call-delta', index: 0, id: 'call_0', name: 'getWeather', argumentsDelta: '{"location":"Boston"}' },
        { type: 'tool-call-delta', index: 1, id: 'call_1', name: 'getWeather', argumentsDelta: '{"location":"San Francisco"}' },
        // the early chunks' usageMetadata carries no counts: the last one with counts is reported
        { type: 'finish', finishReason: 'tool_calls', usage: usage(26, 23, 132) },
      ]);
    });

    it('ends a stream cut mid-way with an error part carrying the usage seen so far', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-text'), dropAfter: 2 });
      const parts = await collect(model.stream(request, options()));
      expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(2);
      const last = parts.at(-1);
      expect(last).toMatchObject({ type: 'error', usage: usage(9, 23, 185) });
      expect(last?.type === 'error' && last.error).toBeInstanceOf(ProviderError);
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
    });

    it('ends a stream that closes without a finish reason with an error part', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-text').slice(0, 2) });
      const parts = await collect(model.stream(request, options()));
      expect(parts.at(-1)).toMatchObject({ type: 'error', error: { statusCode: 502, isRetryable: false }, usage: usage(9, 23, 185) });
    });

    it('turns an unreadable chunk into an error part and stops', async () => {
      upstream.enqueue({ sse: ['{"candidates":[{"content":{"parts":[{"text":"Hi"}]}}]}', 'not json', fixtureChunks('google', 'google-text')[2]] });
      const parts = await collect(model.stream(request, options()));
      expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
    });

    it('finishes a stream whose prompt was blocked with content_filter', async () => {
      upstream.enqueue({ sse: ['{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}'] });
      const parts = await collect(model.stream(request, options()));
      expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'content_filter', usage: usage(7, 0, 0) });
    });
  });

  describe('errors', () => {
    it('reads the wait of a 429 from its google.rpc.RetryInfo detail', async () => {
      upstream.enqueue({ status: 429, json: fixtureJson('google', 'google-429-retry-info') });
      const error = await model.generate(request, options()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: 'google', statusCode: 429, isRetryable: true, upstreamCode: 'RESOURCE_EXHAUSTED', retryAfterMs: 34_400 });
      expect((error as Error).message).toBe('google returned 429: You exceeded your current quota, please check your plan.');
    });

    it('prefers a retry-after header, and throws before stream-start when a stream is refused', async () => {
      upstream.enqueue({ status: 429, json: fixtureJson('google', 'google-429-retry-info'), headers: { 'retry-after': '2' } });
      await expect(collect(model.stream(request, options()))).rejects.toMatchObject({ statusCode: 429, retryAfterMs: 2000 });
    });

    it('keeps a 400 not retryable and a 5xx retryable', async () => {
      upstream.enqueue({ status: 400, json: { error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified', status: 'INVALID_ARGUMENT' } } });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 400, isRetryable: false, upstreamCode: 'INVALID_ARGUMENT' });
      upstream.enqueue({ status: 503, json: { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } } });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 503, isRetryable: true, upstreamCode: 'UNAVAILABLE' });
      upstream.enqueue({ status: 500, text: '<html>upstream exploded</html>' });
      await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 500, isRetryable: true, message: 'google returned 500: <html>upstream exploded</html>' });
    });

    it('reports a connection failure as a retryable ProviderError', async () => {
      const down = new GoogleModel('gemini-2.5-flash', { provider: 'google', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', agent });
      await expect(down.generate(request, options())).rejects.toMatchObject({ statusCode: 0, isRetryable: true });
    });
  });

  describe('settings', () => {
    const unsupported: ChatCompletionRequest = { ...request, user: 'end-user-42', parallel_tool_calls: false };

    it('sends without the settings Gemini cannot honour and says so in warnings', async () => {
      upstream.enqueue({ json: fixtureJson('google', 'google-text') });
      const result = await model.generate(unsupported, options());
      expect(result.warnings).toEqual([
        { setting: 'user', message: 'user is not supported by google and was not sent' },
        { setting: 'parallel_tool_calls', message: 'parallel_tool_calls is not supported by google and was not sent' },
      ]);
      expect(upstream.requests[0].body).toEqual({
        contents: [{ role: 'user', parts: [{ text: 'How many "r"s are in the word "strawberry"?' }] }],
        generationConfig: { maxOutputTokens: 1000 },
      });
    });

    it('puts the warnings in stream-start', async () => {
      upstream.enqueue({ sse: fixtureChunks('google', 'google-text') });
      const parts = await collect(model.stream({ ...request, user: 'end-user-42' }, options()));
      expect(parts[0]).toEqual({ type: 'stream-start', warnings: [{ setting: 'user', message: 'user is not supported by google and was not sent' }] });
    });

    it("sends exactly the output budget as maxOutputTokens, never the caller's max_tokens or max_completion_tokens", async () => {
      upstream.enqueue({ json: fixtureJson('google', 'google-text') }, { sse: fixtureChunks('google', 'google-text') });
      const greedy: ChatCompletionRequest = { ...request, max_completion_tokens: 1, max_tokens: 40000 };
      expect((await model.generate(greedy, { ...options(), maxOutputTokens: 1 })).warnings).toEqual([]);
      await collect(model.stream(greedy, { ...options(), maxOutputTokens: 1 }));
      for (const sent of upstream.requests) expect(sent.body).toMatchObject({ generationConfig: { maxOutputTokens: 1 } });
    });

    it('refuses them in strict mode without calling Gemini', async () => {
      const error = await model.generate(unsupported, { ...options(), strict: true }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsupportedSettingError);
      expect(error).toMatchObject({ setting: 'user', message: 'user is not supported by google' });
      await expect(collect(model.stream(unsupported, { ...options(), strict: true }))).rejects.toBeInstanceOf(UnsupportedSettingError);
      expect(upstream.requests).toHaveLength(0);
    });
  });
});
