import OpenAI from 'openai';
import { priceUsage } from '@tollgate/billing';
import { loadCatalog } from '@tollgate/providers';
import { PROVIDER_REPLAYS, startProviderReplays } from '@tollgate/providers/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** Usage as tollgate returns it: OpenAI's fields plus the price (decimal strings). */
interface PricedUsage extends OpenAI.CompletionUsage {
  cost: { base: string; commission: string; total: string };
}

/** What a caller's program takes from an answer, whichever provider gave it. */
interface Answer {
  model: string;
  text: string;
  finishReason: string | null;
  usage: PricedUsage | undefined;
  /** The shape of the whole response (the completion, or the stream's chunks in order, runs of one shape merged). */
  shape: unknown;
}

/** The one program: ask, with the official SDK, without and with streaming. */
async function ask(client: OpenAI, model: string): Promise<{ json: Answer; streamed: Answer }> {
  const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
  const completion = await client.chat.completions.create({ model, messages, max_tokens: 1000 });
  const json: Answer = {
    model: completion.model,
    text: completion.choices[0].message.content ?? '',
    finishReason: completion.choices[0].finish_reason,
    usage: completion.usage as PricedUsage | undefined,
    shape: shapeOf(completion),
  };
  const stream = await client.chat.completions.create({ model, messages, max_tokens: 1000, stream: true, stream_options: { include_usage: true } });
  const streamed: Answer = { model: '', text: '', finishReason: null, usage: undefined, shape: [] };
  const chunkShapes: unknown[] = [];
  for await (const chunk of stream) {
    const shape = shapeOf(chunk);
    if (JSON.stringify(shape) !== JSON.stringify(chunkShapes.at(-1))) chunkShapes.push(shape);
    streamed.model = chunk.model;
    streamed.text += chunk.choices[0]?.delta.content ?? '';
    streamed.finishReason = chunk.choices[0]?.finish_reason ?? streamed.finishReason;
    streamed.usage = (chunk.usage as PricedUsage | null | undefined) ?? streamed.usage;
  }
  streamed.shape = chunkShapes;
  return { json, streamed };
}

/** The shape of a value: every key with the type of its value, recursively (values themselves left out). */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value !== 'object') return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
}

describe('the official openai SDK gets equivalent answers from every provider', () => {
  const catalog = loadCatalog();
  let replays: Awaited<ReturnType<typeof startProviderReplays>>;
  let gateway: TestGateway;
  let client: OpenAI;
  const answers = new Map<string, { json: Answer; streamed: Answer }>();

  beforeAll(async () => {
    replays = await startProviderReplays();
    gateway = await startTestGateway(replays.settings);
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await replays.close();
  });

  it.each(PROVIDER_REPLAYS)('$provider ($model): text, finish_reason and priced usage, JSON and streamed', async (replay) => {
    replays.servers[replay.provider].enqueue(replay.textJson, replay.textStream);
    const answer = await ask(client, replay.model);
    answers.set(replay.provider, answer);
    const prices = catalog.find(replay.model)?.prices;
    if (!prices) throw new Error(`${replay.model} has no prices`);
    for (const [form, tokens] of [
      [answer.json, replay.textJsonTokens],
      [answer.streamed, replay.textStreamTokens],
    ] as const) {
      expect(form.model).toBe(replay.model);
      expect(form.text.length).toBeGreaterThan(20);
      expect(form.finishReason).toBe('stop');
      const usage = form.usage;
      if (!usage) throw new Error('no usage');
      expect(usage).toMatchObject({ prompt_tokens: tokens.prompt, completion_tokens: tokens.completion, total_tokens: tokens.prompt + tokens.completion });
      // The cost shown is the classes priced at the catalog's prices (and the metering event carries the same).
      const details = { cached: usage.prompt_tokens_details?.cached_tokens ?? 0, reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0 };
      const expected = priceUsage(
        {
          inputTokens: usage.prompt_tokens - details.cached,
          outputTokens: usage.completion_tokens - details.reasoning,
          reasoningTokens: details.reasoning,
          cacheReadTokens: details.cached,
          cacheWriteTokens: 0,
          source: 'reported',
        },
        prices,
        '0.10',
      );
      expect(usage.cost).toEqual(expected);
      expect(Number(usage.cost.total)).toBeGreaterThan(0);
    }
    expect(answer.json.text.startsWith(replay.textJsonStart)).toBe(true);
    expect(answer.streamed.text.startsWith(replay.textStreamStart)).toBe(true);
  });

  it('gives answers of one shape: the program cannot tell the providers apart', () => {
    expect([...answers.keys()].sort()).toEqual(PROVIDER_REPLAYS.map((replay) => replay.provider).sort());
    for (const form of ['json', 'streamed'] as const) {
      const shapes = [...answers.values()].map((answer) => ({ fields: shapeOf({ ...answer[form], shape: null }), response: answer[form].shape }));
      for (const shape of shapes) expect(shape).toEqual(shapes[0]);
    }
  });
});
