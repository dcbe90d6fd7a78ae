import { loadCatalog } from '@tollgate/providers';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

describe('provider settings: unconfigured providers and settings a provider cannot honour', () => {
  const catalog = loadCatalog();
  let openai: ReplayServer;
  let anthropic: ReplayServer;
  let gateway: TestGateway;
  const messages = [{ role: 'user', content: 'Invent a new holiday.' }];

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startReplayServer(), startReplayServer()]);
    // OpenAI and Anthropic have keys; Google, Mistral and Together have none.
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${openai.url}/v1`, OPENAI_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-test' });
  });
  beforeEach(() => {
    openai.requests.length = 0;
    anthropic.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([openai.close(), anthropic.close()]);
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages, ...body }),
    });

  describe('a provider without a key', () => {
    it('GET /v1/models lists its models as unavailable, without naming the missing setting', async () => {
      const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as {
        data: Array<{ id: string; owned_by: string; available: boolean; unavailable_reason?: string }>;
      };
      expect(models.data.map((model) => model.id)).toEqual(catalog.entries.map((entry) => entry.id));
      for (const model of models.data) {
        const configured = ['tollgate', 'openai', 'anthropic'].includes(model.owned_by);
        expect({ id: model.id, available: model.available, reason: model.unavailable_reason }).toEqual({
          id: model.id,
          available: configured,
          reason: configured ? undefined : `${model.owned_by} is not configured on this gateway`,
        });
      }
      expect(models.data.filter((model) => !model.available).map((model) => model.owned_by).sort()).toEqual(
        catalog.entries.filter((entry) => ['google', 'mistral', 'together'].includes(entry.provider)).map((entry) => entry.provider).sort(),
      );
    });

    it.each([
      ['google/gemini-2.5-pro', 'GEMINI_API_KEY'],
      ['gemini-2.5-flash', 'GEMINI_API_KEY'],
      ['mistral/mistral-large', 'MISTRAL_API_KEY'],
      ['together/deepseek-v3', 'TOGETHER_API_KEY'],
      ['deepseek-ai/DeepSeek-V3', 'TOGETHER_API_KEY'],
    ])('answers 503 for %s (missing %s, which callers are not told), JSON and streamed, without metering anything', async (model, setting) => {
      const before = await gateway.queue.count();
      for (const stream of [false, true]) {
        const response = await post({ model, stream });
        expect(response.status).toBe(503);
        const body = (await response.json()) as { error: { message: string; type: string; code: string } };
        expect(body.error).toMatchObject({ type: 'service_unavailable', code: 'provider_not_configured' });
        expect(body.error.message).toMatch(/ is not configured on this gateway$/);
        expect(body.error.message).not.toContain(setting);
      }
      expect(await gateway.queue.count()).toBe(before);
    });

    it('is skipped for the next model of `models` that is configured', async () => {
      openai.enqueue({ json: fixtureJson('openai', 'openai-text') });
      const response = await post({ model: 'mistral/mistral-large', models: ['openai/gpt-4o-mini'] });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ model: 'openai/gpt-4o-mini' });
      expect(openai.requests).toHaveLength(1);
    });
  });

  describe('a setting the provider cannot honour', () => {
    it.each([
      ['openai/gpt-4o-mini', { top_k: 40 }, 'top_k'],
      ['anthropic/claude-sonnet-4.5', { seed: 7 }, 'seed'],
    ])('%s with %j in strict mode (x-tollgate-strict: true): 400 naming it, nothing sent upstream', async (model, setting, name) => {
      for (const stream of [false, true]) {
        const response = await post({ model, stream, ...setting }, { 'x-tollgate-strict': 'true' });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: { message: string; param: string; code: string; type: string } };
        expect(body.error).toMatchObject({ type: 'invalid_request_error', param: name, code: 'unsupported_parameter' });
        expect(body.error.message).toContain(name);
      }
      expect(openai.requests).toHaveLength(0);
      expect(anthropic.requests).toHaveLength(0);
    });

    it('OpenAI without strict mode: answered, the setting dropped and named in x-tollgate-warnings (JSON and streamed)', async () => {
      openai.enqueue({ json: fixtureJson('openai', 'openai-text') }, { sse: fixtureChunks('openai', 'openai-text'), done: true });
      const json = await post({ model: 'openai/gpt-4o-mini', top_k: 40, temperature: 0.5 });
      expect(json.status).toBe(200);
      expect(json.headers.get('x-tollgate-warnings')).toContain('top_k');
      const streamed = await post({ model: 'openai/gpt-4o-mini', top_k: 40, temperature: 0.5, stream: true }, { 'x-tollgate-strict': 'false' });
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('x-tollgate-warnings')).toContain('top_k');
      expect(await streamed.text()).toContain('data: [DONE]');
      for (const request of openai.requests) {
        expect(request.body).not.toHaveProperty('top_k');
        expect(request.body).toMatchObject({ temperature: 0.5 }); // what it can honour is sent unchanged
      }
      expect(openai.requests).toHaveLength(2);
    });

    it('sends no warning header when every setting is honoured', async () => {
      anthropic.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
      const response = await post({ model: 'anthropic/claude-sonnet-4.5', top_k: 40 }, { 'x-tollgate-strict': 'true' });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-warnings')).toBeNull();
      expect(anthropic.requests[0].body).toMatchObject({ top_k: 40 });
    });
  });
});
