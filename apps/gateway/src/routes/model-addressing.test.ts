import OpenAI from 'openai';
import { loadCatalog } from '@tollgate/providers';
import { PROVIDER_REPLAYS, startProviderReplays, type ProviderReplay } from '@tollgate/providers/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * The models issue 3 names from the 19 LightningProx offers (seed 000), as catalog ids: the issue lists 18 of them; the
 * catalog serves more (e.g. gemini-2.5-flash-lite), checked below as `>= 19`.
 */
const LIGHTNINGPROX_MODELS = [
  'anthropic/claude-opus-4.5',
  'anthropic/claude-sonnet-4.5',
  'anthropic/claude-haiku-4.5',
  'openai/gpt-4o',
  'openai/gpt-4o-mini',
  'openai/gpt-4-turbo',
  'together/llama-4-maverick',
  'together/llama-3.3-70b',
  'together/deepseek-v3',
  'together/mixtral-8x7b',
  'mistral/mistral-large',
  'mistral/mistral-medium',
  'mistral/mistral-small',
  'mistral/codestral',
  'mistral/devstral',
  'mistral/magistral',
  'google/gemini-2.5-pro',
  'google/gemini-2.5-flash',
];

/** The names Router402's web app and VS Code extension send (issue 12): each is a catalog id. */
const ROUTER402_MODELS = [
  'anthropic/claude-opus-4.5',
  'anthropic/claude-sonnet-4.5',
  'anthropic/claude-haiku-4.5',
  'google/gemini-3-pro-preview',
  'google/gemini-3-flash-preview',
];

describe('every catalog model answers through /v1/chat/completions, by `provider/model` and by its bare upstream id', () => {
  const catalog = loadCatalog();
  const served = catalog.entries.filter((entry) => entry.provider !== 'tollgate');
  const replayOf = (provider: string): ProviderReplay => {
    const replay = PROVIDER_REPLAYS.find((candidate) => candidate.provider === provider);
    if (!replay) throw new Error(`no replay for ${provider}`);
    return replay;
  };
  let replays: Awaited<ReturnType<typeof startProviderReplays>>;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    replays = await startProviderReplays();
    gateway = await startTestGateway(replays.settings);
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await replays.close();
  });

  it('holds at least 19 models, the LightningProx ones among them, with the names the issue lists resolving', () => {
    expect(served.length).toBeGreaterThanOrEqual(19);
    expect(served.map((entry) => entry.id)).toEqual(expect.arrayContaining([...LIGHTNINGPROX_MODELS]));
    expect(ROUTER402_MODELS.map((name) => catalog.find(name)?.id)).toEqual(ROUTER402_MODELS);
    expect(
      ['claude-opus-4-5-20251101', 'gpt-4-turbo', 'gemini-2.5-pro', 'mistral-large-latest', 'deepseek-ai/DeepSeek-V3', 'anthropic/claude-sonnet-4.5'].map(
        (name) => catalog.find(name)?.id,
      ),
    ).toEqual(['anthropic/claude-opus-4.5', 'openai/gpt-4-turbo', 'google/gemini-2.5-pro', 'mistral/mistral-large', 'together/deepseek-v3', 'anthropic/claude-sonnet-4.5']);
  });

  it.each(served.map((entry) => [entry.id, entry.upstreamId, entry] as const))('%s (%s)', async (_id, _upstreamId, entry) => {
    const replay = replayOf(entry.provider);
    const upstream = replays.servers[entry.provider as ProviderReplay['provider']];
    upstream.requests.length = 0;
    const messages = [{ role: 'user' as const, content: 'Invent a new holiday.' }];

    for (const name of [entry.id, entry.upstreamId, ...entry.aliases]) {
      upstream.enqueue(replay.textJson);
      const completion = await client.chat.completions.create({ model: name, messages });
      expect(completion.model).toBe(entry.id);
      expect(completion.choices[0].message.content?.startsWith(replay.textJsonStart)).toBe(true);
      expect((completion.usage as unknown as { cost: { total: string } }).cost.total).toMatch(/^0\.\d+$/);
    }

    upstream.enqueue(replay.textStream);
    const stream = await client.chat.completions.create({ model: entry.upstreamId, messages, stream: true });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.model).toBe(entry.id);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.startsWith(replay.textStreamStart)).toBe(true);

    // Every call reached this model's upstream id, in this provider's wire format.
    expect(upstream.requests.map((request) => replay.upstreamModel(request))).toEqual(upstream.requests.map(() => entry.upstreamId));
    expect(upstream.requests).toHaveLength(2 + entry.aliases.length + 1);
  });
});
