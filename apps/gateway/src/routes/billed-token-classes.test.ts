import { priceUsage } from '@tollgate/billing';
import { loadCatalog } from '@tollgate/providers';
import type { Usage } from '@tollgate/schemas';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayResponse, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** A recorded body with some fields changed (the recordings hold no prompt-cache hits, so those are written in). */
function withChanges(body: unknown, change: (copy: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  change(copy);
  return copy;
}
const field = (object: unknown, key: string) => (object as Record<string, unknown>)[key] as Record<string, unknown>;

/** Anthropic's text answer, reporting 2000 prompt tokens read from the cache and 1000 written to it. */
const anthropicCached = withChanges(fixtureJson('anthropic', 'anthropic-text'), (body) => {
  Object.assign(field(body, 'usage'), { cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 });
});
/** The same as a stream: `message_start` and the cumulative `message_delta` both carry the cache counts. */
const anthropicCachedStream = fixtureChunks('anthropic', 'anthropic-text').map((line) => {
  const event = JSON.parse(line) as { type: string; message?: { usage: object }; usage?: object };
  const cache = { cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 };
  if (event.type === 'message_start' && event.message) Object.assign(event.message.usage, cache);
  if (event.type === 'message_delta' && event.usage) Object.assign(event.usage, cache);
  return JSON.stringify(event);
});
/** Gemini's text answer (244 thinking tokens, as recorded), with 4 of its 9 prompt tokens served from a cache. */
const geminiCached = withChanges(fixtureJson('google', 'google-text'), (body) => {
  field(body, 'usageMetadata')['cachedContentTokenCount'] = 4;
});
/** OpenAI's text answer with 10 of its 16 prompt tokens cached. */
const openAiCached = withChanges(fixtureJson('openai', 'openai-text'), (body) => {
  field(field(body, 'usage'), 'prompt_tokens_details')['cached_tokens'] = 10;
});

interface Case {
  name: string;
  model: string;
  stream: boolean;
  reply: ReplayResponse;
  /** Every class as the provider reported it. */
  usage: Omit<Usage, 'source'>;
  /** Σ class tokens × class price (USD per million), worked out by hand from the catalog's prices. */
  base: string;
}

const classes = (inputTokens: number, outputTokens: number, reasoningTokens: number, cacheReadTokens: number, cacheWriteTokens: number) => ({
  inputTokens,
  outputTokens,
  reasoningTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

const CASES: Case[] = [
  {
    // Sonnet 4.5: input 3, output 15, cache read 0.30, cache write 3.75 per million.
    // 12×3 + 29×15 + 2000×0.30 + 1000×3.75 = 36 + 435 + 600 + 3750 = 4821 → 0.004821
    name: 'Anthropic cache read + cache write (JSON)',
    model: 'anthropic/claude-sonnet-4.5',
    stream: false,
    reply: { json: anthropicCached },
    usage: classes(12, 29, 0, 2000, 1000),
    base: '0.004821',
  },
  {
    // 12×3 + 30×15 + 2000×0.30 + 1000×3.75 = 36 + 450 + 600 + 3750 = 4836 → 0.004836
    name: 'Anthropic cache read + cache write (stream)',
    model: 'anthropic/claude-sonnet-4.5',
    stream: true,
    reply: { sse: anthropicCachedStream, eventNames: true },
    usage: classes(12, 30, 0, 2000, 1000),
    base: '0.004836',
  },
  {
    // Gemini 2.5 Pro: input 1.25, output 10 (thinking billed as output), cache read 0.125.
    // 9×1.25 + 28×10 + 244×10 = 11.25 + 280 + 2440 = 2731.25 → 0.00273125
    name: 'Gemini thinking tokens (thoughtsTokenCount, as recorded)',
    model: 'google/gemini-2.5-pro',
    stream: false,
    reply: { json: fixtureJson('google', 'google-text') },
    usage: classes(9, 28, 244, 0, 0),
    base: '0.00273125',
  },
  {
    // 5×1.25 + 28×10 + 244×10 + 4×0.125 = 6.25 + 280 + 2440 + 0.5 = 2726.75 → 0.00272675
    name: 'Gemini thinking + cached content tokens',
    model: 'google/gemini-2.5-pro',
    stream: false,
    reply: { json: geminiCached },
    usage: classes(5, 28, 244, 4, 0),
    base: '0.00272675',
  },
  {
    // Gemini 2.5 Flash: input 0.30, output 2.50. Last chunk: 9 prompt, 23 candidates, 185 thoughts.
    // 9×0.30 + 23×2.50 + 185×2.50 = 2.7 + 57.5 + 462.5 = 522.7 → 0.0005227
    name: 'Gemini thinking tokens (stream, as recorded)',
    model: 'google/gemini-2.5-flash',
    stream: true,
    reply: { sse: fixtureChunks('google', 'google-text') },
    usage: classes(9, 23, 185, 0, 0),
    base: '0.0005227',
  },
  {
    // Llama 4 Maverick: input 0.27, output 0.85 (no cache price: cached tokens at the input price).
    // xAI reports reasoning beside completion_tokens: 12 prompt (2 cached), 2 completion, 320 reasoning.
    // 10×0.27 + 2×0.27 + 2×0.85 + 320×0.85 = 2.7 + 0.54 + 1.7 + 272 = 276.94 → 0.00027694
    name: 'reasoning reported beside completion (xAI format, via Together)',
    model: 'together/llama-4-maverick',
    stream: false,
    reply: { json: fixtureJson('openai-compatible', 'xai-text') },
    usage: classes(10, 2, 320, 2, 0),
    base: '0.00027694',
  },
  {
    // Last chunk: 12 prompt (11 cached), 2 completion, 340 reasoning beside.
    // 1×0.27 + 11×0.27 + 2×0.85 + 340×0.85 = 0.27 + 2.97 + 1.7 + 289 = 293.94 → 0.00029394
    name: 'reasoning reported beside completion (xAI format, via Together, stream)',
    model: 'together/llama-4-maverick',
    stream: true,
    reply: { sse: fixtureChunks('openai-compatible', 'xai-text'), done: true },
    usage: classes(1, 2, 340, 11, 0),
    base: '0.00029394',
  },
  {
    // DeepSeek-V3 at 1.25 for everything; reasoning (48) counted inside completion_tokens (92), 320 of 339 cached.
    // (19 + 44 + 48 + 320) × 1.25 = 431 × 1.25 = 538.75 → 0.00053875
    name: 'reasoning counted inside completion (DeepSeek format, via Together)',
    model: 'together/deepseek-v3',
    stream: false,
    reply: { json: fixtureJson('deepseek', 'deepseek-tool-call') },
    usage: classes(19, 44, 48, 320, 0),
    base: '0.00053875',
  },
  {
    // GPT-4o: input 2.50, output 10, cache read 1.25. 6×2.5 + 363×10 + 10×1.25 = 15 + 3630 + 12.5 = 3657.5 → 0.0036575
    name: 'OpenAI cached prompt tokens',
    model: 'openai/gpt-4o',
    stream: false,
    reply: { json: openAiCached },
    usage: classes(6, 363, 0, 10, 0),
    base: '0.0036575',
  },
];

describe('every billed token class reaches the metering event at its price', () => {
  const catalog = loadCatalog();
  const upstreams = new Map<string, ReplayServer>();
  let gateway: TestGateway;

  beforeAll(async () => {
    for (const provider of ['openai', 'anthropic', 'google', 'together']) upstreams.set(provider, await startReplayServer());
    const url = (provider: string) => upstreams.get(provider)?.url ?? '';
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${url('openai')}/v1`,
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: url('anthropic'),
      ANTHROPIC_API_KEY: 'sk-ant-test',
      GEMINI_BASE_URL: url('google'),
      GEMINI_API_KEY: 'gemini-test',
      TOGETHER_BASE_URL: `${url('together')}/v1`,
      TOGETHER_API_KEY: 'together-test',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([...upstreams.values()].map((upstream) => upstream.close()));
  });

  it.each(CASES)('$name', async ({ model, stream, reply, usage, base }) => {
    const entry = catalog.find(model);
    if (!entry) throw new Error(`${model} is not in the catalog`);
    upstreams.get(entry.provider)?.enqueue(reply);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const shown = stream
      ? (JSON.parse(text.split('\n\n').filter((event) => event.includes('"usage"')).at(-1)?.slice('data: '.length) ?? '{}') as { usage: unknown }).usage
      : (JSON.parse(text) as { usage: unknown }).usage;

    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event.usage).toEqual({ ...usage, source: 'reported' });
    expect(event.prices).toEqual(entry.prices);
    expect(event.cost.base).toBe(base);
    expect(event.cost).toEqual(priceUsage(event.usage, entry.prices, '0.10'));
    // The caller sees the same classes and the same price.
    expect(shown).toMatchObject({
      prompt_tokens: usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
      completion_tokens: usage.outputTokens + usage.reasoningTokens,
      prompt_tokens_details: { cached_tokens: usage.cacheReadTokens, cache_write_tokens: usage.cacheWriteTokens },
      completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
      cost: event.cost,
    });
  });

  it('commission and total follow from the base exactly (Anthropic cache case: 0.004821 + 10%)', async () => {
    upstreams.get('anthropic')?.enqueue({ json: anthropicCached });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5-20250929', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event.cost).toEqual({ base: '0.004821', commission: '0.0004821', total: '0.0053031' });
  });
});
