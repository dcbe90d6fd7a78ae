import { createAccountWithKey } from '@tollgate/db';
import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Served ≤ reserved: one output budget per request, computed once at admission; that number is reserved and that
 * number is sent upstream, on every adapter. Conflicting or impossible values are a 400 before anything is called.
 */
describe('output budget', () => {
  let openai: ReplayServer;
  let mistral: ReplayServer;
  let gemini: ReplayServer;
  let anthropic: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, mistral, gemini, anthropic] = await Promise.all([startReplayServer(), startReplayServer(), startReplayServer(), startReplayServer()]);
    openai.enqueue({ json: fixtureJson('openai', 'openai-text') });
    mistral.enqueue({ json: fixtureJson('mistral', 'mistral-text') });
    gemini.enqueue({ json: fixtureJson('google', 'google-text') });
    anthropic.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
      MISTRAL_BASE_URL: `${mistral.url}/v1`,
      MISTRAL_API_KEY: 'mistral-test',
      GEMINI_BASE_URL: gemini.url,
      GEMINI_API_KEY: 'gemini-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
    });
  });
  beforeEach(() => {
    for (const upstream of [openai, mistral, gemini, anthropic]) upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([openai, mistral, gemini, anthropic].map((upstream) => upstream.close()));
  });

  const post = (path: string, body: object, apiKey = gateway.apiKey) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
  const chat = (body: object) => post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Say hi.' }], ...body });

  it('refuses max_completion_tokens and max_tokens that disagree, before calling the provider', async () => {
    const response = await chat({ model: 'mistral/magistral', max_completion_tokens: 1, max_tokens: 40_000 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_max_tokens' } });
    expect(mistral.requests).toHaveLength(0);
  });

  it.each([
    ['mistral/magistral', { max_tokens: 40_001 }],
    ['openai/gpt-4o-mini', { max_completion_tokens: 16_385 }],
    ['tollgate/echo', { max_tokens: 4_097 }],
  ])('refuses a budget above %s’s maximum, naming the setting', async (model, limit) => {
    const response = await chat({ model, ...limit });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe(Object.keys(limit)[0]);
    expect(body.error.message).toMatch(/maximum/i);
  });

  it('refuses on /v1/messages too, in Anthropic’s shape', async () => {
    const response = await post('/v1/messages', { model: 'tollgate/echo', max_tokens: 100_000, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('sends exactly the caller’s budget, under each provider’s own field', async () => {
    expect((await chat({ model: 'mistral/magistral', max_completion_tokens: 7 })).status).toBe(200);
    expect(mistral.requests[0].body).toMatchObject({ max_tokens: 7 });
    expect(mistral.requests[0].body).not.toHaveProperty('max_completion_tokens');

    expect((await chat({ model: 'openai/gpt-4o-mini', max_tokens: 9 })).status).toBe(200);
    expect(openai.requests[0].body).toMatchObject({ max_completion_tokens: 9 });
    expect(openai.requests[0].body).not.toHaveProperty('max_tokens');

    expect((await chat({ model: 'google/gemini-2.5-flash', max_tokens: 11 })).status).toBe(200);
    expect(gemini.requests[0].body).toMatchObject({ generationConfig: { maxOutputTokens: 11 } });

    expect((await post('/v1/messages', { model: 'anthropic/claude-haiku-4.5', max_tokens: 13, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect(anthropic.requests[0].body).toMatchObject({ max_tokens: 13 });
  });

  it('sends the model’s maximum when the caller gave none — the same figure the reservation was sized from', async () => {
    expect((await chat({ model: 'openai/gpt-4o-mini' })).status).toBe(200);
    expect(openai.requests[0].body).toMatchObject({ max_completion_tokens: 16_384 });
    expect((await chat({ model: 'google/gemini-2.5-flash' })).status).toBe(200);
    expect(gemini.requests[0].body).toMatchObject({ generationConfig: { maxOutputTokens: 65_536 } });
    expect((await chat({ model: 'mistral/magistral' })).status).toBe(200);
    expect(mistral.requests[0].body).toMatchObject({ max_tokens: 40_000 });
  });

  it('sizes the hold from that budget: the 402 names the cost of exactly the budget', async () => {
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'small', creditLimit: '0.001' });
    // magistral: output $5/M; 40,000 tokens = $0.20 + 10% > $0.001 → refused; 100 tokens = $0.0005 + prompt fits.
    const refused = await post('/v1/chat/completions', { model: 'mistral/magistral', messages: [{ role: 'user', content: 'hi' }] }, apiKey);
    expect(refused.status).toBe(402);
    expect(mistral.requests).toHaveLength(0);
    expect((await post('/v1/chat/completions', { model: 'mistral/magistral', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }, apiKey)).status).toBe(200);
    expect(mistral.requests.at(-1)?.body).toMatchObject({ max_tokens: 100 });
  });
});
