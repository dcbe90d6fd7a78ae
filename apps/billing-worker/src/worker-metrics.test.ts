import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAccountWithKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { histogramCount, meteringEventFixture, parsePrometheusText, sampleValue, uniqueName } from '@tollgate/testing';
import { createMeteringWorker, deadLetterQueueName } from './metering-worker';
import { startMetricsServer, type MetricsServer } from './metrics-server';

describe("billing worker metrics after a known number of events (real BullMQ, Postgres, GET /metrics)", () => {
  let db: TestDatabase;
  let connection: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let metering: ReturnType<typeof createMeteringWorker>;
  let server: MetricsServer;
  const queueName = uniqueName('metering-metrics');

  beforeAll(async () => {
    db = await createTestDatabase();
    connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection });
    events = new QueueEvents(queueName, { connection: { host: '127.0.0.1', port: 6379 } });
    await events.waitUntilReady();
    metering = createMeteringWorker({ queueName, connection, prisma: db.prisma, logger: pino({ level: 'silent' }), concurrency: 8 });
    server = await startMetricsServer(metering.metrics.registry, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await metering.close();
    await events.close();
    await queue.obliterate({ force: true });
    await new Queue(deadLetterQueueName(queueName), { connection }).obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    await db.drop();
  });

  it('counts events recorded and repeated, batches, commit times, lag, queue depth and dead letters', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'metrics', creditLimit: '5' });
    const fresh = Array.from({ length: 5 }, () => meteringEventFixture(account.id));
    const jobs = await Promise.all(fresh.map((event) => queue.add('usage', event, { jobId: event.requestId })));
    const first = fresh[0] as (typeof fresh)[number];
    jobs.push(await queue.add('usage', first, { jobId: `${first.requestId}-again` }));
    await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 10_000)));
    const invalid = await queue.add('usage', { version: 1, requestId: 'req_invalid_metrics' }, { jobId: 'req_invalid_metrics' });
    await expect(invalid.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid metering event/);

    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    const families = parsePrometheusText(await response.text());
    expect(sampleValue(families, 'tollgate_worker_events_total', { result: 'recorded' })).toBe(5);
    expect(sampleValue(families, 'tollgate_worker_events_total', { result: 'duplicate' })).toBe(1);
    // Every valid event went through one committed batch: the sizes add up to 6, one commit time per batch.
    const batches = histogramCount(families, 'tollgate_worker_batch_size');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'tollgate_worker_batch_size_sum')).toBe(6);
    expect(histogramCount(families, 'tollgate_worker_commit_duration_seconds')).toBe(batches);
    expect(histogramCount(families, 'tollgate_worker_enqueue_to_commit_seconds')).toBe(6);
    expect(sampleValue(families, 'tollgate_worker_queue_jobs', { state: 'failed' })).toBe(1);
    expect(sampleValue(families, 'tollgate_worker_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sampleValue(families, 'tollgate_worker_dead_letter_jobs')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
