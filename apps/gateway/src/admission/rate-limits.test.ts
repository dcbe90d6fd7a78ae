import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { adminRevokeKey, adminSetKeyLimits, adminUpdateAccount, createAccountWithKey } from '@tollgate/db';
import { publishInvalidation } from '@tollgate/redis-state';
import { startReplica, startTestGateway, type TestGateway } from '../testing/test-gateway';

const LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

describe('rate limits across replicas', () => {
  let gateway: TestGateway;
  let replica: Awaited<ReturnType<typeof startReplica>>;
  let redis: Redis;

  beforeAll(async () => {
    // A key cache that would trust a lookup for a minute: only invalidations can make changes visible sooner.
    gateway = await startTestGateway({ KEY_CACHE_TTL_MS: '60000' });
    replica = await startReplica(gateway, { KEY_CACHE_TTL_MS: '60000' });
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    redis.disconnect();
    await replica.close();
    await gateway.close();
  });

  const chat = (url: string, apiKey: string, body: object = {}) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hello there' }], ...body }),
    });
  const messages = (url: string, apiKey: string) =>
    fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hello there' }] }),
    });

  it('admits exactly the RPM limit of 500 concurrent calls over both replicas and both APIs, refusing the rest with 429 and its headers', async () => {
    const { account, apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'rpm', creditLimit: '100' });
    await adminUpdateAccount(gateway.db.prisma, 'test', account.id, { rpm: 100 });
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, index) => {
        const url = index % 2 === 0 ? gateway.url : replica.url;
        return index % 4 < 2 ? chat(url, apiKey) : messages(url, apiKey);
      }),
    );
    const admitted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(admitted).toHaveLength(100);
    expect(refused).toHaveLength(400);
    for (const response of responses) {
      for (const header of LIMIT_HEADERS) expect(response.headers.get(header)).toMatch(/^\d+$/);
      expect(response.headers.get('x-ratelimit-limit')).toBe('100');
    }
    for (const response of refused) {
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(String(retryAfter)).toBe(response.headers.get('x-ratelimit-reset'));
    }
    const bodies = await Promise.all(refused.map(async (response) => ({ url: response.url, body: (await response.json()) as Record<string, unknown> })));
    const openAi = bodies.filter(({ url }) => url.endsWith('/v1/chat/completions'));
    const anthropic = bodies.filter(({ url }) => url.endsWith('/v1/messages'));
    expect(openAi.length).toBeGreaterThan(0);
    expect(anthropic.length).toBeGreaterThan(0);
    for (const { body } of openAi) expect(body).toEqual({ error: { message: expect.stringContaining('100 requests per minute'), type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    for (const { body } of anthropic) expect(body).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('Rate limit exceeded') } });
    // Admitted and refused requests alike are counted once: nothing was taken for the refused ones.
    const ok = admitted.at(-1) as Response;
    expect(Number(ok.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(99);
  });

  it('admits TPM on the estimate and gives back what a call did not use', async () => {
    const { apiKey, apiKeyId } = await createAccountWithKey(gateway.db.prisma, { name: 'tpm', creditLimit: '100' });
    await adminSetKeyLimits(gateway.db.prisma, 'test', apiKeyId, { tpm: 1_000 });
    const first = await chat(gateway.url, apiKey, { max_tokens: 400 });
    expect(first.status).toBe(200);
    const afterEstimate = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(afterEstimate).toBeLessThanOrEqual(600); // ≥ 400 output tokens held for the call
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeLessThan(50);
    // The next call (on the other replica) sees the first one corrected to what it used.
    const second = await chat(replica.url, apiKey, { max_tokens: 400 });
    expect(second.status).toBe(200);
    const secondEstimate = 1_000 - afterEstimate;
    expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBe(1_000 - used - secondEstimate);
    // A call whose estimate alone exceeds the limit can never fit: 429 saying so.
    const huge = await chat(gateway.url, apiKey, { max_tokens: 2_000 });
    expect(huge.status).toBe(429);
    expect(((await huge.json()) as { error: { message: string } }).error.message).toContain('more than the limit of 1000 tokens per minute');
  });

  it('puts the limit headers on errors before admission and on streams', async () => {
    const { account, apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'headers', creditLimit: '100' });
    await adminUpdateAccount(gateway.db.prisma, 'test', account.id, { rpm: 50, tpm: 10_000 });
    const bad = await chat(gateway.url, apiKey, { model: 'no-such-model' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-ratelimit-limit')).toBe('50');
    expect(bad.headers.get('x-ratelimit-remaining')).toBe('50'); // nothing taken for a refused request
    expect(bad.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
    const stream = await chat(gateway.url, apiKey, { stream: true });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(stream.headers.get('x-ratelimit-remaining')).toBe('49');
    await stream.text();
  });

  it("surfaces tollgate's 429 to the official openai SDK as RateLimitError, headers readable", async () => {
    const { account, apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'sdk', creditLimit: '100' });
    await adminUpdateAccount(gateway.db.prisma, 'test', account.id, { rpm: 1 });
    const client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'one' }] });
    const error = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'two' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('x-ratelimit-limit')).toBe('1');
    expect(Number(rateLimit.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  /** Polls the replica until it answers `status`, returning how long that took (ms). */
  async function untilStatus(call: () => Promise<Response>, status: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const response = await call();
      await response.arrayBuffer();
      if (response.status === status) return Date.now() - started;
      if (Date.now() - started > 5_000) throw new Error(`still ${response.status} after 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('shows a revoked key and a suspended account on the other replica within a second, its cache notwithstanding', async () => {
    const revoked = await createAccountWithKey(gateway.db.prisma, { name: 'to-revoke', creditLimit: '100' });
    const suspended = await createAccountWithKey(gateway.db.prisma, { name: 'to-suspend', creditLimit: '100' });
    expect((await chat(replica.url, revoked.apiKey)).status).toBe(200); // cached for a minute on the replica
    expect((await chat(replica.url, suspended.apiKey)).status).toBe(200);

    await adminRevokeKey(gateway.db.prisma, 'test', revoked.apiKeyId);
    await publishInvalidation(redis, { apiKeyId: revoked.apiKeyId });
    expect(await untilStatus(() => chat(replica.url, revoked.apiKey), 401)).toBeLessThan(1_000);

    await adminUpdateAccount(gateway.db.prisma, 'test', suspended.account.id, { suspended: true });
    await publishInvalidation(redis, { accountId: suspended.account.id });
    expect(await untilStatus(() => chat(replica.url, suspended.apiKey), 403)).toBeLessThan(1_000);
    const refused = await chat(replica.url, suspended.apiKey);
    expect(await refused.json()).toMatchObject({ error: { code: 'account_suspended', type: 'permission_error' } });

    await adminUpdateAccount(gateway.db.prisma, 'test', suspended.account.id, { suspended: false });
    await publishInvalidation(redis, { accountId: suspended.account.id });
    expect(await untilStatus(() => chat(replica.url, suspended.apiKey), 200)).toBeLessThan(1_000);
  });
});
