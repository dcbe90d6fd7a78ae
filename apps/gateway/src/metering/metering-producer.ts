import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { MeteringEvent } from '@tollgate/schemas';
import type { EventSpool } from './event-spool';

/** Job options of every metering job: retried with backoff by the worker; failures kept for inspection. */
export const METERING_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: false,
} as const;

/**
 * Puts metering events on the BullMQ queue (`jobId` = request id, so a repeat is dropped). Never throws and never
 * loses an event: when Redis does not answer in time, after a few tries, the event is spooled to disk and a timer
 * replays the spool once Redis is back.
 */
export class MeteringProducer {
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly queue: Queue,
    private readonly spool: EventSpool,
    private readonly logger: Logger,
    private readonly options: { attempts: number; timeoutMs: number; replayEveryMs: number } = { attempts: 3, timeoutMs: 2_000, replayEveryMs: 5_000 },
  ) {
    this.timer = setInterval(() => void this.replaySpool(), options.replayEveryMs);
    this.timer.unref();
  }

  /** Records an event; resolves once it is on the queue or safely spooled. */
  emit(event: MeteringEvent): Promise<void> {
    const work = this.enqueueOrSpool(event);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Moves spooled events to the queue; returns how many went. */
  async replaySpool(): Promise<number> {
    const result = await this.spool.replay((event) => this.enqueue(event));
    if (result.sent > 0) this.logger.info({ sent: result.sent, left: result.failed }, 'replayed spooled metering events');
    return result.sent;
  }

  /** Waits for events being emitted, then stops the replay timer (the spool is replayed by the next start). */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    clearInterval(this.timer);
  }

  private async enqueueOrSpool(event: MeteringEvent): Promise<void> {
    for (let attempt = 1; attempt <= this.options.attempts; attempt += 1) {
      try {
        await this.enqueue(event);
        return;
      } catch (error) {
        this.logger.warn({ err: error, requestId: event.requestId, attempt }, 'metering enqueue failed');
        if (attempt < this.options.attempts) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    try {
      await this.spool.append(event);
      this.logger.warn({ requestId: event.requestId }, 'Redis unavailable: metering event spooled to disk');
    } catch (error) {
      // Last resort: the event is in the log line, from which an operator can replay it.
      this.logger.fatal({ err: error, event }, 'metering event could not be enqueued nor spooled');
    }
  }

  private async enqueue(event: MeteringEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      await Promise.race([this.queue.add('usage', event, { ...METERING_JOB_OPTIONS, jobId: event.requestId }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
