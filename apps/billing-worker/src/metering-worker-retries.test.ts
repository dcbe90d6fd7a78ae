import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import pino from 'pino';
import {
  createAccountWithKey,
  METERING_BACKOFF_TYPE,
  PrismaClient,
  UNLIMITED_ATTEMPTS,
} from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture as testEvent, uniqueName } from '@tollgate/testing';
import { createMeteringWorker, deadLetterQueueName } from './metering-worker';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('metering worker: an event is delayed, never dropped (real BullMQ, Redis and Postgres)', () => {
  let db: TestDatabase;
  let admin: Client; // holds row locks and renames tables in the test's own schema
  let connection: Redis;
  const queues: Queue[] = [];
  const silent = pino({ level: 'silent' });

  /** The queue and its dead-letter queue, removed after the tests. */
  const openQueue = (name: string) => {
    const queue = new Queue(name, { connection });
    const deadLetters = new Queue(deadLetterQueueName(name), { connection });
    queues.push(queue, deadLetters);
    return { queue, deadLetters };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Client({ connectionString: db.databaseUrl, options: `-c search_path=${db.schema}` });
    await admin.connect();
    connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    for (const queue of queues) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    connection.disconnect();
    await admin.end();
    await db.drop();
  });

  /**
   * A billing worker process of its own (Redis connection, Postgres pool named `name`) that can be killed the way
   * `kill -9` would: no more Redis commands, its Postgres sessions terminated (their transactions roll back).
   */
  function startWorkerProcess(queueName: string, name: string) {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    // A pool of its own (not Prisma's, which reconnects on the next query) so that a kill can end it for good.
    const pool = new Pool({ connectionString: db.databaseUrl, max: 2, application_name: name, options: `-c search_path=${db.schema}` });
    pool.on('error', () => undefined);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: db.schema }) });
    const metering = createMeteringWorker({ queueName, connection: redis, prisma, logger: silent, concurrency: 2, lockDurationMs: 1_000, stalledIntervalMs: 500 });
    return {
      metering,
      async kill() {
        await metering.worker.close(true);
        redis.disconnect();
        const ended = pool.end();
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
        await ended;
      },
      async stop() {
        await metering.close();
        await prisma.$disconnect();
        redis.disconnect();
      },
    };
  }

  const waitingOnLock = async (name: string) =>
    (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rows.length > 0;

  it('records, once, a job whose worker was killed mid-job twice (a crash loop on a locked database)', async () => {
    const queueName = uniqueName('metering-stalls');
    const { queue, deadLetters } = openQueue(queueName);
    const { account } = await createAccountWithKey(db.prisma, { name: 'stalls', creditLimit: '5' });
    const event = testEvent(account.id);
    // The account row is locked: recording blocks, so the job is active when its worker dies. (A session of its
    // own: inside a transaction, pg_stat_activity would show the locker a snapshot that never changes.)
    const locker = new Client({ connectionString: db.databaseUrl, options: `-c search_path=${db.schema}` });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [account.id]);
    let released = false;
    try {
      await queue.add('usage', event, { jobId: event.requestId, attempts: UNLIMITED_ATTEMPTS, backoff: { type: METERING_BACKOFF_TYPE, delay: 1_000 } });
      const first = startWorkerProcess(queueName, 'stall_first');
      await waitFor('the first worker to block on the lock', () => waitingOnLock('stall_first'));
      await first.kill();
      const second = startWorkerProcess(queueName, 'stall_second');
      await waitFor('the second worker to take the stalled job', () => waitingOnLock('stall_second'));
      await second.kill();
      const third = startWorkerProcess(queueName, 'stall_third');
      // BullMQ's default (maxStalledCount 1) fails the job here, never to be recorded.
      await waitFor('the third worker to take the job stalled twice, or to fail it', async () => (await waitingOnLock('stall_third')) || (await queue.getJobState(event.requestId)) === 'failed');
      await locker.query('COMMIT');
      released = true;
      await waitFor('the job to finish', async () => ['completed', 'failed'].includes(await queue.getJobState(event.requestId)));
      const job = (await queue.getJob(event.requestId)) as Job;
      expect({ state: await job.getState(), returnvalue: job.returnvalue as unknown, failedReason: job.failedReason }).toEqual({
        state: 'completed',
        returnvalue: { recorded: true },
        failedReason: undefined,
      });
      expect(job.stalledCounter).toBeGreaterThanOrEqual(2);
      await third.stop();
    } finally {
      if (!released) await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await db.prisma.usageRecord.count({ where: { requestId: event.requestId } })).toBe(1);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(event.cost.total);
    expect(await deadLetters.count()).toBe(0);
  }, 60_000);

  it('keeps retrying while Postgres rejects, past the attempts a job was added with, and records once it recovers', async () => {
    const queueName = uniqueName('metering-outage');
    const { queue, deadLetters } = openQueue(queueName);
    const { account } = await createAccountWithKey(db.prisma, { name: 'outage', creditLimit: '5' });
    const fewAttempts = testEvent(account.id); // as an older producer added jobs: 3 attempts, uncapped backoff
    const unlimited = testEvent(account.id); // as the gateway adds them now
    const metering = createMeteringWorker({ queueName, connection, prisma: db.prisma, logger: silent, concurrency: 4, retryDelays: { firstMs: 20, maxMs: 100 } });
    await admin.query('ALTER TABLE usage_records RENAME TO usage_records_offline');
    let renamedBack = false;
    try {
      await queue.add('usage', fewAttempts, { jobId: fewAttempts.requestId, attempts: 3, backoff: { type: 'exponential', delay: 10 } });
      await queue.add('usage', unlimited, { jobId: unlimited.requestId, attempts: UNLIMITED_ATTEMPTS, backoff: { type: METERING_BACKOFF_TYPE, delay: 1_000 } });
      const started = async (id: string) => (await queue.getJob(id))?.attemptsStarted ?? 0;
      await waitFor('both jobs to fail more often than 3 attempts', async () => (await started(fewAttempts.requestId)) >= 6 && (await started(unlimited.requestId)) >= 6);
      expect(await queue.getFailedCount()).toBe(0);
      await admin.query('ALTER TABLE usage_records_offline RENAME TO usage_records');
      renamedBack = true;
      await waitFor('both jobs to complete', async () => (await queue.getCompletedCount()) === 2);
    } finally {
      if (!renamedBack) await admin.query('ALTER TABLE usage_records_offline RENAME TO usage_records');
      await metering.close();
    }
    for (const event of [fewAttempts, unlimited]) {
      expect((await queue.getJob(event.requestId))?.returnvalue).toEqual({ recorded: true });
    }
    expect(await db.prisma.usageRecord.count({ where: { accountId: account.id } })).toBe(2);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe('0.00026752');
    expect(await queue.getFailedCount()).toBe(0);
    expect(await deadLetters.count()).toBe(0);
  }, 60_000);

  it('copies a job left in the failed set (by an older worker) to the dead-letter queue once, logged at error level', async () => {
    const queueName = uniqueName('metering-failed');
    const { queue } = openQueue(queueName);
    const event = testEvent('00000000-0000-4000-8000-000000000001');
    // A worker with BullMQ's defaults, as before this fix: one stall too many, or attempts exhausted, and the job
    // sat in the failed set with no log line.
    const older = new Worker(queueName, () => Promise.reject(new Error('job stalled more than allowable limit')), { connection, autorun: true });
    await queue.add('usage', event, { jobId: event.requestId });
    await waitFor('the older worker to fail the job', async () => (await queue.getFailedCount()) === 1);
    await older.close();

    const logged: Array<{ level: number; msg: string; jobId?: string; reason?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const metering = createMeteringWorker({ queueName, connection, prisma: db.prisma, logger, concurrency: 1 });
    try {
      await waitFor('the failed job to be dead-lettered', async () => (await metering.deadLetters.count()) === 1);
      const deadLetter = await metering.deadLetters.getJob(event.requestId);
      expect(deadLetter?.data).toMatchObject({ reason: 'job stalled more than allowable limit', jobId: event.requestId, data: { requestId: event.requestId } });
      expect(logged).toContainEqual(expect.objectContaining({ level: 50, jobId: event.requestId, reason: 'job stalled more than allowable limit' }));
      expect(await metering.deadLetterFailedJobs()).toBe(0); // already there: no second entry, no second log line
      expect(await metering.deadLetters.count()).toBe(1);
      expect(logged.filter((line) => line.level === 50)).toHaveLength(1);
    } finally {
      await metering.close();
    }
  });
});
