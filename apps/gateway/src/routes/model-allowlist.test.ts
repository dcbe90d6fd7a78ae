import OpenAI from 'openai';
import { startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

describe("a key's model allowlist (issue 12)", () => {
  let anthropicUpstream: ReplayServer;
  let gateway: TestGateway;
  let restricted: { apiKey: string; key: { id: string; models: string[]; spendCap: string | null } };

  const issueKey = async (body: unknown) => {
    const response = await fetch(`${gateway.url}/admin/accounts/${gateway.accountId}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    anthropicUpstream = await startReplayServer();
    gateway = await startTestGateway({ ADMIN_TOKEN, ANTHROPIC_BASE_URL: anthropicUpstream.url, ANTHROPIC_API_KEY: 'sk-ant-test' });
    // Names as callers give them (an alias, an upstream id): stored as the catalog ids requests are checked against.
    const issued = await issueKey({ name: 'echo only', models: ['echo', 'gpt-4o-mini'], spendCap: '5.50' });
    expect(issued.status).toBe(201);
    restricted = issued.body as typeof restricted;
  });
  afterAll(async () => {
    await gateway.close();
    await anthropicUpstream.close();
  });

  it('the admin API stores the allowlist as catalog ids with the cap, and refuses a model the catalog does not know', async () => {
    expect(restricted.key).toMatchObject({ models: ['tollgate/echo', 'openai/gpt-4o-mini'], spendCap: '5.5' });
    const unknown = await issueKey({ models: ['tollgate/echo', 'acme/not-a-model'] });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'unknown_model', param: 'models.1' } } });
    expect((await issueKey({ models: [] })).status).toBe(400);
    expect((await issueKey({ spendCap: '0' })).status).toBe(400);
  });

  it('an allowed model answers 200, by its id or by an alias', async () => {
    for (const model of ['tollgate/echo', 'echo']) {
      const completion = await client(restricted.apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.model).toBe('tollgate/echo');
    }
  });

  it('another model is a 403 model_not_allowed, before any provider is called', async () => {
    const refused = client(restricted.apiKey).chat.completions.create({ model: 'anthropic/claude-haiku-4.5', messages: [{ role: 'user', content: 'hi' }] });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(refused).rejects.toMatchObject({ status: 403, code: 'model_not_allowed', type: 'permission_error' });
    // by its upstream id too: the check is on the resolved catalog entry
    await expect(client(restricted.apiKey).chat.completions.create({ model: 'claude-haiku-4-5-20251001', messages: [{ role: 'user', content: 'hi' }], stream: true })).rejects.toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
    expect(anthropicUpstream.requests).toHaveLength(0);
  });

  it('a fallback list with one disallowed model is a 403, even when the first model is allowed', async () => {
    const request = { model: 'tollgate/echo', models: ['anthropic/claude-haiku-4.5'], messages: [{ role: 'user' as const, content: 'hi' }] };
    await expect(client(restricted.apiKey).chat.completions.create(request)).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(anthropicUpstream.requests).toHaveLength(0);
    // the key without an allowlist may use them all
    await expect(client(gateway.apiKey).chat.completions.create(request)).resolves.toMatchObject({ model: 'tollgate/echo' });
  });

  it('on /v1/messages the refusal is in the Anthropic shape', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': restricted.apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'anthropic/claude-haiku-4.5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.stringContaining('anthropic/claude-haiku-4.5') } });
  });
});
