import { fixtureChunks, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { adminUpdateAccount } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** What a provider says about tollgate's own account: none of it may reach a caller. */
const ACCOUNT_DETAILS = /sk-proj|\*{4}abcd|org-AbCdEf|_API_KEY|wrk_secret/;

describe('what callers are told (issue 7 §5): nothing about the operator\'s provider accounts or settings', () => {
  let openai: ReplayServer;
  let anthropic: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    openai = await startReplayServer();
    anthropic = await startReplayServer();
    // Mistral, Google and Together are left unconfigured on purpose.
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      UPSTREAM_MAX_ATTEMPTS: '1',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await openai.close();
    await anthropic.close();
  });

  const chat = (body: Record<string, unknown>) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  it('anonymous GET /v1/models and /api/capabilities say a provider is not configured, not which setting is missing', async () => {
    const models = await (await fetch(`${gateway.url}/v1/models`)).text();
    expect(models).not.toMatch(ACCOUNT_DETAILS);
    const listed = (JSON.parse(models) as { data: Array<{ owned_by: string; available: boolean; unavailable_reason?: string }> }).data;
    const mistral = listed.find((model) => model.owned_by === 'mistral');
    expect(mistral).toMatchObject({ available: false, unavailable_reason: 'mistral is not configured on this gateway' });
    expect(listed.find((model) => model.owned_by === 'openai')).not.toHaveProperty('unavailable_reason');
    expect(await (await fetch(`${gateway.url}/api/capabilities`)).text()).not.toMatch(ACCOUNT_DETAILS);
  });

  it('a model of an unconfigured provider: 503 that does not name the setting', async () => {
    for (const stream of [false, true]) {
      const response = await chat({ model: 'mistral/mistral-large', stream });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: { type: 'service_unavailable', code: 'provider_not_configured', param: null, message: 'mistral is not configured on this gateway' },
      });
    }
  });

  it("an upstream 401: the caller learns the provider rejected tollgate's credentials, not the key's suffix", async () => {
    openai.enqueue({
      status: 401,
      json: { error: { message: 'Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' } },
    });
    const response = await chat({});
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { type: 'api_error', code: 'upstream_auth_failed', param: null, message: "openai rejected tollgate's credentials (HTTP 401)" } });
  });

  it("an upstream 429: rate limited, with the provider's when to retry, not the organization, and not as tollgate's own limit", async () => {
    await adminUpdateAccount(gateway.db.prisma, 'test', gateway.accountId, { rpm: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the test gateway's 50 ms key cache: the new limit shows
    openai.enqueue({
      status: 429,
      json: { error: { message: 'Rate limit reached for gpt-4o-mini in organization org-AbCdEf123 on requests per min (RPM): Limit 3, Used 3.', type: 'requests', code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '7' },
    });
    const response = await chat({});
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    const text = await response.text();
    expect(text).not.toMatch(ACCOUNT_DETAILS);
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'rate_limit_error', code: 'upstream_rate_limited', message: 'openai is rate limiting tollgate (HTTP 429); retry after 7 s' } });
    // tollgate's own headers still tell the caller's own limit, which this request did not exhaust.
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    await adminUpdateAccount(gateway.db.prisma, 'test', gateway.accountId, { rpm: null });
  });

  it('an upstream 400: the provider\'s validation message is passed on', async () => {
    openai.enqueue({ status: 400, json: { error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } });
    const response = await chat({});
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: "openai returned 400: Invalid value for 'temperature': must be at most 2." } });
  });

  it('an upstream error mid-stream: the SSE error event says which provider failed, not what it said', async () => {
    const chunks = fixtureChunks('openai', 'openai-text').slice(0, 3);
    openai.enqueue({ sse: [...chunks, JSON.stringify({ error: { message: 'The server had an error processing your request in organization org-AbCdEf123', type: 'server_error' } })] });
    const response = await chat({ stream: true });
    const body = await response.text();
    expect(body).not.toMatch(ACCOUNT_DETAILS);
    const events = body.split('\n\n').filter(Boolean);
    const errorEvent = events.find((event) => event.includes('"error"')) as string;
    expect(JSON.parse(errorEvent.slice('data: '.length))).toMatchObject({ error: { message: 'openai failed (HTTP 502)', code: 'upstream_error' } });
  });

  it('on /v1/messages an upstream overload is described in Anthropic\'s shape without the provider\'s text', async () => {
    anthropic.enqueue({ status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded (workspace wrk_secret)' } } });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4.5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'anthropic is overloaded (HTTP 529)' } });
  });
});
