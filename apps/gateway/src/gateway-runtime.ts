import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '@tollgate/config';
import { createPrismaClient, findKeyOwner, getAccountDebt, type PrismaClient } from '@tollgate/db';
import { loadCatalog, PROVIDER_DEFINITIONS, ProviderRegistry } from '@tollgate/providers';
import type { GatewayDeps } from './app';
import { KeyOwnerCache } from './auth/key-owner-cache';
import { FundsGuard } from './funds/funds-guard';
import { EventSpool } from './metering/event-spool';
import { MeteringProducer } from './metering/metering-producer';

/** The gateway's live connections and the deps built on them; `close()` releases everything. */
export interface GatewayRuntime {
  deps: GatewayDeps;
  prisma: PrismaClient;
  redis: Redis;
  queue: Queue;
  /** Resolves once Redis is connected (its commands fail fast rather than queue while it is not). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens Postgres, Redis, the metering queue and the provider registry from the configuration. */
export function createGatewayRuntime(config: Config, logger: Logger): GatewayRuntime {
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  // Fail fast while Redis is down (the producer then spools to disk) instead of queueing commands in memory.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const queue = new Queue(config.METERING_QUEUE, { connection: redis });
  queue.on('error', (error) => logger.warn({ err: error }, 'metering queue error'));
  const producer = new MeteringProducer(queue, new EventSpool(config.SPOOL_DIR), logger);
  const registry = new ProviderRegistry(loadCatalog(config.CATALOG_PATH), PROVIDER_DEFINITIONS, config, {
    connectMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    firstByteMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
    idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
  });
  const deps: GatewayDeps = {
    registry,
    producer,
    funds: new FundsGuard(redis, (accountId) => getAccountDebt(prisma, accountId), logger),
    commissionRate: config.COMMISSION_RATE,
    maxAttempts: config.UPSTREAM_MAX_ATTEMPTS,
    retryBaseDelayMs: config.UPSTREAM_RETRY_BASE_DELAY_MS,
    logger,
    prisma,
    keyCache: new KeyOwnerCache((keyHash) => findKeyOwner(prisma, keyHash), config.KEY_CACHE_TTL_MS),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    btcUsdRate: config.BTC_USD_RATE,
    readiness: {
      redis: () => redis.ping(),
      postgres: () => prisma.$queryRaw`SELECT 1`,
    },
  };
  return {
    deps,
    prisma,
    redis,
    queue,
    async ready(timeoutMs = 10_000) {
      if (redis.status === 'ready') return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      await producer.close();
      await queue.close();
      redis.disconnect();
      await registry.close();
      await prisma.$disconnect();
    },
  };
}
