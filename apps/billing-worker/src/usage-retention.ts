import type { Logger } from 'pino';
import type { PrismaClient } from '@tollgate/db';

/** How often expired raw usage rows are looked for (and once at start). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * Rows one statement deletes: each chunk is its own short transaction, so the row locks it takes are held for
 * milliseconds and the batch inserts of the worker never queue behind a long delete.
 */
export const RETENTION_CHUNK_SIZE = 5_000;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletes the raw usage rows (`usage_records`) of requests that started before `olderThan`, oldest first, `chunkSize`
 * rows per statement until none is left or `shouldStop()` says so; returns how many went. Only raw rows: ledger
 * entries and daily rollups stay, so debts and usage reports are unchanged, and the worker never bills a redelivered
 * event again (it checks the ledger, not the raw rows). Rows another worker is deleting at the same moment are
 * skipped (SKIP LOCKED), not waited for.
 */
export async function deleteExpiredUsageRecords(
  prisma: PrismaClient,
  options: { olderThan: Date; chunkSize?: number; shouldStop?: () => boolean },
): Promise<number> {
  const chunkSize = options.chunkSize ?? RETENTION_CHUNK_SIZE;
  let deleted = 0;
  for (;;) {
    const count = await prisma.$executeRaw`
      DELETE FROM usage_records WHERE id IN (
        SELECT id FROM usage_records WHERE started_at < ${options.olderThan} ORDER BY started_at LIMIT ${chunkSize}
        FOR UPDATE SKIP LOCKED)`;
    deleted += count;
    if (count < chunkSize || options.shouldStop?.()) return deleted;
  }
}

/** The running retention of a worker process. */
export interface UsageRetention {
  /** Runs one pass now (after any pass in progress); resolves with the rows it deleted, or 0 when it failed. */
  runNow(): Promise<number>;
  /** Stops the timer and ends a pass in progress after its current chunk. */
  stop(): Promise<void>;
}

/**
 * Keeps raw usage rows for `retentionDays` (USAGE_RETENTION_DAYS) after their request started: one pass at once,
 * then one every `intervalMs`. A pass that fails (database down, statement timeout) is logged and the next one tries
 * again; nothing else depends on it.
 */
export function startUsageRetention(input: {
  prisma: PrismaClient;
  logger: Logger;
  retentionDays: number;
  intervalMs?: number;
  chunkSize?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}): UsageRetention {
  const now = input.now ?? (() => new Date());
  let stopped = false;
  /** Passes started or queued and not finished. */
  let pending = 0;
  let running: Promise<number> = Promise.resolve(0);

  async function pass(): Promise<number> {
    const olderThan = new Date(now().getTime() - input.retentionDays * DAY_MS);
    const started = Date.now();
    try {
      const deleted = await deleteExpiredUsageRecords(input.prisma, { olderThan, chunkSize: input.chunkSize, shouldStop: () => stopped });
      if (deleted > 0) input.logger.info({ deleted, olderThan, ms: Date.now() - started }, 'usage retention: raw usage rows deleted');
      return deleted;
    } catch (error) {
      input.logger.error({ err: error, olderThan }, 'usage retention failed: raw usage rows kept, tried again at the next pass');
      return 0;
    }
  }

  function runNow(): Promise<number> {
    // Passes never overlap: a slow one (a large backlog) delays the next instead of racing it.
    pending += 1;
    running = running.then(() => (stopped ? 0 : pass())).finally(() => {
      pending -= 1;
    });
    return running;
  }

  void runNow();
  // A tick during a pass is skipped rather than queued: a backlog is worked through by the pass already running.
  const timer = setInterval(() => {
    if (pending === 0) void runNow();
  }, input.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
