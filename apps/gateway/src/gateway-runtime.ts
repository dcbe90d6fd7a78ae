import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '@tollgate/config';
import { createPrismaClient, findKeyOwners, findKeyOwnersById, getCommittedDebt, getCommittedKeySpend, type PrismaClient } from '@tollgate/db';
import { createLightningBackend, fixedBtcUsdRate, urlBtcUsdRate } from '@tollgate/lightning';
import { estimateTextTokens, KEY_FAILURES_BEFORE_BENCH, loadCatalog, PROVIDER_DEFINITIONS, ProviderRegistry, type ProviderDefinition } from '@tollgate/providers';
import type { GatewayDeps } from './app';
import { findAccountOwners, type AccountOwner } from './auth/account-owners';
import { accessTokensFromConfig } from './auth/access-tokens';
import { idpTokensFromConfig } from './auth/idp-tokens';
import { SignInNonces } from './auth/sign-in-nonces';
import { KeyOwnerCache } from './auth/key-owner-cache';
import { INVALIDATION_CHANNEL, parseInvalidation, publishInvalidation, StateCommands } from '@tollgate/redis-state';
import { AdmissionGuard } from './admission/admission-guard';
import { closeAll } from './close-all';
import { EventSpool } from './metering/event-spool';
import { MeteringProducer } from './metering/metering-producer';
import { Drain } from './shutdown/drain';
import { GatewayMetrics } from './observability/gateway-metrics';
import { createTracing, otlpExporter } from './observability/tracing';
import type { L402Deps } from './l402/l402-gate';
import type { X402Deps } from './x402/x402-deps';
import { X402_NETWORKS } from './x402/x402-networks';
import { HTTPFacilitatorClient } from '@x402/core/http';

/** The gateway's live connections and the deps built on them; `close()` releases everything. */
export interface GatewayRuntime {
  deps: GatewayDeps;
  prisma: PrismaClient;
  redis: Redis;
  queue: Queue;
  /** The shutdown state its deps share (readiness, completions); main.ts drains it on SIGTERM. */
  drain: Drain;
  /** Resolves once Redis is connected (its commands fail fast rather than queue while it is not). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Names, once at start, each provider that is not configured and the setting that would enable it: callers are only
 * told that a provider is not configured on this gateway, so this is where the operator finds what to set.
 */
function logUnconfiguredProviders(registry: ProviderRegistry, logger: Logger): void {
  const missing = new Map<string, string>();
  for (const { entry, missingSetting } of registry.list()) if (missingSetting) missing.set(entry.provider, missingSetting);
  for (const [provider, setting] of missing) logger.info({ provider, setting }, `provider ${provider} is not configured (set ${setting}); its models answer 503`);
}

/**
 * Opens Postgres, Redis, the metering queue and the provider registry from the configuration. `providers` is the
 * registry (tests add a provider of their own); `config` must have been loaded with their settings declared
 * (`providerSettingDeclarations`).
 */
export function createGatewayRuntime(config: Config, logger: Logger, providers: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): GatewayRuntime {
  // Bounded waits: a database that stops answering costs a request at most these, then a 503 (database_unavailable).
  const prisma = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  });
  // Fail fast while Redis is down (the producer then spools to disk) instead of queueing commands in memory.
  // Commands wait at most REDIS_COMMAND_TIMEOUT_MS: a stalled Redis fails admission closed (503), never hangs it.
  // Reconnects every 0.5 s at most, so that admission resumes soon after Redis returns.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  // No version check: BullMQ sends it (INFO) once, when the connection first becomes ready, and a timeout there
  // (a slow Redis at start, against REDIS_COMMAND_TIMEOUT_MS) would fail every later add of this queue for good —
  // every event spooled, admission refused until a restart. The billing worker's connection checks the version.
  // The queue shares `redis` with the funds view on purpose: a request's settle and its event's job go out in that
  // order on one connection, which Redis runs in order (see meterCompletion).
  const queue = new Queue(config.METERING_QUEUE, { connection: redis, skipVersionCheck: true });
  queue.on('error', (error) => logger.warn({ err: error }, 'metering queue error'));
  const producer = new MeteringProducer(queue, new EventSpool(config.SPOOL_DIR), logger);
  const metrics = new GatewayMetrics({ processMetrics: true, spool: { directory: config.SPOOL_DIR, unreplayedEvents: () => producer.unreplayedEvents() } });
  producer.observe(metrics);
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? createTracing(otlpExporter(config.OTEL_EXPORTER_OTLP_ENDPOINT), config.OTEL_SERVICE_NAME) : undefined;
  const keyCache = new KeyOwnerCache((keyHashes) => findKeyOwners(prisma, keyHashes), {
    ttlMs: config.KEY_CACHE_TTL_MS,
    staleIfErrorMs: config.KEY_CACHE_STALE_IF_ERROR_MS,
  });
  // The accounts JWT callers name, cached like keys (suspension and limits arrive as the same invalidations).
  const accountCache = new KeyOwnerCache<AccountOwner>((accountIds) => findAccountOwners(prisma, accountIds), {
    ttlMs: config.KEY_CACHE_TTL_MS,
    staleIfErrorMs: config.KEY_CACHE_STALE_IF_ERROR_MS,
  });
  // The keys tokens from a key exchange stand for, by id (a token carries the key's id, never its secret or hash).
  const keyByIdCache = new KeyOwnerCache((apiKeyIds) => findKeyOwnersById(prisma, apiKeyIds), {
    ttlMs: config.KEY_CACHE_TTL_MS,
    staleIfErrorMs: config.KEY_CACHE_STALE_IF_ERROR_MS,
  });
  // Operators' changes (revoked keys, suspended accounts, new limits) reach this replica's key cache at once.
  const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null });
  subscriber.on('error', (error) => logger.warn({ err: error }, 'redis subscriber connection error'));
  subscriber.on('message', (_channel: string, message: string) => {
    const invalidation = parseInvalidation(message);
    if (invalidation) {
      keyCache.invalidate(invalidation);
      accountCache.invalidate(invalidation);
      keyByIdCache.invalidate(invalidation);
    }
  });
  void subscriber.subscribe(INVALIDATION_CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'could not subscribe to invalidations'));
  if (config.FUNDS_FAIL_OPEN === 'true') logger.warn('FUNDS_FAIL_OPEN=true: while Redis is unavailable, requests are admitted without rate limits or funds checks');
  // The tokenizer builds its tables on first use (~100 ms): do it now, not on the first request that needs an estimate.
  estimateTextTokens('tollgate warms up its tokenizer');
  const registry = new ProviderRegistry(
    loadCatalog(config.CATALOG_PATH, providers),
    providers,
    config.declared,
    {
      connectMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      firstByteMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    {
      keyBenchMs: config.PROVIDER_KEY_BENCH_MS,
      // Once per benching, by the key's name: the key itself is never logged.
      onKeyBenched: ({ provider, key, status, benchedForMs }) => {
        logger.warn({ provider, providerKey: key, status, benchedForMs }, `provider key ${key} benched for ${Math.round(benchedForMs / 1000)} s after failing ${KEY_FAILURES_BEFORE_BENCH} times in a row (last: ${status})`);
        metrics.keyBenched(provider, key);
      },
    },
  );
  logUnconfiguredProviders(registry, logger);
  const lightning = createLightningBackend(config);
  const rate = config.BTC_USD_RATE
    ? fixedBtcUsdRate(config.BTC_USD_RATE)
    : config.BTC_USD_RATE_URL
      ? urlBtcUsdRate({ url: config.BTC_USD_RATE_URL, maxAgeMs: config.BTC_USD_RATE_MAX_AGE_MS, timeoutMs: config.LIGHTNING_TIMEOUT_MS })
      : undefined;
  const admission = new AdmissionGuard(
    new StateCommands(redis),
    (accountId) => getCommittedDebt(prisma, accountId),
    logger,
    {
      defaults: { rpm: config.RATE_LIMIT_RPM ?? 0, tpm: config.RATE_LIMIT_TPM ?? 0 },
      holdTtlMs: config.HOLD_TTL_MS,
      failOpen: config.FUNDS_FAIL_OPEN === 'true',
    },
    () => producer.hasUnreplayedEvents(),
    (apiKeyId) => getCommittedKeySpend(prisma, apiKeyId),
  );
  // Events handed back from the spool count as pending in the funds view before they go to the queue.
  producer.beforeReplay((event) => admission.recordPending(event));
  redis.on('ready', () => void producer.replaySpool().catch((error: unknown) => logger.warn({ err: error }, 'replaying the metering spool failed')));
  const l402 = l402Settings(config, { lightning, rate, prisma, admission });
  const x402 = x402Settings(config, { redis, prisma, admission, logger });
  const accessTokens = accessTokensFromConfig(config);
  const idp = idpTokensFromConfig(config, prisma);
  const drain = new Drain();
  const deps: GatewayDeps = {
    registry,
    drain,
    producer,
    admission,
    l402,
    x402,
    accessTokens,
    jwt: accessTokens || idp ? { accessTokens, idp, accounts: accountCache, keys: keyByIdCache } : undefined,
    signIn: { nonces: new SignInNonces(redis, config.AUTHORIZE_NONCE_TTL_SECONDS), domain: config.AUTHORIZE_DOMAIN },
    commissionRate: config.COMMISSION_RATE,
    maxAttempts: config.UPSTREAM_MAX_ATTEMPTS,
    retryBaseDelayMs: config.UPSTREAM_RETRY_BASE_DELAY_MS,
    generateTimeoutMs: config.UPSTREAM_GENERATE_TIMEOUT_MS,
    logger,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    tracer: tracing?.tracer,
    prisma,
    keyCache,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    corsOrigins: (config.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    btcUsdRate: config.BTC_USD_RATE,
    lightning,
    rate,
    invoiceExpirySeconds: config.INVOICE_EXPIRY_SECONDS,
    minSats: config.TOPUP_MIN_SATS,
    maxSats: config.TOPUP_MAX_SATS,
    admin: {
      adminToken: config.ADMIN_TOKEN,
      // This replica drops its cache at once; the others when the message reaches them (or after KEY_CACHE_TTL_MS).
      async invalidate(invalidation) {
        keyCache.invalidate(invalidation);
        accountCache.invalidate(invalidation);
        keyByIdCache.invalidate(invalidation);
        await publishInvalidation(redis, invalidation).catch((error: unknown) => logger.warn({ err: error, invalidation }, 'could not tell other replicas of an admin change: they see it within KEY_CACHE_TTL_MS'));
      },
      refreshFunds: (accountId) => admission.refresh(accountId),
    },
    readiness: {
      redis: () => redis.ping(),
      postgres: () => prisma.$queryRaw`SELECT 1`,
      // The spool is where this replica's events go while Redis is away: it must be writable.
      spool: async () => {
        await mkdir(config.SPOOL_DIR, { recursive: true });
        await access(config.SPOOL_DIR, constants.W_OK);
      },
    },
    // Only the replica's own spool takes it out of the Service; shared Postgres and Redis are reported (see readinessHandler).
    readinessRequired: ['spool'],
  };
  return {
    deps,
    prisma,
    redis,
    queue,
    drain,
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
    close() {
      return closeAll([() => producer.close(), () => queue.close(), () => subscriber.disconnect(), () => redis.disconnect(), () => registry.close(), () => prisma.$disconnect(), async () => tracing?.shutdown()]);
    },
  };
}

/** L402 pay-per-request, when L402_ENABLED: it needs a Lightning backend, a BTC/USD rate and a root key (else start fails). */
function l402Settings(config: Config, parts: Partial<Pick<L402Deps, 'lightning' | 'rate'>> & Pick<L402Deps, 'prisma' | 'admission'>): L402Deps | undefined {
  if (config.L402_ENABLED !== 'true') return undefined;
  const missing = [!parts.lightning && 'LIGHTNING_BACKEND', !parts.rate && 'BTC_USD_RATE or BTC_USD_RATE_URL', !config.L402_ROOT_KEY && 'L402_ROOT_KEY'].filter(Boolean);
  if (missing.length > 0 || !parts.lightning || !parts.rate || !config.L402_ROOT_KEY) throw new Error(`L402_ENABLED=true needs ${missing.join(', ')}`);
  return {
    rootKey: Buffer.from(config.L402_ROOT_KEY, 'hex'),
    lightning: parts.lightning,
    rate: parts.rate,
    prisma: parts.prisma,
    admission: parts.admission,
    invoiceExpirySeconds: config.INVOICE_EXPIRY_SECONDS,
    validHours: config.L402_VALID_HOURS,
  };
}

/**
 * x402 payments, when X402_PAY_TO and X402_NETWORK are both set (one without the other fails the start): USDC on that
 * network, settled through X402_FACILITATOR_URL when set.
 */
function x402Settings(config: Config, parts: Pick<X402Deps, 'redis' | 'prisma' | 'admission' | 'logger'>): X402Deps | undefined {
  if (!config.X402_PAY_TO && !config.X402_NETWORK) return undefined;
  if (!config.X402_PAY_TO || !config.X402_NETWORK) throw new Error('x402 needs both X402_PAY_TO and X402_NETWORK');
  return {
    ...parts,
    payTo: config.X402_PAY_TO as `0x${string}`,
    network: X402_NETWORKS[config.X402_NETWORK],
    facilitator: config.X402_FACILITATOR_URL ? new HTTPFacilitatorClient({ url: config.X402_FACILITATOR_URL }) : undefined,
    debtThreshold: config.X402_DEBT_THRESHOLD,
    maxTimeoutSeconds: config.X402_MAX_TIMEOUT_SECONDS,
  };
}
