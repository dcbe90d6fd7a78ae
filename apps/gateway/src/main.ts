import { createLogger, loadConfig } from '@tollgate/config';
import { applyMigrations, assertMigrationsApplied, checkServices, ensureDatabase } from '@tollgate/db';
import { gatewayProviders, providerSettingDeclarations } from '@tollgate/providers';
import { createApp } from './app';
import { createGatewayRuntime } from './gateway-runtime';
import { listen } from './listen';
import { ConnectionDrain } from './shutdown/connection-drain';
import { shutDownGateway } from './shutdown/shut-down-gateway';

/** Starts the gateway: validate config, check Postgres/Redis, migrate, serve, replay spooled events, stop cleanly. */
async function main(): Promise<void> {
  // The built-in providers and those of PROVIDERS_FILE, read first so that the file's settings (base URLs, keys) are
  // declared and validated with the rest; a bad file stops the start here, naming the place.
  const providers = gatewayProviders(process.env);
  const config = loadConfig(process.env, providerSettingDeclarations(providers));
  const logger = createLogger('gateway', config.LOG_LEVEL);
  await checkServices({ databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, maintenanceDatabase: true });
  await ensureDatabase(config.DATABASE_URL);
  // MIGRATE_ON_START=false (Kubernetes): the migration Job migrates; this replica refuses a schema older than its code.
  if (config.MIGRATE_ON_START === 'true') {
    const applied = await applyMigrations(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } else await assertMigrationsApplied(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });

  const runtime = createGatewayRuntime(config, logger, providers);
  await runtime.ready();
  // Bind before anything else is done for callers: a port already in use ends the process here, exit 1, instead of
  // a gateway that logs "listening" and serves nothing.
  const server = await listen(createApp(runtime.deps), config.PORT, config.HOST, { requestTimeoutMs: config.REQUEST_TIMEOUT_MS }).catch(async (error: unknown) => {
    await runtime.close().catch(() => undefined);
    throw error;
  });
  server.keepAliveTimeout = 65_000;
  const connections = new ConnectionDrain(server);
  logger.info({ port: config.PORT, host: config.HOST }, `tollgate gateway listening on http://${config.HOST}:${config.PORT}`);
  // Serving already: a spool that cannot be read now must not end the process (the replay timer tries again).
  await runtime.deps.producer.replaySpool().catch((error: unknown) => logger.warn({ err: error }, 'metering spool replay failed at start; retrying on the timer'));

  // No timer forces the exit: the process exits once the metering producer has written every event (queue or spool).
  // What bounds the drain is SHUTDOWN_GRACE_MS, then the abort window; past those, only Kubernetes' SIGKILL
  // (terminationGracePeriodSeconds, set longer than all of it) could end it.
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) {
      // A second signal (Ctrl-C twice) cuts the grace period short, but still meters everything before exiting.
      logger.warn({ signal }, 'second signal: cutting open requests now (metered partial)');
      runtime.drain.expire();
      return;
    }
    shuttingDown = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down: readiness off, finishing open requests');
    void shutDownGateway({ drain: runtime.drain, connections, graceMs: config.SHUTDOWN_GRACE_MS, closeRuntime: () => runtime.close(), logger }).then(
      () => process.exit(0),
      (error: unknown) => {
        // Only a closing step after the producer's flush can fail here (Redis or Postgres gone): no event is left unwritten.
        logger.error({ err: error }, 'shutdown: closing a connection failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`tollgate gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
