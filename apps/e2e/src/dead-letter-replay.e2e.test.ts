import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { countDeadLetters, METERING_JOB_NAME, METERING_JOB_OPTIONS } from '@tollgate/db';
import { meteringEventFixture } from '@tollgate/testing';
import { startStack, type Stack } from './support/stack';

/** An operator's round trip over the built worker and CLI: a poison event is listed, its cause fixed, retried, billed once. */
describe('tollgate dlq list / retry', () => {
  let stack: Stack;
  let connection: Redis;
  let queue: Queue;

  beforeAll(async () => {
    stack = await startStack();
    connection = new Redis(stack.env['REDIS_URL'] as string, { maxRetriesPerRequest: null });
    queue = new Queue(stack.queueName, { connection });
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    connection?.disconnect();
    await stack?.stop();
  });

  it('replays a dead-lettered event once its account exists, and refuses an unknown id', async () => {
    const accountId = randomUUID();
    const event = meteringEventFixture(accountId);
    await queue.add(METERING_JOB_NAME, event, { ...METERING_JOB_OPTIONS, jobId: event.requestId });
    for (const deadline = Date.now() + 15_000; (await countDeadLetters(connection, stack.queueName)) === 0; ) {
      if (Date.now() > deadline) throw new Error(`not dead-lettered\n${stack.worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await stack.cli(['reconcile'])).code).toBe(1);

    const listed = await stack.cli(['dlq', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      total: 1,
      deadLetters: [{ id: event.requestId, accountId, reason: expect.stringMatching(/^rejected by the database \(23503: /) }],
    });
    expect((await stack.cli(['dlq', 'list'])).stdout).toContain(`1 dead letter(s) in ${stack.queueName}-dead-letter:`);

    await stack.db.prisma.account.create({ data: { id: accountId, name: 'created after its request', creditLimit: '5' } });
    const retried = await stack.cli(['dlq', 'retry', event.requestId]);
    expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining(`1 event(s) back on ${stack.queueName}: ${event.requestId}`) });
    await stack.waitForUsageRows(1);
    const usage = JSON.parse((await stack.cli(['usage', '--account', accountId, '--json'])).stdout) as { debt: string; requests: number };
    expect(usage).toMatchObject({ requests: 1, debt: event.cost.total });
    expect((await stack.cli(['reconcile'])).code).toBe(0);

    const again = await stack.cli(['dlq', 'retry', event.requestId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no dead letter ${event.requestId} in ${stack.queueName}-dead-letter`);
    expect((await stack.cli(['dlq', 'retry'])).code).toBe(2);
  });
});
