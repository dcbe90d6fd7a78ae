import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { countDeadLetters, deadLetterQueueName, generateApiKey, hashApiKey, displayPrefix, METERING_JOB_NAME, METERING_JOB_OPTIONS } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import type { MeteringEvent } from '@tollgate/schemas';
import { uniqueName } from '@tollgate/testing';
import { expectedDebts, expectedRollupLines, generateMeteringLoad, ROLLUP_LINES_SQL } from './support/metering-load';
import { runCli } from './support/run-cli';
import { startService, type ServiceProcess } from './support/service-process';

const EVENTS = 100_000;
const ACCOUNTS = 1_000;
const CHUNK = 1_000;
/** 10% duplicate deliveries, by the three ways one event can be enqueued again (see the test's comment). */
const SAME_JOB_ID_WHILE_QUEUED = 2_500;
const OTHER_JOB_ID = 5_000;
const SAME_JOB_ID_AFTER_COMPLETION = 2_500;
/** The first worker is SIGKILLed once this many events are recorded, and started again at once. */
const KILL_AT_ROWS = 35_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Maps over many items a few hundred at a time (one Redis round trip each). */
async function inGroups<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += 250) results.push(...(await Promise.all(items.slice(start, start + 250).map(map))));
  return results;
}

/**
 * Issue 11's ledger test: 100,000 distinct metering events for 1,000 accounts, plus 10,000 duplicate deliveries,
 * consumed by TWO built billing worker processes at once, one of them SIGKILLed mid-run (with hundreds of jobs in
 * flight, batches uncommitted or committed but not yet acknowledged) and restarted. Every figure is then checked
 * against what the test computed from the events it generated, exactly (decimal strings, BigInt tokens).
 */
describe('two billing workers, one killed mid-run, 100,000 events with 10% duplicates', () => {
  let db: TestDatabase;
  let connection: Redis;
  let queue: Queue;
  let env: Record<string, string>;
  let spoolDir: string;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queueName = uniqueName('two-workers');
    queue = new Queue(queueName, { connection });
    spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-two-workers-'));
    env = {
      DATABASE_URL: db.databaseUrl,
      DATABASE_SCHEMA: db.schema,
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      METERING_QUEUE: queueName,
      SPOOL_DIR: spoolDir,
      LOG_LEVEL: 'warn',
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const name of [queue.name, deadLetterQueueName(queue.name)]) {
      const each = new Queue(name, { connection });
      await each.obliterate({ force: true });
      await each.close();
    }
    await queue.close();
    connection.disconnect();
    rmSync(spoolDir, { recursive: true, force: true });
    await db.drop();
  }, 60_000);

  const usageRows = async () => Number((await db.prisma.$queryRaw<Array<{ count: bigint }>>`SELECT count(*) FROM usage_records`)[0]?.count ?? 0);
  const addJobs = (jobs: Array<{ event: MeteringEvent; jobId: string }>) =>
    queue.addBulk(jobs.map(({ event, jobId }) => ({ name: METERING_JOB_NAME, data: event, opts: { ...METERING_JOB_OPTIONS, jobId } })));

  /**
   * Enqueues each event again under its own job id once its first job has completed: BullMQ keeps a completed job's
   * id (METERING_JOB_OPTIONS.removeOnComplete: a day, 100,000 jobs) and ignores an add under it, so the completed job
   * is removed first — as its expiry would — and the event reaches the worker a second time, as a spool replay or a
   * producer retry after that expiry would deliver it.
   */
  async function redeliverAfterCompletion(events: MeteringEvent[]): Promise<void> {
    let pending = events;
    for (const deadline = Date.now() + 120_000; pending.length > 0; ) {
      if (Date.now() > deadline) throw new Error(`${pending.length} jobs never completed, e.g. ${pending[0]?.requestId}`);
      const notYet: MeteringEvent[] = [];
      const gone: MeteringEvent[] = [];
      for (let start = 0; start < pending.length; start += 250) {
        await Promise.all(
          pending.slice(start, start + 250).map(async (event) => {
            const state = await queue.getJobState(event.requestId);
            // 'unknown': the completed job was already trimmed (removeOnComplete keeps the newest 100,000).
            const expired = state === 'unknown' || (state === 'completed' && (await queue.remove(event.requestId)) === 1);
            (expired ? gone : notYet).push(event);
          }),
        );
      }
      if (gone.length > 0) await addJobs(gone.map((event) => ({ event, jobId: event.requestId })));
      pending = notYet;
      if (pending.length > 0) await sleep(200);
    }
  }

  it('bills every account exactly the sum of its distinct events, with rollups equal to raw rows, and reconciles', async () => {
    const started = Date.now();
    const timings: Record<string, number> = {};
    // 1,000 accounts, one API key each.
    await db.prisma.account.createMany({ data: Array.from({ length: ACCOUNTS }, (_, index) => ({ name: `load-${index}`, creditLimit: '1000000' })) });
    const accountIds = (await db.prisma.account.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((account) => account.id);
    const keys = accountIds.map((accountId) => {
      const secret = generateApiKey();
      return { accountId, keyHash: hashApiKey(secret), displayPrefix: displayPrefix(secret) };
    });
    await db.prisma.apiKey.createMany({ data: keys });
    const keyOf = new Map((await db.prisma.apiKey.findMany({ select: { id: true, accountId: true } })).map((key) => [key.accountId, key.id]));
    const events = generateMeteringLoad(
      accountIds.map((id) => ({ id, apiKeyId: keyOf.get(id) as string })),
      EVENTS,
      20261127,
    );

    // The duplicate deliveries, 10% of the events:
    // - SAME_JOB_ID_WHILE_QUEUED: the same request id added again while its job waits (a producer retry whose first
    //   add landed): BullMQ drops it, so it never reaches a worker — the first line of defence, counted but not
    //   what this test is about;
    // - OTHER_JOB_ID: the same event under another job id, in the same addBulk (often the same batch, or the other
    //   worker at the same moment) or ten chunks later: both deliveries reach the workers, and only the ledger's
    //   unique request id keeps the second from being billed;
    // - SAME_JOB_ID_AFTER_COMPLETION: the same request id added again after its first job completed (and its id
    //   expired; see redeliverAfterCompletion).
    // The SIGKILL adds the fourth way: jobs a dead worker held (their batch committed or not) run again elsewhere.
    const sameWhileQueued = new Set(events.slice(0, SAME_JOB_ID_WHILE_QUEUED * 4).filter((_, index) => index % 4 === 1).map((event) => event.requestId));
    const otherJobId = events.filter((_, index) => index % 20 === 3).slice(0, OTHER_JOB_ID);
    const afterCompletion = events.slice(0, 20_000).filter((_, index) => index % 8 === 5).slice(0, SAME_JOB_ID_AFTER_COMPLETION);
    expect([sameWhileQueued.size, otherJobId.length, afterCompletion.length]).toEqual([SAME_JOB_ID_WHILE_QUEUED, OTHER_JOB_ID, SAME_JOB_ID_AFTER_COMPLETION]);
    const laterRedeliveries = new Map<number, MeteringEvent[]>();
    const otherJobIdSet = new Set(otherJobId.map((event) => event.requestId));

    workers.push(startService('billing-worker', env), startService('billing-worker', env));
    while ((await queue.getWorkersCount()) < 2) {
      if (workers.some((worker) => worker.child.exitCode !== null)) throw new Error(`a worker exited:\n${workers.map((worker) => worker.output()).join('\n')}`);
      await sleep(50);
    }
    timings['workersReadyS'] = (Date.now() - started) / 1000;

    // The kill: once KILL_AT_ROWS events are recorded, the first worker dies with jobs in flight and starts again.
    let killedAtRows = 0;
    let givenUp = false;
    const killer = (async () => {
      while ((killedAtRows = await usageRows()) < KILL_AT_ROWS) {
        if (givenUp) return;
        await sleep(100);
      }
      await workers[0]?.kill();
      timings['killedAtS'] = (Date.now() - started) / 1000;
      workers.push(startService('billing-worker', env));
    })();

    try {
      const enqueueStarted = Date.now();
      for (let chunk = 0; chunk * CHUNK < EVENTS; chunk += 1) {
        const own = events.slice(chunk * CHUNK, (chunk + 1) * CHUNK);
        const jobs = own.map((event) => ({ event, jobId: event.requestId }));
        for (const event of own) {
          if (sameWhileQueued.has(event.requestId)) jobs.push({ event, jobId: event.requestId });
          if (otherJobIdSet.has(event.requestId)) {
            if (chunk % 2 === 0) jobs.push({ event, jobId: `${event.requestId}-again` });
            else laterRedeliveries.set(chunk + 10, [...(laterRedeliveries.get(chunk + 10) ?? []), event]);
          }
        }
        for (const event of laterRedeliveries.get(chunk) ?? []) jobs.push({ event, jobId: `${event.requestId}-again` });
        laterRedeliveries.delete(chunk);
        await addJobs(jobs);
      }
      for (const [, rest] of laterRedeliveries) await addJobs(rest.map((event) => ({ event, jobId: `${event.requestId}-again` })));
      timings['enqueuedS'] = (Date.now() - enqueueStarted) / 1000;
      await redeliverAfterCompletion(afterCompletion);
      timings['redeliveredAfterCompletionS'] = (Date.now() - started) / 1000;

      const drainDeadline = started + 200_000; // within the test's 240 s, so a stuck drain reports its counts
      for (;;) {
        const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed');
        const rows = await usageRows();
        if (rows === EVENTS) timings['allRecordedS'] ??= (Date.now() - started) / 1000;
        if (rows === EVENTS && counts['wait'] === 0 && counts['active'] === 0 && counts['delayed'] === 0 && counts['prioritized'] === 0) break;
        if (Date.now() > drainDeadline) {
          throw new Error(`not drained: ${rows} rows, jobs ${JSON.stringify(counts)}\n${workers.map((worker) => worker.output()).join('\n')}`);
        }
        await sleep(250);
      }
      timings['drainedS'] = (Date.now() - started) / 1000;
    } finally {
      givenUp = true; // a failure before the kill must not leave the killer polling a dropped database
    }
    await killer;
    expect(killedAtRows).toBeGreaterThanOrEqual(KILL_AT_ROWS);
    expect(killedAtRows).toBeLessThan(EVENTS); // the kill really happened mid-run

    // Every account's debt is the exact sum of its distinct events' totals.
    const debts = expectedDebts(events);
    const stored = await db.prisma.$queryRaw<Array<{ id: string; debt: string }>>`SELECT id::text, trim_scale(debt)::text AS debt FROM accounts`;
    expect(stored).toHaveLength(ACCOUNTS);
    const wrong = stored.filter((account) => account.debt !== debts.get(account.id));
    expect(wrong.map((account) => `${account.id}: ${account.debt} ≠ ${debts.get(account.id)}`)).toEqual([]);

    // One usage row and one usage ledger entry per distinct event.
    const [ledger] = await db.prisma.$queryRaw<Array<{ entries: bigint; distinct_requests: bigint }>>`
      SELECT count(*) AS entries, count(DISTINCT request_id) AS distinct_requests FROM ledger_entries WHERE kind = 'usage'`;
    expect(ledger).toEqual({ entries: BigInt(EVENTS), distinct_requests: BigInt(EVENTS) });

    // The rollups are exactly what the events make, row by row...
    const rollups = (await db.prisma.$queryRawUnsafe<Array<{ line: string }>>(ROLLUP_LINES_SQL)).map((row) => row.line).sort();
    expect(rollups).toEqual(expectedRollupLines(events));
    // ...and, per account, Σ rollups = Σ raw rows = Σ usage ledger entries.
    const differences = await db.prisma.$queryRaw<Array<{ account_id: string }>>`
      WITH rolled AS (SELECT account_id, sum(requests) AS requests, sum(input_tokens + output_tokens + reasoning_tokens + cache_read_tokens + cache_write_tokens) AS tokens,
                        sum(base_cost) AS base, sum(commission) AS commission, sum(total_cost) AS total FROM usage_daily GROUP BY account_id),
           raw AS (SELECT account_id, count(*) AS requests, sum(input_tokens + output_tokens + reasoning_tokens + cache_read_tokens + cache_write_tokens) AS tokens,
                     sum(base_cost) AS base, sum(commission) AS commission, sum(total_cost) AS total FROM usage_records GROUP BY account_id),
           ledger AS (SELECT account_id, sum(amount) AS total FROM ledger_entries WHERE kind = 'usage' GROUP BY account_id)
      SELECT coalesce(rolled.account_id, raw.account_id, ledger.account_id)::text AS account_id
      FROM rolled FULL JOIN raw USING (account_id) FULL JOIN ledger USING (account_id)
      WHERE rolled.requests IS DISTINCT FROM raw.requests OR rolled.tokens IS DISTINCT FROM raw.tokens OR rolled.base IS DISTINCT FROM raw.base
         OR rolled.commission IS DISTINCT FROM raw.commission OR rolled.total IS DISTINCT FROM raw.total OR rolled.total IS DISTINCT FROM ledger.total`;
    expect(differences).toEqual([]);

    // The duplicates really reached the workers: each redelivery after completion ran and recorded nothing; of an
    // event delivered under two job ids, never both jobs recorded it. Usually one did (whichever ran first, on either
    // worker); neither did when the killed worker committed it and died before acknowledging its job, which then ran
    // again and found it recorded — at most one worker's concurrency (600 jobs) of them.
    const returned = async (jobId: string) => ((await queue.getJob(jobId))?.returnvalue as { recorded?: boolean } | undefined)?.recorded;
    const afterCompletionResults = await inGroups(afterCompletion, (event) => returned(event.requestId));
    expect(afterCompletionResults.filter((recorded) => recorded === false)).toHaveLength(SAME_JOB_ID_AFTER_COMPLETION);
    const pairs = await inGroups(otherJobId, async (event) => [await returned(event.requestId), await returned(`${event.requestId}-again`)]);
    // Completed jobs are kept up to 100,000 (the oldest are trimmed): judge the pairs whose two jobs are both kept.
    const bothKept = pairs.filter(([first, again]) => first !== undefined && again !== undefined);
    expect(bothKept.length).toBeGreaterThan(OTHER_JOB_ID / 2);
    expect(bothKept.filter(([first, again]) => first === true && again === true)).toEqual([]);
    const neither = bothKept.filter(([first, again]) => first === false && again === false).length;
    expect(neither).toBeLessThanOrEqual(600);
    timings['redeliveriesThatWon'] = bothKept.filter(([, again]) => again === true).length;
    timings['pairsCommittedByTheKilledWorker'] = neither;

    // Nothing waits unrecorded, and the operator's check agrees.
    expect(await countDeadLetters(connection, queue.name)).toBe(0);
    expect(await queue.getFailedCount()).toBe(0);
    const reconcile = await runCli(['reconcile'], env);
    expect({ code: reconcile.code, output: reconcile.stdout + reconcile.stderr }).toEqual({ code: 0, output: expect.stringMatching(/^ok: 1000 account\(s\)/) });
    timings['totalS'] = (Date.now() - started) / 1000;
    console.log(`two workers, ${EVENTS} events + ${SAME_JOB_ID_WHILE_QUEUED + OTHER_JOB_ID + SAME_JOB_ID_AFTER_COMPLETION} duplicate deliveries, killed at ${killedAtRows} rows: ${JSON.stringify(timings)}`);
  }, 240_000);
});
