import type { ChatCompletionRequest, Usage } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { catalogEntrySchema } from '../catalog/model-catalog';
import type { ChatModel, FinishReason, GeneratedToolCall } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { OPENAI_QUIRKS } from '../openai/openai-api';
import { openAiCompatibleProvider } from './openai-compatible-provider';
import { prefixedSettings } from '../provider-definition';
import { readWholeStream, testCallOptions } from '../testing/stream-test-support';

/**
 * Every recording of the OpenAI-compatible family (DeepSeek, Groq, xAI — the wire format Together.ai speaks too),
 * replayed through an adapter built from quirks, as a provider added by configuration would be.
 */

function usage(inputTokens: number, outputTokens: number, reasoningTokens: number, cacheReadTokens: number): Usage {
  return { inputTokens, outputTokens, reasoningTokens, cacheReadTokens, cacheWriteTokens: 0, source: 'reported' };
}

interface Expected {
  /** The text, or how it starts; null when the message had no content. */
  text: string | null | RegExp;
  /** How the reasoning starts; undefined when there is none. */
  reasoning?: RegExp;
  toolCalls: GeneratedToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

interface ReplayCase {
  folder: 'deepseek' | 'groq' | 'openai-compatible';
  fixture: string;
  provider: string;
  json: Expected;
  stream: Expected;
}

const weather = (id: string, args: string): GeneratedToolCall => ({ id, name: 'weather', arguments: args });

const CASES: ReplayCase[] = [
  {
    folder: 'deepseek',
    fixture: 'deepseek-text',
    provider: 'deepseek',
    json: { text: /^## \*\*Holiday Name: Gratitude of Small Things Day \(GST Day\)\*\*/, toolCalls: [], finishReason: 'length', usage: usage(13, 300, 0, 0) },
    stream: { text: /^## \*\*Holiday Name:\*\* Starlight Remembrance\n\n/, toolCalls: [], finishReason: 'length', usage: usage(13, 400, 0, 0) },
  },
  {
    // deepseek-reasoner: reasoning counted inside completion_tokens, cache hits in prompt_cache_hit_tokens.
    folder: 'deepseek',
    fixture: 'deepseek-tool-call',
    provider: 'deepseek',
    json: {
      text: '',
      reasoning: /^The user is asking for the weather in San Francisco\. I have a weather tool/,
      toolCalls: [weather('call_00_9V0vrf86Pc9aelHCJMZqnJBo', '{"location": "San Francisco"}')],
      finishReason: 'tool_calls',
      usage: usage(19, 44, 48, 320),
    },
    stream: {
      text: '',
      reasoning: /^The user is asking for the weather in Sa/,
      toolCalls: [weather('call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', '{"location": "San Francisco"}')],
      finishReason: 'tool_calls',
      usage: usage(19, 44, 39, 320),
    },
  },
  {
    // Groq repeats the usage in x_groq.usage.
    folder: 'groq',
    fixture: 'groq-text',
    provider: 'groq',
    json: { text: /^I'd like to introduce "Luminaria" - a joyous holiday/, toolCalls: [], finishReason: 'stop', usage: usage(45, 607, 0, 0) },
    stream: { text: /^Introducing "Luminaria" - a new holiday that celeb/, toolCalls: [], finishReason: 'stop', usage: usage(45, 662, 0, 0) },
  },
  {
    folder: 'groq',
    fixture: 'groq-tool-call',
    provider: 'groq',
    json: { text: null, toolCalls: [weather('ax9fskhev', '{}')], finishReason: 'tool_calls', usage: usage(218, 15, 0, 0) },
    stream: { text: '', toolCalls: [weather('tk85n1k4m', '{}')], finishReason: 'tool_calls', usage: usage(210, 15, 0, 0) },
  },
  {
    // xAI reports reasoning_tokens beside completion_tokens (total = prompt + completion + reasoning).
    folder: 'openai-compatible',
    fixture: 'xai-text',
    provider: 'xai',
    json: { text: 'Grok', reasoning: /^First, the user said: "Say a single word\." That's straightforward\./, toolCalls: [], finishReason: 'stop', usage: usage(10, 2, 320, 2) },
    stream: { text: 'Grok', reasoning: /^First, the user said: "Say a single word\."/, toolCalls: [], finishReason: 'stop', usage: usage(1, 2, 340, 11) },
  },
  {
    folder: 'openai-compatible',
    fixture: 'xai-tool-call',
    provider: 'xai',
    json: {
      text: '',
      reasoning: /^First, the user is asking about the weather in San Francisco\./,
      toolCalls: [weather('call_46427107', '{"location":"San Francisco"}')],
      finishReason: 'tool_calls',
      usage: usage(63, 26, 255, 244),
    },
    stream: {
      text: '',
      reasoning: /^First, the user is asking about the weather in San Francisco\./,
      toolCalls: [weather('call_79382389', '{"location":"San Francisco"}')],
      finishReason: 'tool_calls',
      usage: usage(1, 26, 227, 306),
    },
  },
];

function expectText(actual: string | null, expected: Expected['text']): void {
  if (expected instanceof RegExp) expect(actual).toMatch(expected);
  else expect(actual).toBe(expected);
}

describe('OpenAI-compatible family (DeepSeek, Groq, xAI recordings)', () => {
  let upstream: ReplayServer;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const request: ChatCompletionRequest = { model: 'any', messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }] };

  function modelFor(provider: string): ChatModel {
    const definition = openAiCompatibleProvider({ name: provider, settings: prefixedSettings(provider.toUpperCase(), 'http://127.0.0.1:9/v1'), quirks: OPENAI_QUIRKS, models: [] });
    const entry = catalogEntrySchema.parse({
      id: `${provider}/test-model`,
      provider,
      upstreamId: 'test-model',
      name: 'Test model',
      prices: { input: '1', output: '2' },
      contextWindow: 128000,
      maxOutputTokens: 8192,
    });
    return definition.createModel(entry, { baseUrl: `${upstream.url}/v1`, apiKey: 'test-key', agent });
  }

  beforeEach(async () => {
    upstream = await startReplayServer();
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it.each(CASES)('$folder/$fixture.json: text, reasoning, tool calls, finish reason, usage', async ({ folder, fixture, provider, json }) => {
    upstream.enqueue({ json: fixtureJson(folder, fixture) });
    const result = await modelFor(provider).generate(request, testCallOptions());
    expectText(result.text, json.text);
    if (json.reasoning) expect(result.reasoning).toMatch(json.reasoning);
    else expect(result.reasoning).toBeUndefined();
    expect(result.toolCalls).toEqual(json.toolCalls);
    expect(result.finishReason).toBe(json.finishReason);
    expect(result.usage).toEqual(json.usage);
    expect(result.warnings).toEqual([]);
  });

  it.each(CASES)('$folder/$fixture.chunks.txt: the same, streamed', async ({ folder, fixture, provider, stream }) => {
    upstream.enqueue({ sse: fixtureChunks(folder, fixture), done: true });
    const result = await readWholeStream(modelFor(provider), request);
    expect(result.parts[0]).toEqual({ type: 'stream-start', warnings: [] });
    expect(result.parts.filter((part) => part.type === 'finish' || part.type === 'error')).toHaveLength(1);
    expectText(result.text, stream.text);
    if (stream.reasoning) expect(result.reasoning).toMatch(stream.reasoning);
    else expect(result.reasoning).toBe('');
    expect(result.toolCalls).toEqual(stream.toolCalls);
    expect(result.last).toEqual({ type: 'finish', finishReason: stream.finishReason, usage: stream.usage });
    expect(upstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('carries reasoning before the answer it leads to, in stream order', async () => {
    upstream.enqueue({ sse: fixtureChunks('openai-compatible', 'xai-text'), done: true });
    const { parts } = await readWholeStream(modelFor('xai'), request);
    const kinds = parts.map((part) => part.type).filter((type) => type === 'reasoning-delta' || type === 'text-delta');
    expect(kinds.indexOf('text-delta')).toBeGreaterThan(kinds.lastIndexOf('reasoning-delta'));
  });

  it("reads Groq's `reasoning` field, in a JSON message and in stream deltas", async () => {
    // Constructed in the shape Groq documents for reasoning_format "parsed" (no recording of it is in the fixtures).
    const base = { id: 'chatcmpl-1', object: 'chat.completion', model: 'qwen/qwen3-32b' };
    upstream.enqueue(
      {
        json: {
          ...base,
          choices: [{ index: 0, message: { role: 'assistant', content: '4', reasoning: 'Two plus two is four.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 12, total_tokens: 22 },
        },
      },
      {
        sse: [
          JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning: 'Two plus two' }, finish_reason: null }] }),
          JSON.stringify({ ...base, choices: [{ index: 0, delta: { reasoning: ' is four.' }, finish_reason: null }] }),
          JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: '4' }, finish_reason: null }] }),
          JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], x_groq: { usage: { prompt_tokens: 10, completion_tokens: 12, total_tokens: 22 } } }),
        ],
        done: true,
      },
    );
    const model = modelFor('groq');
    const result = await model.generate(request, testCallOptions());
    expect(result).toMatchObject({ text: '4', reasoning: 'Two plus two is four.' });
    const streamed = await readWholeStream(model, request);
    expect(streamed.parts.filter((part) => part.type === 'reasoning-delta')).toEqual([
      { type: 'reasoning-delta', text: 'Two plus two' },
      { type: 'reasoning-delta', text: ' is four.' },
    ]);
    expect(streamed.text).toBe('4');
    // Usage only in x_groq (older Groq responses) still counts.
    expect(streamed.last).toEqual({ type: 'finish', finishReason: 'stop', usage: usage(10, 12, 0, 0) });
  });
});
