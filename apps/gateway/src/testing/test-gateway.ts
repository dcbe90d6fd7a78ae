import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import pino, { type Logger } from 'pino';
import { loadConfig } from '@tollgate/config';
import { createAccountWithKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { PROVIDER_DEFINITIONS, providerSettingDeclarations, type ProviderDefinition } from '@tollgate/providers';
import { meteringEventSchema, type MeteringEvent } from '@tollgate/schemas';
import { uniqueName } from '@tollgate/testing';
import { createApp } from '../app';
import { closeAll } from '../close-all';
import { createGatewayRuntime, type GatewayRuntime } from '../gateway-runtime';
import { listen } from '../listen';

/** A real gateway on a loopback port, over its own Postgres schema and its own BullMQ queue. */
export interface TestGateway {
  url: string;
  apiKey: string;
  accountId: string;
  db: TestDatabase;
  queue: Queue;
  queueName: string;
  spoolDir: string;
  /** The metering event queued for a gateway request id (waits up to 5 s for it). */
  meteringEvent(requestId: string): Promise<MeteringEvent>;
  close(): Promise<void>;
}

/**
 * Starts a gateway with the given settings (e.g. OPENAI_BASE_URL of a replay server, UPSTREAM_IDLE_TIMEOUT_MS).
 * `beforeReady` sees its runtime before its connections are up (to break one on purpose); `logger` replaces the silent
 * one (a test that reads the log lines); `providers` replaces the registry (a test serving a provider of its own).
 */
export async function startTestGateway(
  settings: Record<string, string> = {},
  hooks: { beforeReady?: (runtime: GatewayRuntime) => void; logger?: Logger; providers?: readonly ProviderDefinition[] } = {},
): Promise<TestGateway> {
  const db = await createTestDatabase();
  const queueName = uniqueName('metering');
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-spool-'));
  const { server, runtime } = await listenGateway(settings, { db, queueName, spoolDir }, hooks.beforeReady, hooks.logger, hooks.providers);
  const { queue } = runtime;
  const { account, apiKey } = await createAccountWithKey(db.prisma, { name: 'test', creditLimit: '100' });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    accountId: account.id,
    db,
    queue,
    queueName,
    spoolDir,
    async meteringEvent(requestId) {
      for (let waited = 0; waited < 5_000; waited += 25) {
        const job = await Job.fromId(queue, requestId);
        if (job) return meteringEventSchema.parse(job.data);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no metering event for ${requestId}`);
    },
    close() {
      return closeAll([
        () => closeServer(server),
        () => queue.obliterate({ force: true }),
        () => runtime.close(),
        () => rmSync(spoolDir, { recursive: true, force: true }),
        () => db.drop(),
      ]);
    },
  };
}

/** Another replica of `primary`: its own process state (key cache, spool), the same database, queue and Redis. */
export async function startReplica(primary: TestGateway, settings: Record<string, string> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-spool-'));
  const { server, runtime } = await listenGateway(settings, { db: primary.db, queueName: primary.queueName, spoolDir });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      return closeAll([() => closeServer(server), () => runtime.close(), () => rmSync(spoolDir, { recursive: true, force: true })]);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function listenGateway(
  settings: Record<string, string>,
  shared: { db: TestDatabase; queueName: string; spoolDir: string },
  beforeReady?: (runtime: GatewayRuntime) => void,
  logger: Logger = pino({ level: 'silent' }),
  providers: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS,
) {
  const { db, queueName, spoolDir } = shared;
  const config = loadConfig(
    {
      LOG_LEVEL: 'silent',
      UPSTREAM_MAX_ATTEMPTS: '3',
      UPSTREAM_RETRY_BASE_DELAY_MS: '10',
      BODY_LIMIT_BYTES: String(64 * 1024),
      KEY_CACHE_TTL_MS: '50',
      DATABASE_URL: db.databaseUrl,
      DATABASE_SCHEMA: db.schema,
      METERING_QUEUE: queueName,
      SPOOL_DIR: spoolDir,
      ...settings,
    },
    providerSettingDeclarations(providers),
  );
  const runtime = createGatewayRuntime(config, logger, providers);
  beforeReady?.(runtime);
  await runtime.ready();
  const app = createApp(runtime.deps);
  const server: Server = await listen(app, 0, '127.0.0.1', { requestTimeoutMs: config.REQUEST_TIMEOUT_MS });
  return { server, runtime };
}
