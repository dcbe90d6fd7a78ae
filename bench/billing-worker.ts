// `npm run bench:billing` (which builds first): the BUILT billing worker alone. (1) Drain: a queue pre-filled with
// 100,000 metering events for 1,000 accounts, recorded into Postgres — events/s. (2) Steady: 1,000 events/s for 10 s
// — lag from enqueue to committed (the usage row's created_at), p50/p99. Then the books must reconcile (exit 1 if not).
// `--quick` uses 5,000 events, 100 accounts and 2 s of steady load.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
// The gateway's own job options (retried without limit, completed jobs kept a day): the worker sees real jobs.
import { METERING_JOB_OPTIONS } from '@tollgate/db';
import { createTestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture, uniqueName } from '@tollgate/testing';
import { runCli } from '../apps/e2e/src/support/run-cli';
import { startService } from '../apps/e2e/src/support/service-process';
import { percentile } from './percentile';

const quick = process.argv.includes('--quick');
const EVENTS = quick ? 5_000 : 100_000;
const ACCOUNTS = quick ? 100 : 1_000;
const STEADY_RATE = 1_000;
const STEADY_SECONDS = quick ? 2 : 10;

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const queueName = uniqueName('bench-billing');
  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  const env = { DATABASE_URL: db.databaseUrl, DATABASE_SCHEMA: db.schema, REDIS_URL: redisUrl, METERING_QUEUE: queueName, LOG_LEVEL: 'warn' };
  let worker: ReturnType<typeof startService> | undefined;
  try {
    const accounts = Array.from({ length: ACCOUNTS }, (_, index) => ({ name: `bench-${index}`, creditLimit: '1000000' }));
    await db.prisma.account.createMany({ data: accounts });
    const accountIds = (await db.prisma.account.findMany({ select: { id: true } })).map((account) => account.id);

    const add = (count: number) => {
      const events = Array.from({ length: count }, (_, index) => meteringEventFixture(accountIds[index % accountIds.length]));
      return queue.addBulk(events.map((event) => ({ name: 'usage', data: event, opts: { ...METERING_JOB_OPTIONS, jobId: event.requestId } }))).then(() => events);
    };
    for (let added = 0; added < EVENTS; added += 1_000) await add(Math.min(1_000, EVENTS - added));

    const count = () => db.prisma.usageRecord.count();
    const waitFor = async (rows: number) => {
      while ((await count()) < rows) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    worker = startService('billing-worker', env);
    const started = Date.now();
    await waitFor(EVENTS);
    const drainSeconds = (Date.now() - started) / 1000;

    // Steady load: a tenth of the rate every 100 ms, each event's enqueue time kept.
    const enqueuedAt = new Map<string, number>();
    for (let tick = 0; tick < STEADY_SECONDS * 10; tick += 1) {
      const tickStarted = Date.now();
      for (const event of await add(STEADY_RATE / 10)) enqueuedAt.set(event.requestId, tickStarted);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStarted))));
    }
    await waitFor(EVENTS + enqueuedAt.size);
    const rows = await db.prisma.usageRecord.findMany({ where: { requestId: { in: [...enqueuedAt.keys()] } }, select: { requestId: true, createdAt: true } });
    const lags = rows.map((row) => row.createdAt.getTime() - (enqueuedAt.get(row.requestId) as number)).sort((a, b) => a - b);

    const reconcile = await runCli(['reconcile'], env);
    const report = {
      quick,
      drain: { events: EVENTS, accounts: ACCOUNTS, seconds: drainSeconds, eventsPerSecond: Math.round(EVENTS / drainSeconds) },
      steady: { rate: STEADY_RATE, seconds: STEADY_SECONDS, lagP50Ms: percentile(lags, 0.5), lagP99Ms: percentile(lags, 0.99) },
      reconciled: reconcile.code === 0,
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(`| worker drain | ${report.drain.eventsPerSecond} events/s (${EVENTS} events, ${ACCOUNTS} accounts, ${drainSeconds.toFixed(1)} s) |`);
    console.log(`| lag at ${STEADY_RATE} events/s | p50 ${report.steady.lagP50Ms} ms, p99 ${report.steady.lagP99Ms} ms |`);
    if (!report.reconciled) {
      console.error(`reconcile: ${reconcile.stdout}${reconcile.stderr}`);
      process.exitCode = 1;
    }
  } finally {
    await worker?.stop();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
