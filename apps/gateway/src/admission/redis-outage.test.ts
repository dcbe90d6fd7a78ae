import { createAccountWithKey } from '@tollgate/db';
import { startTcpProxy, type TcpProxy } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** Admission fails closed: a Redis that is down or stalled answers 503 funds_unavailable in bounded time, never admits. */
describe('Redis unavailable while serving', () => {
  let proxy: TcpProxy;
  let gateway: TestGateway;
  let apiKey: string;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    gateway = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, KEY_CACHE_TTL_MS: '60000' });
    ({ apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'outage', creditLimit: '1' }));
  });
  afterAll(async () => {
    await proxy.forward();
    try {
      await gateway.close();
    } finally {
      await proxy.close();
    }
  });

  const chat = () =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const messages = () =>
    fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });

  const MESSAGE = "tollgate cannot check this account's funds and rate limits right now; try again shortly";

  async function expectFundsUnavailable() {
    const started = Date.now();
    const [openAi, anthropic] = await Promise.all([chat(), messages()]);
    expect(Date.now() - started).toBeLessThan(5_000); // bounded: never a hang
    expect(openAi.status).toBe(503);
    expect(await openAi.json()).toEqual({ error: { type: 'service_unavailable', code: 'funds_unavailable', param: null, message: MESSAGE } });
    expect(anthropic.status).toBe(503);
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: MESSAGE } });
  }

  /** Calls until one is admitted (the client reconnects on its own); fails after 15 s, saying what it was told. */
  async function expectRecovery() {
    const started = Date.now();
    for (;;) {
      const response = await chat();
      const body = await response.text();
      if (response.status === 200) return;
      if (Date.now() - started > 15_000) throw new Error(`still ${response.status} 15 s after Redis came back: ${body}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('answers 503 funds_unavailable while Redis refuses connections, and serves again once it is back, without a restart', async () => {
    expect((await chat()).status).toBe(200);
    await proxy.refuse();
    await expectFundsUnavailable();
    await proxy.forward();
    await expectRecovery();
  });

  it('answers 503 funds_unavailable within the command timeout while Redis is stalled, and serves again after', async () => {
    proxy.blackHole();
    await expectFundsUnavailable();
    await proxy.forward();
    await expectRecovery();
  });
});

describe('Redis too slow to answer as the gateway starts', () => {
  it("meters every call once Redis answers again: the metering queue's start-up check timing out does not break the queue for good", async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    // The moment the connection is ready, nothing more is answered: whatever a client sends first on it times out.
    const gateway = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_COMMAND_TIMEOUT_MS: '300' }, {
      beforeReady: (runtime) => runtime.redis.once('ready', () => proxy.blackHole()),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await proxy.forward();
      const chat = () =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
        });
      // Once reconnected, every call is served and its usage reaches the queue (not the spool, which would refuse the next).
      for (let call = 0, started = Date.now(); call < 3; ) {
        const response = await chat();
        await response.arrayBuffer();
        if (response.status === 200) {
          const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
          expect(event.accountId).toBe(gateway.accountId);
          call += 1;
        } else {
          if (Date.now() - started > 15_000) throw new Error(`still ${response.status} 15 s after Redis answered again`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await proxy.forward();
      try {
        await gateway.close();
      } finally {
        await proxy.close();
      }
    }
  });
});

describe('FUNDS_FAIL_OPEN=true', () => {
  it('admits without limits or funds checks while Redis is unavailable, for deployments that chose availability', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    const gateway = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_COMMAND_TIMEOUT_MS: '300', FUNDS_FAIL_OPEN: 'true' });
    try {
      const call = () =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await call()).status).toBe(200); // caches the key
      await proxy.refuse();
      const answer = await call();
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { usage: { cost: { total: string } } }).usage.cost.total).toMatch(/^0\.\d+$/);
    } finally {
      await proxy.forward();
      // Closing obliterates the test's queue: wait until the gateway's connection is back.
      for (let waited = 0; waited < 10_000 && ((await (await fetch(`${gateway.url}/readyz`)).json()) as { checks: { redis: string } }).checks.redis !== 'ok'; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await gateway.close();
      await proxy.close();
    }
  });
});
