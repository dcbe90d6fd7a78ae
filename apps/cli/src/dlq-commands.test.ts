import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { deadLetterQueueName, METERING_JOB_OPTIONS } from '@tollgate/db';
import { meteringEventFixture, uniqueName } from '@tollgate/testing';
import { dlqListCommand, dlqRetryCommand, type DeadLetterLocation } from './dlq-commands';

describe('tollgate dlq', () => {
  let connection: Redis;
  let location: DeadLetterLocation;
  let queue: Queue;
  let deadLetters: Queue;
  beforeAll(() => {
    connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    location = { connection, queueName: uniqueName('cli-dlq') };
    queue = new Queue(location.queueName, { connection });
    deadLetters = new Queue(deadLetterQueueName(location.queueName), { connection });
  });
  afterAll(async () => {
    for (const each of [queue, deadLetters]) {
      await each.obliterate({ force: true });
      await each.close();
    }
    connection.disconnect();
  });

  /** A metering job that fails for good, and its dead letter, as the billing worker leaves them. */
  async function poison(accountId: string, reason: string) {
    const event = meteringEventFixture(accountId);
    const failing = new Worker(location.queueName, () => Promise.reject(new Error(reason)), { connection });
    await queue.add('usage', event, { ...METERING_JOB_OPTIONS, attempts: 1, jobId: event.requestId });
    while (!(await queue.getJob(event.requestId))?.finishedOn) await new Promise((resolve) => setTimeout(resolve, 20));
    await failing.close();
    await deadLetters.add('dead-letter', { reason, jobId: event.requestId, data: event, attempts: 1 }, { jobId: event.requestId });
    return event;
  }

  it('lists nothing, and retries nothing, when the dead-letter queue is empty', async () => {
    expect(await dlqListCommand(location, { json: false })).toEqual({ output: `no dead letters in ${location.queueName}-dead-letter`, exitCode: 0 });
    expect(JSON.parse((await dlqListCommand(location, { json: true })).output)).toEqual({ queue: `${location.queueName}-dead-letter`, total: 0, deadLetters: [] });
    expect(await dlqRetryCommand(location, { all: true, json: false })).toMatchObject({ output: expect.stringContaining('nothing to retry'), exitCode: 0 });
  });

  it('lists dead letters oldest first with their reasons, as text and JSON', async () => {
    const first = await poison('00000000-0000-4000-8000-00000000000a', 'rejected by the database (23503: no such account)');
    const second = await poison('00000000-0000-4000-8000-00000000000b', 'invalid metering event: usage: required');
    try {
      const text = await dlqListCommand(location, { json: false });
      expect(text.exitCode).toBe(0);
      expect(text.output).toContain(`2 dead letter(s) in ${location.queueName}-dead-letter:`);
      expect(text.output).toContain(`${first.requestId}  `);
      expect(text.output).toContain('account 00000000-0000-4000-8000-00000000000a, 1 attempt(s)');
      expect(text.output).toContain('    rejected by the database (23503: no such account)');
      expect(text.output.indexOf(first.requestId)).toBeLessThan(text.output.indexOf(second.requestId));

      const limited = await dlqListCommand(location, { limit: '1', json: false });
      expect(limited.output).toContain('2 dead letter(s)');
      expect(limited.output).toContain('oldest 1 shown');
      expect(limited.output).not.toContain(second.requestId);

      const json = JSON.parse((await dlqListCommand(location, { json: true })).output) as { total: number; deadLetters: unknown[] };
      expect(json.total).toBe(2);
      expect(json.deadLetters).toEqual([
        { id: first.requestId, reason: 'rejected by the database (23503: no such account)', requestId: first.requestId, accountId: first.accountId, addedAt: expect.any(String), attempts: 1 },
        { id: second.requestId, reason: 'invalid metering event: usage: required', requestId: second.requestId, accountId: second.accountId, addedAt: expect.any(String), attempts: 1 },
      ]);
    } finally {
      await deadLetters.drain();
      await queue.clean(0, 0, 'failed');
    }
  });

  it('refuses a bad --limit, and a retry without exactly one of --all or an id', async () => {
    expect((await dlqListCommand(location, { limit: '0', json: false })).exitCode).toBe(2);
    expect((await dlqListCommand(location, { limit: 'ten', json: false })).exitCode).toBe(2);
    expect(await dlqRetryCommand(location, { all: false, json: false })).toMatchObject({ exitCode: 2, output: expect.stringContaining('exactly one of --all or a dead letter id') });
    expect((await dlqRetryCommand(location, { all: true, id: 'req_both_0001', json: false })).exitCode).toBe(2);
  });

  it('retrying an unknown id exits 1 naming it', async () => {
    expect(await dlqRetryCommand(location, { id: 'req_unknown_0001', all: false, json: false })).toEqual({
      output: `no dead letter req_unknown_0001 in ${location.queueName}-dead-letter (see tollgate dlq list)`,
      exitCode: 1,
    });
    expect(JSON.parse((await dlqRetryCommand(location, { id: 'req_unknown_0001', all: false, json: true })).output)).toEqual({
      queue: location.queueName,
      retried: [],
      notFound: ['req_unknown_0001'],
    });
  });

  it('puts a dead letter back on the metering queue in place of its failed job, with the gateway job options', async () => {
    const event = await poison('00000000-0000-4000-8000-00000000000c', 'rejected by the database (23503: no such account)');
    expect(await (await queue.getJob(event.requestId))?.getState()).toBe('failed');
    const result = await dlqRetryCommand(location, { id: event.requestId, all: false, json: false });
    expect(result).toEqual({ output: expect.stringContaining(`1 event(s) back on ${location.queueName}: ${event.requestId}`), exitCode: 0 });
    const job = await queue.getJob(event.requestId);
    expect(await job?.getState()).toBe('delayed'); // nothing consumes this queue in this test: it would be recorded in a second
    expect(job?.data).toEqual(event);
    expect(job?.opts).toMatchObject({ attempts: METERING_JOB_OPTIONS.attempts, backoff: METERING_JOB_OPTIONS.backoff, removeOnFail: false });
    expect(await deadLetters.getJob(event.requestId)).toBeUndefined();
    expect((await dlqRetryCommand(location, { id: event.requestId, all: false, json: false })).exitCode).toBe(1);
  });
});
