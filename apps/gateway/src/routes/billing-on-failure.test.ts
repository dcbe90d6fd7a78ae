import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { compareDecimals } from '@tollgate/billing';
import { createAccountWithKey } from '@tollgate/db';
import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import type { MeteringEvent } from '@tollgate/schemas';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** Every answered request is billed once, whichever way it ends — and at what the provider reports. */
describe('billing when things go wrong', () => {
  let openai: ReplayServer;
  let gemini: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, gemini] = await Promise.all([startReplayServer(), startReplayServer()]);
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
      GEMINI_BASE_URL: gemini.url,
      GEMINI_API_KEY: 'gemini-test',
    });
  });
  beforeEach(() => {
    openai.requests.length = 0;
    gemini.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([openai.close(), gemini.close()]);
  });

  const body = (extra: object) => JSON.stringify({ messages: [{ role: 'user', content: 'Write a long essay.' }], ...extra });
  const chat = (extra: object, init: RequestInit = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: body(extra),
      ...init,
    });

  /** Every metering event queued for an account (the test gateway runs no worker: jobs stay on the queue). */
  async function eventsOf(accountId: string, expected: number): Promise<MeteringEvent[]> {
    let events: MeteringEvent[] = [];
    for (let waited = 0; waited < 5_000; waited += 50) {
      const jobs = await gateway.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
      events = jobs.map((job) => job.data as MeteringEvent).filter((event) => event.accountId === accountId);
      if (events.length >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return events;
  }

  /** The account's outstanding holds in Redis, in nano-USD. */
  async function reservedNano(accountId: string): Promise<bigint> {
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      return BigInt((await redis.hget(`tollgate:funds:${accountId}`, 'reserved')) ?? '0');
    } finally {
      redis.disconnect();
    }
  }

  it('reads a non-streaming answer to its end when the caller leaves, and bills what the provider reports', async () => {
    openai.enqueue({ json: fixtureJson('openai', 'openai-text'), delayMs: 600 });
    const controller = new AbortController();
    const pending = chat({ model: 'openai/gpt-4o-mini', max_tokens: 1000 }, { signal: controller.signal });
    // Leave once the provider has the request (however long the gateway took to get there).
    for (let waited = 0; openai.requests.length === 0 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(pending).rejects.toThrow();
    const events = await eventsOf(gateway.accountId, 1);
    const event = events.find((candidate) => candidate.errorCode === 'client_disconnected' && !candidate.streamed);
    expect(event).toMatchObject({ status: 'partial', usage: { source: 'reported', inputTokens: 16, outputTokens: 363 } });
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0].aborted).toBe(false); // the provider's answer was read, not cut
  });

  it.each(['/v1/messages', '/v1/chat/completions'])('meters a stream on %s whose caller left before its first event could be written', async (path) => {
    const { account, apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'leaver', creditLimit: '10' });
    const payload = JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hello there' }] });
    const runs = 10;
    await Promise.all(
      Array.from({ length: runs }, async () => {
        const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(
          `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${apiKey}\r\ncontent-type: application/json\r\n` +
            `content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
        );
        socket.destroy(); // gone before the gateway can answer
      }),
    );
    // Each request the gateway admitted is metered once, and no hold is left behind. (Requests whose socket was gone
    // before they were read are never admitted: wait until the books stop moving for a second.)
    let events: MeteringEvent[] = [];
    for (let stableSince = Date.now(), seen = -1; Date.now() - stableSince < 1_000; await new Promise((resolve) => setTimeout(resolve, 100))) {
      events = await eventsOf(account.id, 0);
      const state = events.length * 1_000_003 + Number(await reservedNano(account.id));
      if (state !== seen) [seen, stableSince] = [state, Date.now()];
    }
    expect(await reservedNano(account.id)).toBe(0n);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThanOrEqual(runs);
    expect(new Set(events.map((event) => event.requestId)).size).toBe(events.length);
    // Depending on when the gateway saw the socket close, the echo stream was cut (partial) or fully written (ok).
    for (const event of events) expect(['partial', 'ok']).toContain(event.status);
  });

  it('bills a provider that reports more than was reserved, and flags it', async () => {
    const overrun = structuredClone(fixtureJson('openai', 'openai-text')) as { usage: { completion_tokens: number; total_tokens: number } };
    overrun.usage.completion_tokens = 20_000;
    overrun.usage.total_tokens = 20_016;
    openai.enqueue({ json: overrun });
    const response = await chat({ model: 'openai/gpt-4o-mini', max_tokens: 1000 });
    expect(response.status).toBe(200);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    // 16 × 0.15 + 20,000 × 0.60 = 12,002.4 per million → 0.0120024, + 10% = 0.01320264
    expect(event).toMatchObject({ exceededReservation: true, usage: { outputTokens: 20_000 }, cost: { total: '0.01320264' } });
  });

  it('prices Gemini 2.5 Pro at its higher tier when the prompt is above 200k tokens', async () => {
    const long = structuredClone(fixtureJson('google', 'google-text')) as { usageMetadata: Record<string, unknown> };
    Object.assign(long.usageMetadata, { promptTokenCount: 250_000, totalTokenCount: 250_272, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 250_000 }] });
    const short = fixtureJson('google', 'google-text');
    gemini.enqueue({ json: long }, { json: short });
    const [high, low] = [await chat({ model: 'google/gemini-2.5-pro', max_tokens: 2000 }), await chat({ model: 'google/gemini-2.5-pro', max_tokens: 2000 })];
    const highEvent = await gateway.meteringEvent(high.headers.get('x-tollgate-request-id') as string);
    const lowEvent = await gateway.meteringEvent(low.headers.get('x-tollgate-request-id') as string);
    expect(highEvent.prices).toMatchObject({ input: '2.50', output: '15' });
    expect(lowEvent.prices).toMatchObject({ input: '1.25', output: '10' });
    // 250,000 × 2.50 + 28 × 15 + 244 thinking × 15 = 625,000 + 420 + 3,660 = 629,080 per million → 0.62908 (+10%)
    expect(highEvent.cost).toMatchObject({ base: '0.62908', total: '0.691988' });
    expect(compareDecimals(lowEvent.cost.total, '0.01')).toBeLessThan(0);
  });
});
