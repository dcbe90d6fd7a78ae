import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import type { StreamPart } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { OPENAI_QUIRKS } from '../openai/openai-api';
import { OpenAiCompatibleModel } from './openai-compatible-model';

describe('OpenAiCompatibleModel (OpenAI recordings)', () => {
  let upstream: ReplayServer;
  let model: OpenAiCompatibleModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const request: ChatCompletionRequest = {
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }],
    temperature: 0.5,
  };
  const options = () => ({ signal: new AbortController().signal, requestId: 'req-test-0001', maxOutputTokens: 1000 });

  beforeEach(async () => {
    upstream = await startReplayServer();
    model = new OpenAiCompatibleModel('gpt-4o-mini', { provider: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-test', agent, quirks: OPENAI_QUIRKS });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it('maps a JSON response: text, finish reason, usage; sends the upstream model id and the key', async () => {
    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    const result = await model.generate(request, options());
    expect(result.text).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({ inputTokens: 16, outputTokens: 363, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions', headers: { authorization: 'Bearer sk-test' } });
    expect(upstream.requests[0].body).toMatchInlineSnapshot(`
{
  "max_completion_tokens": 1000,
  "messages": [
    {
      "content": "Invent a new holiday and describe its traditions.",
      "role": "user",
    },
  ],
  "model": "gpt-4o-mini",
  "temperature": 0.5,
}
`);
  });

  it('streams text deltas and finishes with the usage of the last chunk, always asking for usage', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), done: true });
    const parts: StreamPart[] = [];
    for await (const part of model.stream(request, options())) parts.push(part);
    expect(parts[0]).toEqual({ type: 'stream-start', warnings: [] });
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 16, outputTokens: 300, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' },
    });
    expect(upstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("sends exactly the output budget as max_completion_tokens, never the caller's max_tokens or max_completion_tokens", async () => {
    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') }, { sse: fixtureChunks('openai', 'openai-text'), done: true });
    const greedy: ChatCompletionRequest = { ...request, max_completion_tokens: 1, max_tokens: 40000 };
    expect((await model.generate(greedy, { ...options(), maxOutputTokens: 1 })).warnings).toEqual([]);
    for await (const _part of model.stream(greedy, { ...options(), maxOutputTokens: 1 })) {
      // read to the end
    }
    for (const sent of upstream.requests) {
      expect(sent.body).toMatchObject({ max_completion_tokens: 1 });
      expect(sent.body).not.toHaveProperty('max_tokens');
    }
  });

  it('drops settings OpenAI cannot honour with a warning, or refuses them in strict mode', async () => {
    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    const result = await model.generate({ ...request, top_k: 5 }, options());
    expect(result.warnings).toEqual([{ setting: 'top_k', message: 'top_k is not supported by openai and was not sent' }]);
    expect(upstream.requests[0].body).not.toHaveProperty('top_k');
    await expect(model.generate({ ...request, top_k: 5 }, { ...options(), strict: true })).rejects.toBeInstanceOf(UnsupportedSettingError);
  });

  it('maps an upstream error body to a ProviderError with the upstream message', async () => {
    upstream.enqueue({ status: 400, json: fixtureJson('openai', 'reasoning-model-legacy-parameter-error') });
    const error = await model.generate(request, options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', statusCode: 400, isRetryable: false, upstreamCode: 'unsupported_parameter' });
    expect((error as Error).message).toContain("Unsupported parameter: 'max_tokens'");
  });

  it('marks 429 and 5xx retryable and reads retry-after', async () => {
    upstream.enqueue({ status: 429, json: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '2' } });
    const error = await model.generate(request, options()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 429, isRetryable: true, retryAfterMs: 2000 });
    upstream.enqueue({ status: 500, text: 'upstream exploded' });
    await expect(model.generate(request, options())).rejects.toMatchObject({ statusCode: 500, isRetryable: true });
  });

  it('ends a stream that breaks off with an error part carrying the usage seen so far', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), dropAfter: 5 });
    const parts: StreamPart[] = [];
    for await (const part of model.stream(request, options())) parts.push(part);
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    // The provider was generating when the connection broke: never retried.
    expect(last?.type === 'error' && last.error).toMatchObject({ reachedModel: true, isRetryable: false });
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(4);
  });

  it('throws (does not start the stream) when the first upstream event is an error or the body ends empty', async () => {
    upstream.enqueue({ sse: ['{"error":{"message":"overloaded, try again","type":"server_error"}}'] });
    const consume = async () => {
      for await (const _part of model.stream(request, options())) {
        // no part may arrive
      }
    };
    // The provider says it failed: nothing was generated.
    await expect(consume()).rejects.toMatchObject({ provider: 'openai', message: expect.stringContaining('overloaded, try again'), reachedModel: false });
    upstream.enqueue({ sse: [] });
    // A 200 that ends silently may have been generated all the same.
    await expect(consume()).rejects.toMatchObject({ message: 'openai stream ended before any event', statusCode: 502, reachedModel: true, isRetryable: false });
  });

  it('reports a refused connection as a retryable ProviderError that never reached the model', async () => {
    const down = new OpenAiCompatibleModel('gpt-4o-mini', { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k', agent, quirks: OPENAI_QUIRKS });
    await expect(down.generate(request, options())).rejects.toMatchObject({ statusCode: 0, isRetryable: true, reachedModel: false });
  });
});
