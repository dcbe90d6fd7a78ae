import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('sends a lone event at once, and events emitted together in a few addBulk round trips, each emit resolved once its job is queued', async () => {
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = new Queue(uniqueName('producer'), { connection });
    const addBulk = jest.spyOn(queue, 'addBulk');
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger);
    try {
      await producer.emit(event('req_alone_0001'));
      expect(addBulk).toHaveBeenCalledTimes(1);
      expect(await Job.fromId(queue, 'req_alone_0001')).toBeDefined();

      const ids = Array.from({ length: 300 }, (_, index) => `req_together_${String(index).padStart(4, '0')}`);
      await Promise.all(
        ids.map(async (id) => {
          await producer.emit(event(id));
          // Resolved only once its own job is there.
          expect((await Job.fromId(queue, id))?.data).toMatchObject({ requestId: id });
        }),
      );
      expect(await queue.count()).toBe(301);
      // The first went alone; the other 299, emitted while it was on its way, went together.
      expect(addBulk.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      await producer.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
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

  it('replays a *.replaying file a crash left between claiming it and removing it, with the current spool', async () => {
    // As left by a process killed mid-replay: the spool renamed to its claimed name, never removed.
    writeFileSync(path.join(spoolDir, 'metering-events.jsonl.4242.1764190000000.replaying'), ['req_orphan_0001', 'req_orphan_0002'].map((id) => `${JSON.stringify(event(id))}\n`).join(''));
    writeFileSync(path.join(spoolDir, 'metering-events.jsonl'), `${JSON.stringify(event('req_current_0001'))}\n`);
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = new Queue(uniqueName('producer'), { connection });
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger);
    try {
      expect(await producer.replaySpool()).toBe(3);
      expect((await queue.getJobs(['wait'])).map((job) => job.id).sort()).toEqual(['req_current_0001', 'req_orphan_0001', 'req_orphan_0002']);
      expect(readdirSync(spoolDir)).toEqual([]);
      expect(await producer.replaySpool()).toBe(0);
    } finally {
      await producer.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });

  it('starts a spooled event on a line of its own after a torn write, and keeps an unreadable line rather than drop it', async () => {
    writeFileSync(path.join(spoolDir, 'metering-events.jsonl'), '{"version":1,"requestId":"req_torn'); // a crash mid-append
    const spool = new EventSpool(spoolDir);
    await spool.append(event('req_after_torn_0001'));
    const sent: string[] = [];
    expect(await spool.replay(async (spooled) => void sent.push(spooled.requestId))).toEqual({ sent: 1, failed: 0, unreadable: 1 });
    expect(sent).toEqual(['req_after_torn_0001']);
    expect(readFileSync(path.join(spoolDir, 'metering-events.jsonl'), 'utf8')).toBe('{"version":1,"requestId":"req_torn\n');
  });

  it('logs a replay that fails on spool I/O, without an unhandled rejection, and replays once the spool is readable', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const broken = path.join(spoolDir, 'spool');
    writeFileSync(broken, 'a file where the spool directory should be'); // readdir fails: ENOTDIR
    const logged: Array<{ level: number; msg: string }> = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = new Queue(uniqueName('producer'), { connection });
    const producer = new MeteringProducer(queue, new EventSpool(broken), capture, { attempts: 1, timeoutMs: 2_000, replayEveryMs: 20 });
    try {
      await expect(producer.replaySpool()).rejects.toMatchObject({ code: 'ENOTDIR' });
      await waitFor(() => logged.some((line) => line.level === 50 && /replaying the metering spool failed/.test(line.msg)));
      rmSync(broken);
      mkdirSync(broken);
      writeFileSync(path.join(broken, 'metering-events.jsonl'), `${JSON.stringify(event('req_after_io_0001'))}\n`);
      await waitFor(async () => (await queue.count()) === 1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await producer.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
