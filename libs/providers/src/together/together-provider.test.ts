import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { ModelCatalog } from '../catalog/model-catalog';
import { loadCatalog } from '../load-catalog';
import type { ChatModel } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { mistralProvider } from '../mistral/mistral-provider';
import { readWholeStream, testCallOptions } from '../testing/stream-test-support';
import { ProviderRegistry } from '../provider-registry';
import { UnsupportedSettingError } from '../provider-error';
import { togetherProvider } from './together-provider';

describe('togetherProvider', () => {
  let upstream: ReplayServer;
  let model: ChatModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const catalog = loadCatalog();
  const entry = catalog.find('together/deepseek-v3');
  const request: ChatCompletionRequest = {
    model: 'together/deepseek-v3',
    messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
  };

  beforeEach(async () => {
    upstream = await startReplayServer();
    if (!entry) throw new Error('the bundled catalog has no together/deepseek-v3');
    model = togetherProvider.createModel(entry, { baseUrl: `${upstream.url}/v1`, apiKey: 'together-test-key', agent });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it('is registered as together, configured by TOGETHER_BASE_URL / TOGETHER_API_KEY', () => {
    expect(togetherProvider).toMatchObject({ name: 'together', settings: { baseUrl: 'TOGETHER_BASE_URL', defaultBaseUrl: 'https://api.together.xyz/v1', apiKey: 'TOGETHER_API_KEY' } });
    expect(model).toMatchObject({ provider: 'together', upstreamModelId: 'deepseek-ai/DeepSeek-V3' });
  });

  it('sends top_k, seed and tool_choice required as they are, asks for stream usage, reports user and parallel_tool_calls', async () => {
    upstream.enqueue({ sse: fixtureChunks('deepseek', 'deepseek-tool-call'), done: true });
    const result = await readWholeStream(
      model,
      {
        ...request,
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
        tool_choice: 'required',
        parallel_tool_calls: true,
        top_k: 40,
        seed: 7,
        temperature: 0.6,
        top_p: 0.9,
        max_completion_tokens: 512,
        stop: ['</answer>'],
        user: 'customer-1234',
        stream: true,
        stream_options: { include_usage: false },
      },
      testCallOptions({ maxOutputTokens: 512 }),
    );
    expect(result.parts[0]).toEqual({
      type: 'stream-start',
      warnings: [
        { setting: 'parallel_tool_calls', message: 'parallel_tool_calls is not supported by together and was not sent' },
        { setting: 'user', message: 'user is not supported by together and was not sent' },
      ],
    });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions', headers: { authorization: 'Bearer together-test-key' } });
    expect(upstream.requests[0].body).toMatchInlineSnapshot(`
{
  "max_tokens": 512,
  "messages": [
    {
      "content": "What is the weather in San Francisco?",
      "role": "user",
    },
  ],
  "model": "deepseek-ai/DeepSeek-V3",
  "seed": 7,
  "stop": [
    "</answer>",
  ],
  "stream": true,
  "stream_options": {
    "include_usage": true,
  },
  "temperature": 0.6,
  "tool_choice": "required",
  "tools": [
    {
      "function": {
        "name": "weather",
        "parameters": {
          "properties": {
            "location": {
              "type": "string",
            },
          },
          "type": "object",
        },
      },
      "type": "function",
    },
  ],
  "top_k": 40,
  "top_p": 0.9,
}
`);
  });

  it("sends exactly the output budget as max_tokens, never the caller's max_tokens or max_completion_tokens", async () => {
    upstream.enqueue({ json: fixtureJson('deepseek', 'deepseek-tool-call') }, { sse: fixtureChunks('deepseek', 'deepseek-text'), done: true });
    const greedy = { ...request, max_completion_tokens: 1, max_tokens: 16000 };
    expect((await model.generate(greedy, testCallOptions({ maxOutputTokens: 1 }))).warnings).toEqual([]);
    await readWholeStream(model, greedy, testCallOptions({ maxOutputTokens: 1 }));
    for (const sent of upstream.requests) {
      expect(sent.body).toMatchObject({ max_tokens: 1 });
      expect(sent.body).not.toHaveProperty('max_completion_tokens');
    }
  });

  it('refuses user in strict mode without calling Together', async () => {
    await expect(model.generate({ ...request, user: 'customer-1234' }, testCallOptions({ strict: true }))).rejects.toBeInstanceOf(UnsupportedSettingError);
    expect(upstream.requests).toHaveLength(0);
  });

  it('reads DeepSeek-V3 as Together serves it: reasoning, tool call, cache hits and reasoning tokens (JSON)', async () => {
    upstream.enqueue({ json: fixtureJson('deepseek', 'deepseek-tool-call') });
    const result = await model.generate(request, testCallOptions());
    expect(result).toMatchObject({
      text: '',
      toolCalls: [{ id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo', name: 'weather', arguments: '{"location": "San Francisco"}' }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 19, outputTokens: 44, reasoningTokens: 48, cacheReadTokens: 320, cacheWriteTokens: 0, source: 'reported' },
      warnings: [],
    });
    expect(result.reasoning).toMatch(/^The user is asking for the weather in San Francisco\./);
  });

  it('reads the same streamed: reasoning deltas, incremental tool call arguments, usage of the last chunk', async () => {
    upstream.enqueue({ sse: fixtureChunks('deepseek', 'deepseek-tool-call'), done: true });
    const result = await readWholeStream(model, request);
    expect(result.reasoning).toMatch(/^The user is asking for the weather in Sa/);
    expect(result.toolCalls).toEqual([{ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather', arguments: '{"location": "San Francisco"}' }]);
    expect(result.last).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 19, outputTokens: 44, reasoningTokens: 39, cacheReadTokens: 320, cacheWriteTokens: 0, source: 'reported' },
    });
  });

  it('reads a plain text stream that stops at the length limit', async () => {
    upstream.enqueue({ sse: fixtureChunks('deepseek', 'deepseek-text'), done: true });
    const result = await readWholeStream(model, request);
    expect(result.text).toMatch(/^## \*\*Holiday Name:\*\* Starlight Remembrance/);
    expect(result.last).toMatchObject({ type: 'finish', finishReason: 'length', usage: { inputTokens: 13, outputTokens: 400 } });
  });

  it('resolves catalog models through the registry with its settings', async () => {
    const served = new ModelCatalog(catalog.entries.filter((candidate) => candidate.provider === 'together' || candidate.provider === 'mistral'));
    const registry = new ProviderRegistry(served, [togetherProvider, mistralProvider], {
      TOGETHER_BASE_URL: `${upstream.url}/v1`,
      TOGETHER_API_KEY: 'together-test-key',
    });
    try {
      expect(registry.resolve('together/llama-3.3-70b').model).toMatchObject({ provider: 'together', upstreamModelId: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' });
      expect(() => registry.resolve('mistral/mistral-large')).toThrow('provider mistral is not configured: set MISTRAL_API_KEY');
    } finally {
      await registry.close();
    }
  });
});
