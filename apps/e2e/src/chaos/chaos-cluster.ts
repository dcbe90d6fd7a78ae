import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort } from '../support/free-port';
import { runCli } from '../support/run-cli';
import type { ServiceProcess } from '../support/service-process';
import { waitForReady } from '../support/wait-for-ready';
import { startFaultyUpstream, type FaultyUpstream } from './faulty-upstream';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres';
import { startPrivateRedis, type PrivateRedis } from './private-redis';
import { superviseService, type SupervisedService, type UnplannedExit } from './supervised-service';

/** One gateway replica: its port and spool directory stay the same across restarts, as a StatefulSet pod's do. */
export interface Replica {
  url: string;
  port: number;
  spoolDir: string;
  service: SupervisedService;
}

/**
 * The system as it runs in production, on this machine: two gateway replicas and a billing worker (the built apps, as
 * processes) over a Postgres and a Redis of the run's own, in front of a loopback provider that can be made to fail.
 */
export interface ChaosCluster {
  env: Record<string, string>;
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  upstream: FaultyUpstream;
  replicas: Replica[];
  worker: SupervisedService;
  /** Every process started, restarts included: their logs are counted for the report. */
  processes: ServiceProcess[];
  /** Processes that ended without being asked to (each restarted by its supervisor). */
  unplannedExits(): UnplannedExit[];
  apiKey: string;
  accountId: string;
  cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  /** SIGTERM, waits for the replica to drain and exit, then starts it again on the same port and spool. */
  restartReplica(replica: Replica, downMs: number): Promise<void>;
  /** Waits until no spool holds an event and the queue is empty, or `timeoutMs` passes; returns whether it drained. */
  drain(timeoutMs: number): Promise<boolean>;
  queueCounts(): Promise<{ pending: number; deadLetters: number }>;
  stop(): Promise<void>;
}

const QUEUE = 'chaos-metering';

export async function startChaosCluster(settings: { shutdownGraceMs: number }): Promise<ChaosCluster> {
  const started = await Promise.allSettled([startPrivatePostgres(), startPrivateRedis(), startFaultyUpstream()]);
  const [postgres, redis, upstream] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as [PrivatePostgres?, PrivateRedis?, FaultyUpstream?];
  if (!postgres || !redis || !upstream) {
    await Promise.all([postgres?.stop(), redis?.stop(), upstream?.close()]);
    throw (started.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const processes: ServiceProcess[] = [];
  const services: SupervisedService[] = [];
  try {
    return await assemble(postgres, redis, upstream, { processes, services }, settings);
  } catch (error) {
    await Promise.all(services.map((service) => service.stop()));
    await Promise.all([upstream.close(), redis.stop(), postgres.stop()]);
    throw error;
  }
}

async function assemble(
  postgres: PrivatePostgres,
  redis: PrivateRedis,
  upstream: FaultyUpstream,
  { processes, services }: { processes: ServiceProcess[]; services: SupervisedService[] },
  settings: { shutdownGraceMs: number },
): Promise<ChaosCluster> {
  const env: Record<string, string> = {
    DATABASE_URL: `${postgres.serverUrl}/tollgate_chaos`,
    REDIS_URL: redis.url,
    METERING_QUEUE: QUEUE,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: 'sk-chaos-loopback-only',
    // A provider that stalls is given up on after seconds (then retried once), not the minutes a real model may take
    // (the loopback provider answers a JSON call at once, so 4 s for one is a stall).
    UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '1500',
    UPSTREAM_IDLE_TIMEOUT_MS: '1500',
    UPSTREAM_GENERATE_TIMEOUT_MS: '4000',
    UPSTREAM_MAX_ATTEMPTS: '2',
    SHUTDOWN_GRACE_MS: String(settings.shutdownGraceMs),
  };
  const cli = (args: string[]) => runCli(args, env);
  const migrated = await cli(['migrate']);
  if (migrated.code !== 0) throw new Error(`migrate failed:\n${migrated.stderr}`);
  const created = await cli(['accounts', 'create', '--name', 'chaos', '--credit-limit', '100000', '--json']);
  if (created.code !== 0) throw new Error(`accounts create failed:\n${created.stderr}`);
  const { account, apiKey } = JSON.parse(created.stdout) as { account: { id: string }; apiKey: string };

  const supervise = (name: string, servingLine: string, overrides: Record<string, string> = {}) =>
    superviseService({ name, env: { ...env, ...overrides }, servingLine, onStart: (started) => processes.push(started) });
  const replicas: Replica[] = [];
  for (let index = 0; index < 2; index += 1) {
    const port = await freePort();
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-chaos-spool-'));
    replicas.push({ url: `http://127.0.0.1:${port}`, port, spoolDir, service: supervise('gateway', 'gateway listening', { PORT: String(port), SPOOL_DIR: spoolDir }) });
  }
  services.push(...replicas.map((replica) => replica.service));
  await Promise.all(replicas.map((replica) => replicaReady(replica)));
  const worker = supervise('billing-worker', 'billing worker started');
  services.push(worker);

  const queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: queueConnection });
  const deadLetters = new Queue(`${QUEUE}-dead-letter`, { connection: queueConnection });
  // Redis restarts on purpose: the connection reconnects, and a count asked meanwhile is asked again.
  for (const emitter of [queueConnection, queue, deadLetters]) emitter.on('error', () => undefined);
  const pendingJobs = async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  };

  const cluster: ChaosCluster = {
    env,
    postgres,
    redis,
    upstream,
    replicas,
    worker,
    processes,
    unplannedExits: () => services.flatMap((service) => service.unplannedExits),
    apiKey,
    accountId: account.id,
    cli,
    async restartReplica(replica, downMs) {
      await replica.service.bounce({ signal: 'SIGTERM', graceMs: settings.shutdownGraceMs + 30_000 }, downMs);
      await replicaReady(replica);
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spooled = replicas.some((replica) => spoolHoldsEvents(replica.spoolDir));
        if (!spooled && (await pendingJobs().catch(() => 1)) === 0) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async queueCounts() {
      return { pending: await pendingJobs(), deadLetters: await deadLetters.count() };
    },
    async stop() {
      await Promise.all(services.map((service) => service.stop()));
      await Promise.all([queue.close(), deadLetters.close()]);
      queueConnection.disconnect();
      await Promise.all([upstream.close(), redis.stop(), postgres.stop()]);
      for (const replica of replicas) rmSync(replica.spoolDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Whether a spool directory still holds an event: a non-empty spool file or a replay left unfinished. */
export function spoolHoldsEvents(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((name) => statSync(path.join(dir, name)).size > 0);
}

/** Waits until the replica answers ready (its supervisor restarts it meanwhile if it fails to start). */
function replicaReady(replica: Replica): Promise<void> {
  return waitForReady(replica.url, { timeoutMs: 60_000, describe: () => replica.service.current.output().slice(-4_000) });
}
