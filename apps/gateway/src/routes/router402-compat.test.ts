import OpenAI from 'openai';
import { PROVIDER_REPLAYS, startProviderReplays, type ProviderReplay } from '@tollgate/providers/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const replayOf = (provider: ProviderReplay['provider']): ProviderReplay => {
  const replay = PROVIDER_REPLAYS.find((candidate) => candidate.provider === provider);
  if (!replay) throw new Error(`no replay for ${provider}`);
  return replay;
};

/** What Router402's web app and VS Code extension send with every request: OpenRouter's web plugin. */
const PLUGINS = [{ id: 'web', max_results: 3 }];

interface Chunk {
  choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
  usage?: { completion_tokens: number; cost: { total: string } };
}

describe("Router402's clients (issue 12): their models, their plugins, a top-level cost, usage on the last chunk", () => {
  let replays: Awaited<ReturnType<typeof startProviderReplays>>;
  let gateway: TestGateway;
  let client: OpenAI;
  /** A request with a body the SDK's types do not know (`plugins`), through the SDK. */
  const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers }).withResponse();

  beforeAll(async () => {
    replays = await startProviderReplays();
    gateway = await startTestGateway(replays.settings);
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await replays.close();
  });

  it('a JSON answer carries a top-level cost equal to usage.cost.total', async () => {
    const { data } = await create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hello there' }] });
    const body = data as unknown as { cost: string; usage: { cost: { total: string } } };
    expect(body.cost).toMatch(/^0\.\d+$/);
    expect(body.cost).toBe(body.usage.cost.total);
  });

  it('plugins are accepted and reported in x-tollgate-warnings, refused in strict mode, and never sent upstream', async () => {
    const { data, response } = await create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }], plugins: PLUGINS });
    expect(data.choices[0].message.content).toBe('hi');
    expect(response.headers.get('x-tollgate-warnings')).toMatch(/plugins are not supported by this gateway: web not applied/);

    const strict = create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }], plugins: PLUGINS }, { 'x-tollgate-strict': 'true' });
    await expect(strict).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(strict).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'plugins' });
    await expect(create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }], plugins: [{ max_results: 3 }] })).rejects.toMatchObject({ status: 400 });

    for (const provider of ['openai', 'anthropic', 'google'] as const) {
      const replay = replayOf(provider);
      const upstream = replays.servers[provider];
      upstream.requests.length = 0;
      upstream.enqueue(replay.textJson);
      const answered = await create({ model: replay.model, messages: [{ role: 'user', content: 'Invent a new holiday.' }], plugins: PLUGINS });
      expect(answered.response.headers.get('x-tollgate-warnings')).toContain('plugins');
      expect(JSON.stringify(upstream.requests[0].body)).not.toContain('max_results');
    }
  });

  it.each(['google/gemini-3-pro-preview', 'google/gemini-3-flash-preview'])(
    '%s streams through the Google adapter as Router402 asks: half the maximum output, plugins, usage with cost on the finish_reason chunk',
    async (model) => {
      const replay = replayOf('google');
      const upstream = replays.servers.google;
      upstream.requests.length = 0;
      upstream.enqueue(replay.textStream);
      const stream = await client.chat.completions.create({ model, max_tokens: 32_768, stream: true, messages: [{ role: 'user', content: 'Invent a new holiday.' }], plugins: PLUGINS } as unknown as OpenAI.ChatCompletionCreateParamsStreaming);
      const chunks: Chunk[] = [];
      for await (const chunk of stream) chunks.push(chunk as unknown as Chunk);
      expect(chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('')).toMatch(new RegExp(`^${replay.textStreamStart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const last = chunks.at(-1);
      expect(last?.choices[0].finish_reason).toEqual(expect.any(String));
      expect(last?.usage?.cost.total).toMatch(/^0\.\d+$/);
      expect(chunks.slice(0, -1).some((chunk) => chunk.usage)).toBe(false);
      expect(replay.upstreamModel(upstream.requests[0])).toBe(model.replace('google/', ''));
      expect(upstream.requests[0].body).toMatchObject({ generationConfig: { maxOutputTokens: 32_768 } });
    },
  );

  it("with stream_options.include_usage, OpenAI's own usage chunk (empty choices) follows a finish_reason chunk without usage", async () => {
    const stream = await client.chat.completions.create({ model: 'tollgate/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three' }] });
    const chunks: Chunk[] = [];
    for await (const chunk of stream) chunks.push(chunk as unknown as Chunk);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ completion_tokens: 3, cost: { total: expect.stringMatching(/^0\.\d+$/) } });
    const finish = chunks.at(-2);
    expect(finish?.choices[0].finish_reason).toBe('stop');
    expect(chunks.filter((chunk) => chunk.usage)).toHaveLength(1);
  });

  it("Router402's model names resolve to catalog entries", async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    const ids = ((await response.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['anthropic/claude-opus-4.5', 'anthropic/claude-sonnet-4.5', 'anthropic/claude-haiku-4.5', 'google/gemini-3-pro-preview', 'google/gemini-3-flash-preview']),
    );
  });
});
