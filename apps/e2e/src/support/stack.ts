import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { uniqueName } from '@tollgate/testing';
import { freePort } from './free-port';
import { runCli } from './run-cli';
import { startService, type ServiceProcess } from './service-process';
import { waitForReady } from './wait-for-ready';

/** The whole system as processes: the built gateway and billing worker over a fresh schema and queue. */
export interface Stack {
  url: string;
  env: Record<string, string>;
  db: TestDatabase;
  queueName: string;
  gateway: ServiceProcess;
  worker: ServiceProcess;
  /** `tollgate <args>` against this stack's database. */
  cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Waits until `count` usage rows are recorded (default timeout 15 s). */
  waitForUsageRows(count: number, timeoutMs?: number): Promise<void>;
  /** Starts the worker again (after a kill). */
  restartWorker(): ServiceProcess;
  /** Starts another gateway process on the same database, queue and Redis (its own port and spool); stopped with the stack. */
  startReplica(settings?: Record<string, string>): Promise<{ url: string; gateway: ServiceProcess }>;
  stop(): Promise<void>;
}

export async function startStack(settings: Record<string, string> = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const queueName = uniqueName('metering-e2e');
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-e2e-spool-'));
  const port = await freePort();
  const env: Record<string, string> = {
    DATABASE_URL: db.databaseUrl,
    DATABASE_SCHEMA: db.schema,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    METERING_QUEUE: queueName,
    PORT: String(port),
    HOST: '127.0.0.1',
    SPOOL_DIR: spoolDir,
    LOG_LEVEL: 'warn',
    ...settings,
  };
  const replicas: ServiceProcess[] = [];
  const spoolDirs = [spoolDir];
  const stack: Stack = {
    url: `http://127.0.0.1:${port}`,
    env,
    db,
    queueName,
    gateway: startService('gateway', env),
    worker: startService('billing-worker', env),
    cli: (args) => runCli(args, env),
    async waitForUsageRows(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await db.prisma.usageRecord.count();
        if (rows >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${rows} of ${count} usage rows recorded\nworker output:\n${stack.worker.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    restartWorker() {
      stack.worker = startService('billing-worker', env);
      return stack.worker;
    },
    async startReplica(overrides = {}) {
      const replicaPort = await freePort();
      const replicaSpool = mkdtempSync(path.join(tmpdir(), 'tollgate-e2e-spool-'));
      spoolDirs.push(replicaSpool);
      const gateway = startService('gateway', { ...env, PORT: String(replicaPort), SPOOL_DIR: replicaSpool, ...overrides });
      replicas.push(gateway);
      const url = `http://127.0.0.1:${replicaPort}`;
      await gatewayReady(url, gateway);
      return { url, gateway };
    },
    async stop() {
      await Promise.all([stack.gateway.stop(), stack.worker.stop(), ...replicas.map((replica) => replica.stop())]);
      const connection = new Redis(env['REDIS_URL'] as string, { maxRetriesPerRequest: 1 });
      for (const name of [queueName, `${queueName}-dead-letter`]) {
        const queue = new Queue(name, { connection });
        await queue.obliterate({ force: true });
        await queue.close();
      }
      connection.disconnect();
      for (const dir of spoolDirs) rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
  await gatewayReady(stack.url, stack.gateway);
  return stack;
}

/** A gateway process is ready once /readyz answers; one that exited will never be. */
function gatewayReady(url: string, gateway: ServiceProcess): Promise<void> {
  return waitForReady(url, { timeoutMs: 20_000, stopped: () => gateway.child.exitCode !== null, describe: () => gateway.output() });
}
