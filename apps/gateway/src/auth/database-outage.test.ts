import { createAccountWithKey } from '@tollgate/db';
import { TEST_DATABASE_URL } from '@tollgate/db/testing';
import { startTcpProxy } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** A proxy in front of the real Postgres, its URL pointing at the proxy. */
async function startDatabaseProxy(target: { host: string; port: number }) {
  const proxy = await startTcpProxy(target);
  const url = new URL(TEST_DATABASE_URL);
  url.host = `127.0.0.1:${proxy.port}`;
  return { ...proxy, url: url.toString() };
}

describe('Postgres unreachable while serving', () => {
  let gateway: TestGateway;
  let proxy: Awaited<ReturnType<typeof startDatabaseProxy>>;
  let uncachedKey: string;

  beforeAll(async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startDatabaseProxy({ host: target.hostname, port: Number(target.port || 5432) });
    gateway = await startTestGateway({
      DATABASE_URL: proxy.url,
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '1500',
      KEY_CACHE_TTL_MS: '60000',
    });
    ({ apiKey: uncachedKey } = await createAccountWithKey(gateway.db.prisma, { name: 'not-yet-seen', creditLimit: '1' }));
  });
  afterAll(async () => {
    await gateway.close();
    await proxy.close();
  });

  const balance = (key: string) => fetch(`${gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
  const chat = (key: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
  const messages = (key: string) =>
    fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });

  const MESSAGE = "tollgate's database is unavailable; try again shortly";
  /** /v1/balance answers in LightningProx's flat shape to a client that sends no anthropic-version. */
  const FLAT = { error: MESSAGE, code: 'database_unavailable' };

  /** Answers 503 database_unavailable (OpenAI shape unless given), well within the timeouts: never a 500, never a hang. */
  async function expectDatabaseUnavailable(response: Promise<Response>, shape?: object) {
    const startedAt = Date.now();
    const answered = await response;
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(answered.status).toBe(503);
    expect(await answered.json()).toEqual(shape ?? { error: { type: 'service_unavailable', code: 'database_unavailable', param: null, message: MESSAGE } });
  }

  it('answers 503 database_unavailable on a black-holed database, for cached and uncached keys, then recovers', async () => {
    expect((await balance(gateway.apiKey)).status).toBe(200); // caches the key

    proxy.blackHole();
    await expectDatabaseUnavailable(balance(gateway.apiKey), FLAT); // key cached: the balance query times out
    await expectDatabaseUnavailable(balance(uncachedKey), FLAT); // the key lookup times out
    await expectDatabaseUnavailable(chat(uncachedKey));
    // A credential not shaped like a key is refused without a lookup: 401 at once, while a lookup would time out.
    const malformed = await chat('tg_not-a-key');
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const anthropic = await messages(uncachedKey);
    expect(anthropic.status).toBe(503);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { message: "tollgate's database is unavailable; try again shortly" } });
    // Postgres is shared by every replica: its outage is reported, but the replica stays in the Service (cached keys
    // keep serving; the uncached get a clear 503 rather than a connection error at the load balancer).
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', checks: { redis: 'ok', postgres: 'unreachable', spool: 'ok' } });

    await proxy.forward();
    expect((await balance(uncachedKey)).status).toBe(200);
    expect(await (await fetch(`${gateway.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
  });

  it('answers 503 database_unavailable when the database refuses connections', async () => {
    await proxy.refuse();
    await expectDatabaseUnavailable(balance(gateway.apiKey), FLAT);
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'refused', creditLimit: '1' });
    await expectDatabaseUnavailable(chat(apiKey));
  });
});
