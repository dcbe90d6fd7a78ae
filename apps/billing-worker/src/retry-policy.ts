import type { BackoffStrategy } from 'bullmq';

/**
 * How metering jobs are retried: for as long as it takes, since an answered request must be billed whatever the
 * length of a Postgres outage or a crash loop. The worker enforces this whatever options a job was added with
 * (see METERING_BACKOFF_TYPE and UNLIMITED_ATTEMPTS in @tollgate/db for what the gateway adds jobs with).
 */

/** Stalls (lock lost: worker killed, event loop blocked) a job survives before BullMQ fails it: in effect unlimited. */
export const UNLIMITED_STALLS = 2 ** 31 - 1;

/** First retry delay and its cap, in milliseconds. */
export interface RetryDelays {
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelays = { firstMs: 1_000, maxMs: 60_000 };

/** The delay before retry number `attemptsMade` (1-based): exponential from `firstMs`, never above `maxMs`. */
export function retryDelayMs(attemptsMade: number, delays: RetryDelays): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 30); // 2^30 × 1 ms already exceeds any sane cap
  return Math.min(delays.firstMs * 2 ** exponent, delays.maxMs);
}

/** The worker's BullMQ `settings.backoffStrategy`: the capped exponential delay for every custom backoff type. */
export function cappedExponentialBackoff(delays: RetryDelays): BackoffStrategy {
  return (attemptsMade) => retryDelayMs(attemptsMade, delays);
}
