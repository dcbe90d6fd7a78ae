import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadCatalog, ProviderRegistry, PROVIDER_DEFINITIONS } from '@tollgate/providers';
import { emptyUsage } from '@tollgate/schemas';
import { toNanoUsdCeil } from '@tollgate/billing';
import { accountStateKeys, StateCommands } from '@tollgate/redis-state';
import { AdmissionGuard } from '../admission/admission-guard';
import { DEFAULT_LIMITS } from '../auth/caller';
import { EventSpool } from '../metering/event-spool';
import { MeteringProducer } from '../metering/metering-producer';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { meterCompletion } from './meter-completion';

/**
 * The funds view never loses a cost: the hold becomes a pending cost before the metering event leaves the gateway
 * (the worker could otherwise commit it first, or Redis could go down with it only in the spool).
 */
describe('meterCompletion', () => {
  const logger = pino({ level: 'silent' });
  const accountId = '00000000-0000-4000-8000-0000000000aa';
  const keys = accountStateKeys(accountId);
  let redis: Redis;
  let spoolDir: string;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  beforeEach(async () => {
    spoolDir = mkdtempSync(path.join(tmpdir(), 'meter-test-'));
    await redis.del(keys.funds, keys.pending, keys.holds, keys.held);
  });
  afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));
  afterAll(async () => {
    await redis.del(keys.funds, keys.pending, keys.holds, keys.held);
    redis.disconnect();
  });

  it('counts the cost as pending before the event is queued or spooled (here: spooled, the queue unreachable)', async () => {
    // The metering queue's Redis is down (nothing listens there): the producer retries, then spools to disk.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => 1000 });
    down.on('error', () => undefined);
    const queue = new Queue('unreachable-metering', { connection: down });
    queue.on('error', () => undefined);
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger, { attempts: 3, timeoutMs: 200, replayEveryMs: 60_000 });
    const admission = new AdmissionGuard(new StateCommands(redis), async () => ({ debt: '0', version: 1n }), logger, {
      defaults: { rpm: 0, tpm: 0 },
      holdTtlMs: 60_000,
      failOpen: false,
    });
    const entry = loadCatalog().find('tollgate/echo');
    if (!entry) throw new Error('echo is in the bundled catalog');
    const deps: CompletionDeps = {
      registry: new ProviderRegistry(loadCatalog(), PROVIDER_DEFINITIONS, {}),
      producer,
      admission,
      commissionRate: '0.10',
      maxAttempts: 1,
      retryBaseDelayMs: 1,
      generateTimeoutMs: 1_000,
      logger,
    };
    const caller = { accountId, apiKeyId: null, authMethod: 'api-key' as const, creditLimit: '10', expiresAt: null, limits: DEFAULT_LIMITS };
    const context: CompletionContext = {
      caller,
      requestId: 'req_meter_order_0001',
      strict: false,
      signal: new AbortController().signal,
      startedAt: new Date(),
      reportLimits: () => undefined,
    };
    const reservation = await admission.admit({ caller, requestId: context.requestId, worstCaseUsd: '0.5', estimateTokens: () => 0, onLimits: () => undefined });
    const total = async (key: string) => BigInt((await redis.hget(key, '_total')) ?? '0');
    expect(await total(keys.held)).toBe(500_000_000n);

    const metering = meterCompletion(deps, context, { entry, usage: { ...emptyUsage(), inputTokens: 1_000, outputTokens: 1_000 }, status: 'ok', streamed: false, reservation });
    await new Promise((resolve) => setTimeout(resolve, 250)); // the producer is still trying the queue
    expect(await total(keys.held)).toBe(0n);
    const pending = await total(keys.pending);
    expect(pending).toBeGreaterThan(0n);
    const cost = await metering;
    expect(pending).toBe(toNanoUsdCeil(cost.total));

    const spooled = readFileSync(path.join(spoolDir, 'metering-events.jsonl'), 'utf8');
    expect(JSON.parse(spooled.trim())).toMatchObject({ requestId: 'req_meter_order_0001', cost });
    expect(producer.hasUnreplayedEvents()).toBe(true);
    await producer.close();
    await queue.close();
    down.disconnect();
  });
});
