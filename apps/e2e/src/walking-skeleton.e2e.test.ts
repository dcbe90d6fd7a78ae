import OpenAI from 'openai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { compareDecimals, sumDecimals } from '@tollgate/billing';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startStack, type Stack } from './support/stack';

/**
 * The walking skeleton end to end, as processes: the `tollgate` command creates an account, the official openai SDK
 * calls the built gateway (echo and the OpenAI adapter over a loopback replay server), the built billing worker
 * records every request, and the debt equals to the last decimal the costs the client was shown.
 */
describe('gateway → BullMQ → billing worker → Postgres', () => {
  let upstream: ReplayServer;
  let stack: Stack;
  let client: OpenAI;
  let accountId: string;

  beforeAll(async () => {
    upstream = await startReplayServer();
    stack = await startStack({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-replay' });
    const created = await stack.cli(['accounts', 'create', '--name', 'e2e', '--credit-limit', '50', '--json']);
    expect(created.code).toBe(0);
    const parsed = JSON.parse(created.stdout) as { account: { id: string }; apiKey: string };
    accountId = parsed.account.id;
    client = new OpenAI({ apiKey: parsed.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
  });

  it('bills every call exactly the cost the client received, and the books reconcile', async () => {
    const costs: string[] = [];
    const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
    const json = await client.chat.completions.create({ model: 'tollgate/echo', messages });
    costs.push((json.usage as unknown as { cost: { total: string } }).cost.total);

    const stream = await client.chat.completions.create({ model: 'tollgate/echo', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) if (chunk.usage) costs.push((chunk.usage as unknown as { cost: { total: string } }).cost.total);

    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    const openai = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages });
    expect(openai.choices[0].message.content).toContain('Galaxy Day');
    costs.push((openai.usage as unknown as { cost: { total: string } }).cost.total);

    upstream.enqueue({ sse: fixtureChunks('openai', 'openai-text'), done: true });
    const openaiStream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of openaiStream) if (chunk.usage) costs.push((chunk.usage as unknown as { cost: { total: string } }).cost.total);

    expect(costs).toHaveLength(4);
    await stack.waitForUsageRows(4);
    const usage = await stack.cli(['usage', '--account', accountId, '--json']);
    const report = JSON.parse(usage.stdout) as { debt: string; requests: number; tokens: { total: number }; cost: { total: string } };
    expect(report.requests).toBe(4);
    expect(compareDecimals(report.debt, sumDecimals(costs))).toBe(0);
    expect(report.debt).toBe(sumDecimals(costs));
    expect(report.cost.total).toBe(report.debt);
    expect(report.tokens.total).toBeGreaterThan(16 + 363 + 16 + 300);

    const reconcile = await stack.cli(['reconcile']);
    expect(reconcile).toMatchObject({ code: 0 });
    expect(reconcile.stdout).toContain('every debt equals its ledger');
  });

  it('a duplicate metering event changes nothing', async () => {
    const before = await stack.cli(['usage', '--account', accountId, '--json']);
    const record = await stack.db.prisma.usageRecord.findFirstOrThrow({ where: { accountId } });
    const connection = new Redis(stack.env['REDIS_URL'] as string, { maxRetriesPerRequest: 1 });
    const queue = new Queue(stack.queueName, { connection });
    // Delivered again under a different job id (BullMQ's own dedup would hide a same-id repeat).
    await queue.add('usage', record.event, { jobId: `${record.requestId}-again` });
    for (let waited = 0; waited < 10_000; waited += 50) {
      if ((await queue.getJobState(`${record.requestId}-again`)) === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await queue.getJobState(`${record.requestId}-again`)).toBe('completed');
    await queue.close();
    connection.disconnect();
    const after = await stack.cli(['usage', '--account', accountId, '--json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
    expect((await stack.cli(['reconcile'])).code).toBe(0);
  });

  it('reconcile exits 1 and names an account whose debt was tampered with', async () => {
    await stack.db.prisma.account.update({ where: { id: accountId }, data: { debt: { increment: '0.000000000000000001' } } });
    const result = await stack.cli(['reconcile']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(accountId);
    await stack.db.prisma.account.update({ where: { id: accountId }, data: { debt: { decrement: '0.000000000000000001' } } });
  });
});
