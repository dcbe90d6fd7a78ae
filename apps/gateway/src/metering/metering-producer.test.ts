import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { MeteringEvent } from '@tollgate/schemas';
import { meteringEventFixture, uniqueName } from '@tollgate/testing';
import { EventSpool } from './event-spool';
import { MeteringProducer } from './metering-producer';

const event = (requestId: string): MeteringEvent => meteringEventFixture('00000000-0000-4000-8000-000000000001', { requestId });

describe('MeteringProducer', () => {
  const logger = pino({ level: 'silent' });
  let spoolDir: string;
  beforeEach(() => {
    spoolDir = mkdtempSync(path.join(tmpdir(), 'spool-test-'));
  });
  afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('enqueues with jobId = requestId, and a repeat does not add a second job', async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = new Queue(uniqueName('producer'), { connection });
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger);
    await producer.emit(event('req_producer_0001'));
    await producer.emit(event('req_producer_0001'));
    expect((await Job.fromId(queue, 'req_producer_0001'))?.data).toMatchObject({ requestId: 'req_producer_0001' });
    expect(await queue.count()).toBe(1);
    await producer.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it('spools to disk while Redis is unreachable and replays the spool once it is back', async () => {
    // A Redis that is down: nothing listens on this port.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => 1000 });
    down.on('error', () => undefined);
    const deadQueue = new Queue('unreachable', { connection: down });
    deadQueue.on('error', () => undefined);
    const spool = new EventSpool(spoolDir);
    const offline = new MeteringProducer(deadQueue, spool, logger, { attempts: 2, timeoutMs: 200, replayEveryMs: 60_000 });
    await offline.emit(event('req_spooled_0001'));
    await offline.emit(event('req_spooled_0002'));
    const spooled = readFileSync(path.join(spoolDir, 'metering-events.jsonl'), 'utf8').trim().split('\n');
    expect(spooled.map((line) => (JSON.parse(line) as MeteringEvent).requestId)).toEqual(['req_spooled_0001', 'req_spooled_0002']);
    await offline.close();
    await Promise.race([deadQueue.close(), new Promise((resolve) => setTimeout(resolve, 500))]);
    down.disconnect();

    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = new Queue(uniqueName('producer'), { connection });
    const online = new MeteringProducer(queue, spool, logger);
    expect(await online.replaySpool()).toBe(2);
    expect(await queue.count()).toBe(2);
    expect(await online.replaySpool()).toBe(0);
    await online.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }, 20_000);
});
