import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadCatalog, ProviderRegistry, PROVIDER_DEFINITIONS } from '@tollgate/providers';
import { emptyUsage } from '@tollgate/schemas';
import { FundsGuard } from '../funds/funds-guard';
import { EventSpool } from '../metering/event-spool';
import { MeteringProducer } from '../metering/metering-producer';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { meterCompletion } from './meter-completion';

/** The hold on an account's funds lasts until the request's metering event is safely queued or spooled. */
describe('meterCompletion', () => {
  const logger = pino({ level: 'silent' });
  const accountId = '00000000-0000-4000-8000-0000000000aa';
  const fundsKey = `tollgate:funds:${accountId}`;
  let redis: Redis;
  let spoolDir: string;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  beforeEach(async () => {
    spoolDir = mkdtempSync(path.join(tmpdir(), 'meter-test-'));
    await redis.del(fundsKey);
  });
  afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));
  afterAll(async () => {
    await redis.del(fundsKey);
    redis.disconnect();
  });

  it('settles the reservation only after the event is spooled while the queue is unreachable', async () => {
    // The metering queue's Redis is down (nothing listens there): the producer retries, then spools to disk.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => 1000 });
    down.on('error', () => undefined);
    const queue = new Queue('unreachable-metering', { connection: down });
    queue.on('error', () => undefined);
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger, { attempts: 3, timeoutMs: 200, replayEveryMs: 60_000 });
    const funds = new FundsGuard(redis, async () => '0', logger);
    const entry = loadCatalog().find('tollgate/echo');
    if (!entry) throw new Error('echo is in the bundled catalog');
    const deps: CompletionDeps = {
      registry: new ProviderRegistry(loadCatalog(), PROVIDER_DEFINITIONS, {}),
      producer,
      funds,
      commissionRate: '0.10',
      maxAttempts: 1,
      retryBaseDelayMs: 1,
      generateTimeoutMs: 1_000,
      logger,
    };
    const context: CompletionContext = {
      caller: { accountId, apiKeyId: null, authMethod: 'api-key', creditLimit: '10', expiresAt: null },
      requestId: 'req_meter_order_0001',
      strict: false,
      signal: new AbortController().signal,
      startedAt: new Date(),
    };
    const reservation = await funds.reserve({ accountId, creditLimit: '10', worstCaseUsd: '0.5' });
    const reservedNow = async () => BigInt((await redis.hget(fundsKey, 'reserved')) ?? '0');
    expect(await reservedNow()).toBe(500_000_000n);

    const metering = meterCompletion(deps, context, { entry, usage: { ...emptyUsage(), inputTokens: 1_000, outputTokens: 1_000 }, status: 'ok', streamed: false, reservation });
    await new Promise((resolve) => setTimeout(resolve, 250)); // the producer is still trying the queue
    expect(await reservedNow()).toBe(500_000_000n);
    const cost = await metering;

    expect(await reservedNow()).toBe(0n);
    const spooled = readFileSync(path.join(spoolDir, 'metering-events.jsonl'), 'utf8');
    expect(JSON.parse(spooled.trim())).toMatchObject({ requestId: 'req_meter_order_0001', cost });
    await producer.close();
    await queue.close();
    down.disconnect();
  });
});
