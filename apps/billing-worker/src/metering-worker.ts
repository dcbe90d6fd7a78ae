import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { PrismaClient } from '@tollgate/db';
import { meteringEventSchema } from '@tollgate/schemas';
import { UsageBatcher } from './usage-batcher';

/** The queue where events that can never be recorded are kept, with their reason, for an operator. */
export function deadLetterQueueName(queueName: string): string {
  return `${queueName}-dead-letter`;
}

/** Prisma's codes for data the database will never accept (unknown account, value out of range, ...). */
const PERMANENT_DATABASE_ERRORS = new Set(['P2003', 'P2000', 'P2006', 'P2007', 'P2011', 'P2012', 'P2020', 'P2025']);

/**
 * The BullMQ consumer of metering events. A valid event is recorded (idempotently); an invalid one, or one the
 * database rejects for good, is copied to the dead-letter queue with its reason and failed with UnrecoverableError
 * (kept in the failed set, never retried). Transient failures (database down) are retried with backoff by BullMQ.
 * Events of jobs processed concurrently are committed together in batches (see UsageBatcher).
 */
export function createMeteringWorker(input: {
  queueName: string;
  connection: ConnectionOptions;
  prisma: PrismaClient;
  logger: Logger;
  concurrency: number;
}): { worker: Worker; deadLetters: Queue; close(): Promise<void> } {
  const deadLetters = new Queue(deadLetterQueueName(input.queueName), { connection: input.connection });
  const batcher = new UsageBatcher(input.prisma);

  async function moveAside(job: Job, reason: string): Promise<never> {
    await deadLetters.add('dead-letter', { reason, jobId: job.id, data: job.data as unknown }, { jobId: job.id, removeOnComplete: false, removeOnFail: false });
    input.logger.error({ jobId: job.id, reason }, 'metering event moved to the dead-letter queue');
    throw new UnrecoverableError(reason);
  }

  const worker = new Worker(
    input.queueName,
    async (job: Job) => {
      const parsed = meteringEventSchema.safeParse(job.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return moveAside(job, `invalid metering event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
      }
      try {
        const recorded = await batcher.record(parsed.data);
        return { recorded };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code && PERMANENT_DATABASE_ERRORS.has(code)) return moveAside(job, `rejected by the database (${code}): ${(error as Error).message}`);
        throw error; // transient: BullMQ retries with backoff
      }
    },
    { connection: input.connection, concurrency: input.concurrency, autorun: true },
  );
  worker.on('failed', (job, error) => {
    if (!(error instanceof UnrecoverableError)) input.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'metering job failed');
  });
  worker.on('error', (error) => input.logger.warn({ err: error }, 'metering worker error'));

  return {
    worker,
    deadLetters,
    async close() {
      await worker.close();
      await deadLetters.close();
    },
  };
}
