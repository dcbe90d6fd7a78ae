import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { deadLetterQueueName, databaseRejection, type PrismaClient } from '@tollgate/db';
import { toNanoUsdCeil } from '@tollgate/billing';
import { StateCommands } from '@tollgate/redis-state';
import { meteringEventSchema } from '@tollgate/schemas';
import type { Redis } from 'ioredis';
import { cappedExponentialBackoff, DEFAULT_RETRY_DELAYS, retryDelayMs, UNLIMITED_STALLS, type RetryDelays } from './retry-policy';
import { KeyLastUse } from './key-last-use';
import { UsageBatcher } from './usage-batcher';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { WorkerMetrics } from './worker-metrics';

export { deadLetterQueueName };

/** A job failed on purpose after its event was copied to the dead-letter queue (so the 'failed' handler skips it). */
class DeadLetteredError extends UnrecoverableError {}

/**
 * The BullMQ consumer of metering events. A valid event is recorded (idempotently). An event can be delayed, never
 * dropped:
 * - a transient failure (database down, locked, slow) is retried for as long as it takes, with a capped
 *   exponential backoff, whatever attempts the job was added with (on its last one, the worker delays it itself);
 * - a job whose worker dies mid-job (lock lost: a stall) is retried however often that happens;
 * - an invalid event, or one the database rejects for good, is copied to the dead-letter queue with its reason and
 *   failed without retry; anything else that still ends in the failed set is copied there too, logged at error
 *   level (the dead-letter job id is the job id, so an event is listed once). `tollgate reconcile` reports both.
 * Events of jobs processed concurrently are committed together in batches (see UsageBatcher).
 */
export function createMeteringWorker(input: {
  queueName: string;
  connection: Redis;
  prisma: PrismaClient;
  logger: Logger;
  concurrency: number;
  /** Retry delays of transient failures (default: 1 s doubling up to 60 s). */
  retryDelays?: RetryDelays;
  /** BullMQ's job lock and stalled-job check period (defaults 30 s each); tests shorten them to simulate crashes. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Serve the worker's metrics at GET /metrics on this port (METRICS_PORT); unset or 0 = no server. */
  metricsPort?: number;
}): { worker: Worker; deadLetters: Queue; metrics: WorkerMetrics; deadLetterFailedJobs(): Promise<number>; close(): Promise<void> } {
  const deadLetters = new Queue(deadLetterQueueName(input.queueName), { connection: input.connection });
  const funds = new StateCommands(input.connection);
  // Process metrics only with a server to show them: tests run many workers in one process.
  const metrics = new WorkerMetrics({ processMetrics: Boolean(input.metricsPort) });
  const watched = new Queue(input.queueName, { connection: input.connection });
  // A Queue re-emits its connection's errors and, with no listener, prints them raw to stderr: the shared connection
  // already logs each one (main.ts), so the queues' copies are dropped here rather than printed twice, unstructured.
  for (const queue of [deadLetters, watched]) queue.on('error', () => undefined);
  metrics.watchQueues(watched, deadLetters);
  let metricsServer: Promise<MetricsServer | undefined> = Promise.resolve(undefined);
  if (input.metricsPort) {
    metricsServer = startMetricsServer(metrics.registry, input.metricsPort).then(
      (server) => {
        input.logger.info({ port: server.port }, 'billing worker metrics on GET /metrics');
        return server;
      },
      (error: unknown) => {
        // Metering goes on without its metrics: a busy port must not stop the ledger.
        input.logger.error({ err: error, port: input.metricsPort }, 'billing worker metrics server could not start');
        return undefined;
      },
    );
  }
  // After each commit the gateway's view of funds learns the committed debt, and forgets those requests' pending
  // costs; the same for the spend of each capped key, versioned by its account's debt version.
  const batcher = new UsageBatcher(input.prisma, undefined, async (committed) => {
    await Promise.all(
      committed.flatMap((account) => [
        funds.commit({ accountId: account.accountId, debtNano: toNanoUsdCeil(account.debt), version: account.version, requestIds: account.requestIds }),
        ...account.keySpends.map((key) =>
          funds.commitKeySpend({ accountId: account.accountId, apiKeyId: key.apiKeyId, spendNano: toNanoUsdCeil(key.spend), version: account.version, requestIds: key.requestIds }),
        ),
      ]),
    );
  }, (size, seconds) => metrics.batchCommitted(size, seconds));
  const retryDelays = input.retryDelays ?? DEFAULT_RETRY_DELAYS;
  const handling = new Set<Promise<void>>();
  const lastUse = new KeyLastUse(input.prisma, input.logger);

  /** Copies a job to the dead-letter queue (once: its id is the dead-letter job id) and logs it at error level. */
  async function deadLetter(job: Job, reason: string): Promise<boolean> {
    if (job.id !== undefined && (await deadLetters.getJob(job.id))) return false;
    const attempts = Math.max(job.attemptsMade, job.attemptsStarted);
    await deadLetters.add('dead-letter', { reason, jobId: job.id, data: job.data as unknown, attempts }, { jobId: job.id, removeOnComplete: false, removeOnFail: false });
    input.logger.error({ jobId: job.id, reason, attempts }, 'metering event moved to the dead-letter queue: not recorded');
    return true;
  }

  async function moveAside(job: Job, reason: string): Promise<never> {
    await deadLetter(job, reason);
    throw new DeadLetteredError(reason);
  }

  /**
   * A transient failure: BullMQ retries it with the job's backoff while the job has attempts left; on its last one
   * (a job added with few attempts) the worker delays the job itself, which costs no attempt, so it never fails.
   */
  async function retryLater(job: Job, token: string | undefined, error: unknown): Promise<never> {
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade + 1 < attempts || token === undefined) throw error;
    const delayMs = retryDelayMs(Math.max(job.attemptsMade, job.attemptsStarted), retryDelays);
    input.logger.warn({ jobId: job.id, attemptsStarted: job.attemptsStarted, delayMs, err: error }, 'metering job failed on its last attempt: delayed, not failed');
    try {
      await job.moveToDelayed(Date.now() + delayMs, token);
    } catch {
      throw error; // Redis unreachable too: the 'failed' handler or the stalled-job check brings the job back
    }
    throw new DelayedError();
  }

  /** What happens once a job has failed; final failures are retried (transient) or dead-lettered (anything else). */
  async function onFailed(job: Job, error: Error): Promise<void> {
    if (!job.finishedOn) {
      input.logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: error }, 'metering job failed: will be retried');
      return;
    }
    if (error instanceof DeadLetteredError) return;
    if (!(error instanceof UnrecoverableError)) {
      try {
        await job.retry('failed');
        input.logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: error }, 'metering job ran out of attempts: retried');
        return;
      } catch (retryError) {
        input.logger.warn({ jobId: job.id, err: retryError }, 'metering job ran out of attempts and could not be retried');
      }
    }
    await deadLetter(job, error.message || job.failedReason || 'failed');
  }

  const worker = new Worker(
    input.queueName,
    async (job: Job, token?: string) => {
      const parsed = meteringEventSchema.safeParse(job.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return moveAside(job, `invalid metering event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
      }
      try {
        const recorded = await batcher.record(parsed.data);
        metrics.eventCommitted(parsed.data, recorded);
        lastUse.note(parsed.data.apiKeyId, parsed.data.timings.startedAt);
        return { recorded };
      } catch (error) {
        const rejection = databaseRejection(error);
        if (rejection) return moveAside(job, `rejected by the database (${rejection})`);
        return retryLater(job, token, error);
      }
    },
    {
      connection: input.connection,
      concurrency: input.concurrency,
      autorun: true,
      // BullMQ's default (1) fails a job whose worker died twice while holding it: a crash loop, or a database slow
      // or locked past the lock duration, would drop answered requests. Stalled jobs go back to wait, every time.
      maxStalledCount: UNLIMITED_STALLS,
      settings: { backoffStrategy: cappedExponentialBackoff(retryDelays) },
      ...(input.lockDurationMs === undefined ? {} : { lockDuration: input.lockDurationMs }),
      ...(input.stalledIntervalMs === undefined ? {} : { stalledInterval: input.stalledIntervalMs }),
    },
  );
  worker.on('failed', (job, error) => {
    if (!job) {
      input.logger.error({ err: error }, 'metering job failed (job unknown)');
      return;
    }
    const handled = onFailed(job, error).catch((handlerError: unknown) =>
      input.logger.error({ jobId: job.id, reason: error.message, err: handlerError }, 'metering job failed and could not be dead-lettered: it stays in the failed set'),
    );
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });
  worker.on('error', (error) => input.logger.warn({ err: error }, 'metering worker error'));

  /** Copies every job of the failed set that is not in the dead-letter queue yet (e.g. failed by an older worker). */
  async function deadLetterFailedJobs(): Promise<number> {
    const queue = new Queue(input.queueName, { connection: input.connection });
    queue.on('error', () => undefined); // logged by the connection, as above
    let copied = 0;
    try {
      const pageSize = 500;
      for (let start = 0; ; start += pageSize) {
        const jobs = await queue.getFailed(start, start + pageSize - 1);
        for (const job of jobs as Job[]) {
          if (await deadLetter(job, job.failedReason || 'failed')) copied += 1;
        }
        if (jobs.length < pageSize) return copied;
      }
    } finally {
      await queue.close();
    }
  }
  const sweep = deadLetterFailedJobs().catch((error: unknown) => input.logger.warn({ err: error }, 'could not check the failed set for events to dead-letter'));
  handling.add(sweep.then(() => undefined));

  return {
    worker,
    deadLetters,
    metrics,
    deadLetterFailedJobs,
    async close() {
      await worker.close();
      await Promise.all([...handling]);
      await lastUse.close();
      await (await metricsServer)?.close();
      await watched.close();
      await deadLetters.close();
    },
  };
}
