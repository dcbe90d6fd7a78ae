import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import { deadLetterQueueName, METERING_JOB_NAME, METERING_JOB_OPTIONS } from './metering-queue';

/** A metering event the billing worker could not record, as kept in the dead-letter queue. */
export interface DeadLetter {
  /** The dead-letter job id: the metering job id, i.e. the request id (for a valid event). */
  id: string;
  /** Why the worker gave up on it (an invalid event, a database rejection such as a missing account). */
  reason: string;
  /** The event's request id and account, when its data carries them (an invalid event may not). */
  requestId: string | null;
  accountId: string | null;
  /** When it was dead-lettered, ISO 8601. */
  addedAt: string;
  /** Attempts the metering job had made when it was dead-lettered, when the worker recorded them. */
  attempts: number | null;
}

/** What the billing worker stores in a dead-letter job (see the worker's `deadLetter`). */
interface DeadLetterData {
  reason?: unknown;
  jobId?: unknown;
  data?: unknown;
  attempts?: unknown;
}

/** The states a dead-letter entry can be in: nothing consumes that queue, so entries normally sit waiting. */
const DEAD_LETTER_STATES = ['wait', 'delayed', 'prioritized', 'waiting-children', 'active', 'completed', 'failed'] as const;

/** The states in which a metering job is finished: it is re-added only once its old job is out of the way. */
const FINISHED_STATES = new Set(['failed', 'completed']);

/**
 * A retried event is added this long in the future, so that the worker cannot fail it again before its dead-letter
 * entry is removed (a second failure then finds no entry and dead-letters it afresh, with its new reason).
 */
const RETRY_DELAY_MS = 1_000;

/** How many dead-letter entries are read from Redis at once. */
const PAGE_SIZE = 500;

/** The dead-letter entries of the metering queue `queueName`, oldest first, at most `limit` (default 100). */
export async function listDeadLetters(connection: ConnectionOptions, queueName: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
  const deadLetters = new Queue(deadLetterQueueName(queueName), { connection });
  try {
    return (await readOldest(deadLetters, options.limit ?? 100)).map(describe);
  } finally {
    await deadLetters.close();
  }
}

/** How many entries the dead-letter queue of `queueName` holds. */
export async function countDeadLetters(connection: ConnectionOptions, queueName: string): Promise<number> {
  const deadLetters = new Queue(deadLetterQueueName(queueName), { connection });
  try {
    return Object.values(await deadLetters.getJobCounts(...DEAD_LETTER_STATES)).reduce((sum, count) => sum + count, 0);
  } finally {
    await deadLetters.close();
  }
}

/** What `retryDeadLetters` did: the entries put back on the metering queue, and the ids asked for that do not exist. */
export interface DeadLetterRetry {
  retried: string[];
  notFound: string[];
}

/**
 * Puts dead-lettered events back on the metering queue (one by id, or all of them), for an operator who fixed their
 * cause (created the missing account, deployed a worker that understands the event). For each entry, in this order,
 * so that the event is in one of the two queues at every moment:
 * 1. the original metering job is removed if it is finished: it sits in the failed set under the same job id, and
 *    BullMQ ignores an add whose job id exists;
 * 2. the event is added again with the gateway's job options (METERING_JOB_OPTIONS, job id = the request id), unless
 *    its original job is still queued or running (someone retried it already);
 * 3. the dead-letter entry is removed.
 * The worker records an event once whatever happens (the ledger is keyed by request id), so retrying one that was
 * recorded meanwhile changes nothing. An event that fails again is dead-lettered again, with its new reason.
 */
export async function retryDeadLetters(
  connection: ConnectionOptions,
  queueName: string,
  which: { all: true } | { id: string },
): Promise<DeadLetterRetry> {
  const metering = new Queue(queueName, { connection });
  const deadLetters = new Queue(deadLetterQueueName(queueName), { connection });
  const result: DeadLetterRetry = { retried: [], notFound: [] };
  try {
    if ('id' in which) {
      const entry = await deadLetters.getJob(which.id);
      if (entry) result.retried.push(await retryOne(metering, entry));
      else result.notFound.push(which.id);
      return result;
    }
    // Retried entries leave the queue, so the oldest page is read again until none is left; an entry seen twice
    // (it could not be removed: it is being moved by someone else) ends the loop rather than spinning on it.
    const seen = new Set<string>();
    for (;;) {
      const page = (await readOldest(deadLetters, PAGE_SIZE)).filter((entry) => entry.id !== undefined && !seen.has(entry.id));
      if (page.length === 0) return result;
      for (const entry of page) {
        seen.add(entry.id as string);
        result.retried.push(await retryOne(metering, entry));
      }
    }
  } finally {
    await Promise.all([metering.close(), deadLetters.close()]);
  }
}

async function retryOne(metering: Queue, entry: Job): Promise<string> {
  const stored = (entry.data ?? {}) as DeadLetterData;
  const jobId = typeof stored.jobId === 'string' ? stored.jobId : (entry.id as string);
  const original = await metering.getJob(jobId);
  const state = original ? await original.getState() : 'missing';
  if (original && FINISHED_STATES.has(state)) await original.remove();
  if (!original || FINISHED_STATES.has(state)) {
    await metering.add(METERING_JOB_NAME, stored.data, { ...METERING_JOB_OPTIONS, jobId, delay: RETRY_DELAY_MS });
  }
  await entry.remove();
  return entry.id as string;
}

/** The oldest `limit` entries of a dead-letter queue, across every state. */
async function readOldest(deadLetters: Queue, limit: number): Promise<Job[]> {
  // getJobs pages each state separately: read `limit` of each, then keep the oldest `limit` overall.
  const jobs = await deadLetters.getJobs([...DEAD_LETTER_STATES], 0, limit - 1, true);
  return jobs
    .filter((job): job is Job => Boolean(job))
    .sort((left, right) => left.timestamp - right.timestamp)
    .slice(0, limit);
}

function describe(job: Job): DeadLetter {
  const stored = (job.data ?? {}) as DeadLetterData;
  const event = (stored.data ?? {}) as { requestId?: unknown; accountId?: unknown };
  return {
    id: job.id ?? '?',
    reason: typeof stored.reason === 'string' ? stored.reason : job.failedReason || '(no reason recorded)',
    requestId: typeof event.requestId === 'string' ? event.requestId : null,
    accountId: typeof event.accountId === 'string' ? event.accountId : null,
    addedAt: new Date(job.timestamp).toISOString(),
    attempts: typeof stored.attempts === 'number' ? stored.attempts : null,
  };
}
