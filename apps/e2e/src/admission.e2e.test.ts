import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { compareDecimals, sumDecimals } from '@tollgate/billing';
import { startTcpProxy, type TcpProxy } from '@tollgate/testing';
import { startStack, type Stack } from './support/stack';

/**
 * Admission as processes: two built gateways on one Redis, the built billing worker and the `tollgate` command.
 * Funds are never overspent — across replicas, with a backlog in the queue, through a crashed gateway and a Redis
 * outage — and the books reconcile.
 */

/** A prompt of `words` words: the echo model answers with it, cut at max_tokens, so a call's cost is predictable. */
const promptOf = (words: number) => Array.from({ length: words }, (_, index) => `word${index % 97}`).join(' ');

interface Answer {
  status: number;
  cost?: string;
  code?: string;
  message?: string;
}

async function call(url: string, apiKey: string, body: object): Promise<Answer> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tollgate/echo', ...body }),
  });
  const json = (await response.json()) as { usage?: { cost: { total: string } }; error?: { code: string; message: string } };
  return { status: response.status, cost: json.usage?.cost.total, code: json.error?.code, message: json.error?.message };
}

/** What a 402 says remains of an account's credit. */
function remainingOf(answer: Answer): string {
  const match = /and \$([0-9.]+) remains/.exec(answer.message ?? '');
  if (answer.status !== 402 || !match) throw new Error(`expected a 402 naming what remains, got ${answer.status} ${answer.message}`);
  return match[1];
}

async function createSpendToken(stack: Stack, amount: string): Promise<{ token: string; accountId: string }> {
  const created = await stack.cli(['spend-tokens', 'create', '--amount', amount, '--json']);
  const parsed = JSON.parse(created.stdout) as { spendToken: string; account: { id: string } };
  return { token: parsed.spendToken, accountId: parsed.account.id };
}

async function waitForDebt(stack: Stack, accountId: string, debt: string, timeoutMs = 15_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const account = await stack.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    if (account.debt.toFixed() === debt) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const account = await stack.db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
  throw new Error(`debt of ${accountId} is ${account.debt.toFixed()}, never reached ${debt}\nworker output:\n${stack.worker.output().slice(-3000)}`);
}

describe('admission across replicas', () => {
  let stack: Stack;
  let replica: { url: string };
  let stalled: http.Server;

  beforeAll(async () => {
    // An OpenAI upstream that accepts requests and never answers: calls to it hold their funds until the gateway dies.
    stalled = http.createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const upstream = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/v1`;
    stack = await startStack({ OPENAI_BASE_URL: upstream, OPENAI_API_KEY: 'sk-stalled', HOLD_TTL_MS: '3000' });
    replica = await stack.startReplica();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    stalled?.closeAllConnections();
    await new Promise((resolve) => stalled?.close(resolve));
  });

  it('serves a spend token worth 10 calls at most 10 of 200 concurrent calls over both replicas: no overspend, books reconcile', async () => {
    const body = { max_tokens: 50, messages: [{ role: 'user', content: promptOf(200) }] };
    const probe = await createSpendToken(stack, '1');
    const cost = (await call(stack.url, probe.token, body)).cost as string;
    const value = sumDecimals(Array.from({ length: 10 }, () => cost));
    const { token, accountId } = await createSpendToken(stack, value);

    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => call(index % 2 ? replica.url : stack.url, token, body)));
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length).toBeGreaterThan(0);
    expect(served.length).toBeLessThanOrEqual(10);
    expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 402 && answer.code === 'insufficient_funds')).toBe(true);

    const billed = sumDecimals(served.map((answer) => answer.cost as string));
    await waitForDebt(stack, accountId, billed);
    expect(compareDecimals(billed, value)).toBeLessThanOrEqual(0);
    const reconcile = await stack.cli(['reconcile']);
    expect(reconcile).toMatchObject({ code: 0 });
  });

  it('counts costs still in the queue when the committed debt is lost: worker stopped, 50 calls, the funds key deleted', async () => {
    const value = '0.002';
    const { token, accountId } = await createSpendToken(stack, value);
    await stack.worker.stop();
    const costs: string[] = [];
    try {
      const body = { max_tokens: 20, messages: [{ role: 'user', content: promptOf(40) }] };
      for (let index = 0; index < 50; index += 1) costs.push((await call(index % 2 ? replica.url : stack.url, token, body)).cost as string);
      expect(await stack.db.prisma.usageRecord.count({ where: { accountId } })).toBe(0);

      const redis = new Redis(stack.env['REDIS_URL'] as string);
      expect(await redis.del(`tollgate:{${accountId}}:funds`)).toBe(1);
      redis.disconnect();

      // Too dear for what is left: the 402 says what remains, reseeded from Postgres (debt 0) less the 50 pending.
      const remaining = remainingOf(await call(stack.url, token, { max_tokens: 4096, messages: [{ role: 'user', content: 'x' }] }));
      const left = sumDecimals([value, `-${sumDecimals(costs)}`]);
      expect(compareDecimals(remaining, left)).toBeLessThanOrEqual(0);
      expect(compareDecimals(remaining, sumDecimals([left, '-0.000001']))).toBeGreaterThan(0);
    } finally {
      stack.restartWorker();
    }
    await waitForDebt(stack, accountId, sumDecimals(costs));
  });

  it("lets a killed gateway's holds lapse at their deadline while the account keeps being used", async () => {
    let upstreamCalls = 0;
    stalled.on('request', () => (upstreamCalls += 1));
    const big = { model: 'openai/gpt-4o-mini', max_tokens: 10_000, messages: [{ role: 'user', content: 'take your time' }] };
    const small = { max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] };
    const worst = /up to \$([0-9.]+)/.exec((await call(stack.url, (await createSpendToken(stack, '0')).token, big)).message ?? '')?.[1] as string;
    const value = sumDecimals([worst, worst, worst]);
    const { token } = await createSpendToken(stack, value);

    const doomed = await stack.startReplica();
    const held = Array.from({ length: 3 }, () => call(doomed.url, token, big).catch(() => undefined));
    for (let waited = 0; upstreamCalls < 3 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upstreamCalls).toBe(3);
    expect((await call(stack.url, token, small)).status).toBe(402); // everything is held

    await doomed.gateway.kill();
    await Promise.all(held);
    const killedAt = Date.now();
    const served: string[] = [];
    let firstServedAfterMs: number | undefined;
    // Requests keep arriving on the account (every 100 ms) while the dead gateway's holds run out.
    while (Date.now() - killedAt < 10_000 && served.length < 5) {
      const answer = await call(replica.url, token, small);
      if (answer.status === 200) {
        firstServedAfterMs ??= Date.now() - killedAt;
        served.push(answer.cost as string);
      } else expect(answer.status).toBe(402);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(firstServedAfterMs).toBeDefined();
    expect(firstServedAfterMs).toBeLessThan(3_000 + 2_000); // HOLD_TTL_MS and a margin
    // All of the account's funds are available again, less what the small calls cost (asked with a call dearer than all).
    const remaining = remainingOf(await call(stack.url, token, { ...big, model: 'openai/gpt-4-turbo', max_tokens: 4096 }));
    expect(compareDecimals(remaining, sumDecimals([value, `-${sumDecimals(served)}`, '-0.000001']))).toBeGreaterThan(0);
  });
});

describe('admission through a Redis outage under load', () => {
  let proxy: TcpProxy;
  let stack: Stack;

  beforeAll(async () => {
    // Every process reaches Redis through a proxy the test can cut: the gateway, the billing worker and the CLI.
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    stack = await startStack({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, HOLD_TTL_MS: '2000' });
  }, 60_000);
  afterAll(async () => {
    await proxy?.forward();
    await stack?.stop();
    await proxy?.close();
  });

  it('never overspends a $0.10 token while Redis is down for 5 s under load, and agrees with the ledger afterwards', async () => {
    const value = '0.10';
    const { token, accountId } = await createSpendToken(stack, value);
    const body = { max_tokens: 1000, messages: [{ role: 'user', content: promptOf(1000) }] };
    const answers: Array<Answer & { phase: string }> = [];
    let phase = 'before';
    let running = true;
    const load = Array.from({ length: 8 }, async () => {
      while (running) {
        const started = phase;
        const answer = await call(stack.url, token, body).catch((error: unknown) => ({ status: 0, message: String(error) }));
        answers.push({ ...answer, phase: started });
        if (answer.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 300));
    phase = 'outage';
    await proxy.refuse();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    phase = 'after';
    await proxy.forward();
    // Load goes on until the token is spent (402) for a while.
    for (let waited = 0; waited < 20_000; waited += 100) {
      const recent = answers.slice(-20);
      if (recent.length === 20 && recent.every((answer) => answer.phase === 'after' && answer.status === 402)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    running = false;
    await Promise.all(load);

    expect(stack.gateway.child.exitCode).toBeNull(); // no crash
    const during = answers.filter((answer) => answer.phase === 'outage');
    expect(during.some((answer) => answer.status === 503 && answer.code === 'funds_unavailable')).toBe(true);
    expect(during.every((answer) => answer.status === 503 || answer.status === 200)).toBe(true); // 200: admitted before it
    expect(answers.filter((answer) => answer.phase === 'after').some((answer) => answer.status === 200)).toBe(true); // recovered
    expect(answers.every((answer) => [200, 402, 503].includes(answer.status))).toBe(true);

    // Every call the client saw served is billed, and the token's value was never exceeded (overspend 0). Jobs the
    // worker held when Redis went down come back when their lock expires (BullMQ's stalled-job check, 30 s).
    const served = sumDecimals(answers.filter((answer) => answer.status === 200).map((answer) => answer.cost as string));
    await waitForDebt(stack, accountId, served, 75_000);
    expect(compareDecimals(served, value)).toBeLessThanOrEqual(0);

    // Afterwards admission agrees with the ledger: what a refused call is told remains is the token's value less its debt.
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // holds of calls cut by the outage lapse
    const remaining = remainingOf(await call(stack.url, token, body));
    const left = sumDecimals([value, `-${served}`]);
    expect(compareDecimals(remaining, left)).toBeLessThanOrEqual(0);
    expect(compareDecimals(remaining, sumDecimals([left, '-0.000000001']))).toBeGreaterThanOrEqual(0);
    expect(await stack.cli(['reconcile'])).toMatchObject({ code: 0 });
  }, 150_000);
});
