import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { countDeadLetters, deadLetterQueueName, listDeadLetters, retryDeadLetters } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture as testEvent, uniqueName } from '@tollgate/testing';
import { createMeteringWorker } from './metering-worker';

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Dead letters replayed into a real worker (real BullMQ on Redis, real Postgres): recorded once their cause is fixed. */
describe('dead-letter inspection and replay', () => {
  let db: TestDatabase;
  let connection: Redis;
  let queue: Queue;
  let metering: ReturnType<typeof createMeteringWorker>;
  const queueName = uniqueName('dead-letter-replay');

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection });
    metering = createMeteringWorker({ queueName, connection, prisma: db.prisma, logger: pino({ level: 'silent' }), concurrency: 4 });
  });
  afterAll(async () => {
    await metering.close();
    for (const name of [queueName, deadLetterQueueName(queueName)]) {
      const other = new Queue(name, { connection });
      await other.obliterate({ force: true });
      await other.close();
    }
    await queue.close();
    connection.disconnect();
    await db.drop();
  });

  it('lists a poison event with its reason, and once its account exists, retries it into the ledger exactly once', async () => {
    const accountId = randomUUID();
    const event = testEvent(accountId);
    await queue.add('usage', event, { jobId: event.requestId });
    await waitFor(async () => (await countDeadLetters(connection, queueName)) === 1, 'the dead letter');

    const [listed, ...others] = await listDeadLetters(connection, queueName);
    expect(others).toEqual([]);
    expect(listed).toMatchObject({ id: event.requestId, requestId: event.requestId, accountId, attempts: 1 });
    expect(listed?.reason).toMatch(/^rejected by the database \(23503: insert or update on table "usage_records" violates foreign key constraint/);
    expect(Date.parse(listed?.addedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // The original job stays in the failed set under the same id: a plain re-add would be ignored by BullMQ.
    expect(await (await queue.getJob(event.requestId))?.getState()).toBe('failed');

    await db.prisma.account.create({ data: { id: accountId, name: 'created late', creditLimit: '5' } });
    expect(await retryDeadLetters(connection, queueName, { id: event.requestId })).toEqual({ retried: [event.requestId], notFound: [] });
    expect(await countDeadLetters(connection, queueName)).toBe(0);
    await waitFor(async () => (await (await queue.getJob(event.requestId))?.getState()) === 'completed', 'the retried job');

    const account = await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(account.debt.toFixed()).toBe(event.cost.total);
    expect(await db.prisma.usageRecord.count({ where: { accountId } })).toBe(1);
    expect((await db.prisma.ledgerEntry.findMany({ where: { accountId } })).map((entry) => entry.requestId)).toEqual([event.requestId]);
    expect((await db.prisma.usageDaily.findMany({ where: { accountId } })).map((row) => row.requests)).toEqual([1n]);
    expect(await queue.getFailedCount()).toBe(0);
    expect((await queue.getJob(event.requestId))?.opts).toMatchObject({ attempts: 2 ** 31 - 1, backoff: { type: 'metering-capped-exponential' } });

    // It is gone from the dead-letter queue: asking again finds nothing, and nothing is billed twice.
    expect(await retryDeadLetters(connection, queueName, { id: event.requestId })).toEqual({ retried: [], notFound: [event.requestId] });
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).debt.toFixed()).toBe(event.cost.total);
  });

  it('retries every dead letter at once; one that still fails is dead-lettered again with its reason', async () => {
    const missing = [randomUUID(), randomUUID()];
    const events = missing.map((accountId) => testEvent(accountId));
    await queue.addBulk(events.map((event) => ({ name: 'usage', data: event, opts: { jobId: event.requestId } })));
    await queue.add('usage', { version: 1, requestId: 'req_still_invalid_01', cost: 'free' }, { jobId: 'req_still_invalid_01' });
    await waitFor(async () => (await countDeadLetters(connection, queueName)) === 3, 'three dead letters');
    const firstListing = await listDeadLetters(connection, queueName);
    expect(firstListing.map((entry) => entry.id).sort()).toEqual([...events.map((event) => event.requestId), 'req_still_invalid_01'].sort());
    expect(await listDeadLetters(connection, queueName, { limit: 2 })).toHaveLength(2);

    for (const accountId of missing) await db.prisma.account.create({ data: { id: accountId, name: 'fixed', creditLimit: '5' } });
    const retry = await retryDeadLetters(connection, queueName, { all: true });
    expect(retry.retried.sort()).toEqual(firstListing.map((entry) => entry.id).sort());
    expect(retry.notFound).toEqual([]);

    await waitFor(async () => (await db.prisma.usageRecord.count({ where: { accountId: { in: missing } } })) === 2, 'the two fixed events');
    await waitFor(async () => (await countDeadLetters(connection, queueName)) === 1, 'the invalid event back in the dead-letter queue');
    const [again] = await listDeadLetters(connection, queueName);
    expect(again).toMatchObject({ id: 'req_still_invalid_01', requestId: 'req_still_invalid_01', accountId: null });
    expect(again?.reason).toMatch(/^invalid metering event: accountId/);
    expect(Date.parse(again?.addedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(firstListing.find((entry) => entry.id === 'req_still_invalid_01')?.addedAt ?? ''));
    for (const [index, accountId] of missing.entries()) {
      expect((await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).debt.toFixed()).toBe(events[index]?.cost.total);
    }
  });
});
