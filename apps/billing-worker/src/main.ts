import { createLogger, loadConfig } from '@tollgate/config';
import { applyMigrations, assertMigrationsApplied, checkServices, createPrismaClient, ensureDatabase } from '@tollgate/db';
import { Redis } from 'ioredis';
import { createMeteringWorker } from './metering-worker';
import { startUsageRetention } from './usage-retention';

/** Longest one ledger query may take before its job fails and is retried. */
const WORKER_QUERY_TIMEOUT_MS = 120_000;

/** Starts the billing worker: metering events from BullMQ → usage rows, ledger entries and debt in Postgres. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('billing-worker', config.LOG_LEVEL);
  await checkServices({ databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, maintenanceDatabase: true });
  await ensureDatabase(config.DATABASE_URL);
  // MIGRATE_ON_START=false (Kubernetes): the migration Job migrates; this replica refuses a schema older than its code.
  if (config.MIGRATE_ON_START === 'true') await applyMigrations(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
  else await assertMigrationsApplied(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
  // Bounded waits so a black-holed database fails jobs (they are retried) instead of holding them forever; the
  // query limit is generous (WORKER_QUERY_TIMEOUT_MS): a ledger batch may wait on row locks.
  const prisma = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    maxConnections: Math.min(config.WORKER_CONCURRENCY, 20),
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: WORKER_QUERY_TIMEOUT_MS,
  });
  // BullMQ workers block on Redis: their connection must retry forever (maxRetriesPerRequest: null).
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const metering = createMeteringWorker({
    queueName: config.METERING_QUEUE,
    connection,
    prisma,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    metricsPort: config.METRICS_PORT, // GET /metrics (0: off); closed with the worker
  });
  // Raw usage rows are deleted past USAGE_RETENTION_DAYS (ledger and rollups stay); unset keeps them forever.
  const retentionDays = config.USAGE_RETENTION_DAYS;
  const retention = retentionDays === undefined ? undefined : startUsageRetention({ prisma, logger, retentionDays });
  logger.info(
    { queue: config.METERING_QUEUE, concurrency: config.WORKER_CONCURRENCY, usageRetentionDays: retentionDays ?? 'forever' },
    'tollgate billing worker started',
  );

  // SIGTERM: take no new job, let the jobs in progress commit their batch — one transaction each, so an event is
  // applied whole or not at all — then disconnect and exit 0. No timer forces the exit (a batch waiting on row locks
  // may take up to WORKER_QUERY_TIMEOUT_MS): terminationGracePeriodSeconds bounds it, and a job cut by its SIGKILL
  // rolls back and is redelivered as stalled, then recorded once by its request id.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal (Ctrl-C twice) exits now, on the same terms as a SIGKILL.
      logger.warn({ signal }, 'second signal: exiting now; jobs in progress are redelivered');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new jobs, finishing the batch in progress');
    Promise.all([metering.close(), retention?.stop()])
      .then(() => prisma.$disconnect())
      .then(() => connection.disconnect())
      .then(
        () => {
          logger.info('billing worker stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'billing worker shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`tollgate billing worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
