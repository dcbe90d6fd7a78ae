import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAccountWithKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { createMeteringWorker, deadLetterQueueName } from './metering-worker';
import { meteringEventFixture as testEvent, uniqueName } from '@tollgate/testing';

describe('metering worker (real BullMQ on Redis)', () => {
  let db: TestDatabase;
  let connection: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let metering: ReturnType<typeof createMeteringWorker>;
  const queueName = uniqueName('metering-test');

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection });
    events = new QueueEvents(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
    await events.waitUntilReady();
    metering = createMeteringWorker({ queueName, connection, prisma: db.prisma, logger: pino({ level: 'silent' }), concurrency: 4 });
  });
  afterAll(async () => {
    await metering.close();
    await events.close();
    await queue.obliterate({ force: true });
    await new Queue(deadLetterQueueName(queueName), { connection }).obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    await db.drop();
  });

  it('records a valid event, and a redelivery under another job id changes nothing', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'worker', creditLimit: '5' });
    const event = testEvent(account.id);
    const job = await queue.add('usage', event, { jobId: event.requestId });
    expect(await job.waitUntilFinished(events, 10_000)).toEqual({ recorded: true });
    const again = await queue.add('usage', event, { jobId: `${event.requestId}-redelivered` });
    expect(await again.waitUntilFinished(events, 10_000)).toEqual({ recorded: false });
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(event.cost.total);
  });

  it('moves an invalid event aside with its reason, without retrying it', async () => {
    const job = await queue.add('usage', { version: 1, requestId: 'req_invalid_0001', cost: 'free' }, { jobId: 'req_invalid_0001', attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid metering event/);
    const failed = await queue.getJob('req_invalid_0001');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid metering event: accountId/);
    const deadLetter = await new Queue(deadLetterQueueName(queueName), { connection }).getJob('req_invalid_0001');
    expect(deadLetter?.data).toMatchObject({ reason: expect.stringMatching(/invalid metering event/), data: { cost: 'free' } });
  });

  it('moves aside an event for an account that does not exist', async () => {
    const event = testEvent('00000000-0000-4000-8000-000000000000');
    const job = await queue.add('usage', event, { jobId: event.requestId, attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/rejected by the database \(23503: insert or update on table "usage_records" violates foreign key constraint/);
    expect((await queue.getJob(event.requestId))?.attemptsMade).toBe(1);
  });
});
