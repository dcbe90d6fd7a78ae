/**
 * Where metering events live between the gateway and the ledger, named once for the gateway (producer and spool),
 * the billing worker and `tollgate reconcile`.
 */

/** The queue where metering events that can never be recorded are kept, with their reason, for an operator. */
export function deadLetterQueueName(queueName: string): string {
  return `${queueName}-dead-letter`;
}

/** The backoff type metering jobs are added with; the billing worker computes its delays (exponential, capped). */
export const METERING_BACKOFF_TYPE = 'metering-capped-exponential';

/**
 * Attempts a metering job is given: in effect unlimited (decades at the capped delay), because an answered request
 * must be billed however long Postgres is down. The worker enforces this whatever a job was added with.
 */
export const UNLIMITED_ATTEMPTS = 2 ** 31 - 1;

/** The name of every metering job (BullMQ job names are labels; the job id is the request id). */
export const METERING_JOB_NAME = 'usage';

/**
 * Job options of every metering job, for whoever puts an event on the queue (the gateway, a spool replay, `tollgate
 * dlq retry`): retried for as long as it takes (a Postgres outage must delay billing, not drop it), with the billing
 * worker's backoff — exponential from 1 s, capped (the worker enforces both whatever a job carries); completed jobs
 * are kept a day (their ids turn a repeated enqueue of the same request into a no-op); anything that still fails is
 * kept for inspection (and dead-lettered by the worker).
 */
export const METERING_JOB_OPTIONS = {
  attempts: UNLIMITED_ATTEMPTS,
  backoff: { type: METERING_BACKOFF_TYPE, delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: false,
} as const;

/** The file in SPOOL_DIR where a gateway appends the metering events it could not enqueue. */
export const SPOOL_FILE_NAME = 'metering-events.jsonl';

/** A spool file claimed by a replay ends so; one left behind by a crash is claimed again by the next replay. */
export const REPLAYING_SUFFIX = '.replaying';

/** Whether a file in SPOOL_DIR holds metering events waiting to be enqueued. */
export function isSpoolFile(name: string): boolean {
  return name === SPOOL_FILE_NAME || isReplayingFile(name);
}

/** Whether a file in SPOOL_DIR is a spool file claimed by a replay (in progress, or orphaned by a crash). */
export function isReplayingFile(name: string): boolean {
  return name.startsWith(`${SPOOL_FILE_NAME}.`) && name.endsWith(REPLAYING_SUFFIX);
}
