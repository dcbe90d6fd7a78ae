import { Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { METERING_JOB_OPTIONS } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';
import { BulkEnqueuer } from './bulk-enqueuer';
import type { EventSpool } from './event-spool';

/** Counts what goes wrong on the way to the queue (see GatewayMetrics). */
export interface MeteringObserver {
  enqueueFailed(): void;
  eventSpooled(): void;
}

/**
 * Puts metering events on the BullMQ queue (`jobId` = request id, so a repeat is dropped; concurrent events go
 * together, see BulkEnqueuer). Never throws and never loses an event: when Redis does not answer in time, after a
 * few tries, the event is spooled to disk and a timer replays the spool once Redis is back.
 */
export class MeteringProducer {
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private replaying: Promise<number> | undefined;
  /** Events this process spooled that no replay has handed back yet. */
  private unreplayed = 0;
  private beforeReplayHook: (event: MeteringEvent) => Promise<void> = async () => undefined;
  private observer: MeteringObserver = { enqueueFailed: () => undefined, eventSpooled: () => undefined };
  private readonly enqueuer: BulkEnqueuer;

  constructor(
    private readonly queue: Queue,
    private readonly spool: EventSpool,
    private readonly logger: Logger,
    private readonly options: { attempts: number; timeoutMs: number; replayEveryMs: number } = { attempts: 3, timeoutMs: 2_000, replayEveryMs: 5_000 },
  ) {
    this.enqueuer = new BulkEnqueuer(queue, METERING_JOB_OPTIONS, { maxGroup: 500, timeoutMs: options.timeoutMs });
    // A timer's rejection would be unhandled (and can end the process): a failed replay is logged and retried on
    // the next tick, its files left in place. A tick while a replay still runs is skipped.
    this.timer = setInterval(() => {
      if (this.replaying) return;
      this.replaySpool().catch((error: unknown) => this.logger.error({ err: error }, 'replaying the metering spool failed: events stay spooled, retried later'));
    }, options.replayEveryMs);
    this.timer.unref();
  }

  /** Records an event; resolves once it is on the queue or safely spooled (or, failing both, logged whole). */
  emit(event: MeteringEvent): Promise<void> {
    const work = this.enqueueOrSpool(event).catch((error: unknown) => {
      // enqueueOrSpool handles its failures; this is the last guard that the event reaches at least the log.
      this.logger.fatal({ err: error, event }, 'metering event could not be enqueued nor spooled');
    });
    this.inFlight.add(work);
    void work.then(() => this.inFlight.delete(work));
    return work;
  }

  /** Runs before a spooled event goes back to the queue (the funds view counts it as pending first). */
  beforeReplay(hook: (event: MeteringEvent) => Promise<void>): void {
    this.beforeReplayHook = hook;
  }

  /** Who counts failed enqueue tries and spooled events (the gateway's metrics). */
  observe(observer: MeteringObserver): void {
    this.observer = observer;
  }

  /** How many events this process spooled that no replay has handed back yet. */
  unreplayedEvents(): number {
    return this.unreplayed;
  }

  /** Whether this process spooled events that are not back on the queue yet: money the funds view cannot see. */
  hasUnreplayedEvents(): boolean {
    return this.unreplayed > 0;
  }

  /** Moves spooled events to the queue; returns how many went. Rejects on a spool I/O error. */
  replaySpool(): Promise<number> {
    const run = this.replayOnce().finally(() => {
      if (this.replaying === run) this.replaying = undefined;
    });
    this.replaying = run;
    return run;
  }

  /**
   * Waits for every event being emitted — those emitted while waiting too — and for a replay in progress, then stops
   * the replay timer (what is left in the spool is replayed by the next start).
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0 || this.replaying) {
      await Promise.all([...this.inFlight, this.replaying?.catch(() => undefined)]);
    }
  }

  private async replayOnce(): Promise<number> {
    const result = await this.spool.replay((event) => this.replayOne(event));
    this.unreplayed = Math.max(0, this.unreplayed - result.sent);
    if (result.sent > 0 || result.failed > 0) this.logger.info({ sent: result.sent, left: result.failed }, 'replayed spooled metering events');
    if (result.unreadable > 0) this.logger.error({ lines: result.unreadable }, 'metering spool holds lines that are not events: kept in the spool for an operator');
    return result.sent;
  }

  private async enqueueOrSpool(event: MeteringEvent): Promise<void> {
    for (let attempt = 1; attempt <= this.options.attempts; attempt += 1) {
      try {
        await this.enqueuer.add(event);
        return;
      } catch (error) {
        this.observer.enqueueFailed();
        this.logger.warn({ err: error, requestId: event.requestId, attempt }, 'metering enqueue failed');
        if (attempt < this.options.attempts) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    try {
      await this.spool.append(event);
      this.unreplayed += 1;
      this.observer.eventSpooled();
      this.logger.warn({ requestId: event.requestId }, 'Redis unavailable: metering event spooled to disk');
    } catch (error) {
      // Last resort: the event is in the log line, from which an operator can replay it.
      this.logger.fatal({ err: error, event }, 'metering event could not be enqueued nor spooled');
    }
  }

  /**
   * Hands one spooled event back: skipped if its job already completed (an enqueue that timed out but landed: the
   * worker has committed it), else counted as pending, then queued (a job still waiting is not added twice).
   */
  private async replayOne(event: MeteringEvent): Promise<void> {
    const existing = await Job.fromId(this.queue, event.requestId);
    if (existing && (await existing.isCompleted())) return;
    await this.beforeReplayHook(event);
    await this.enqueuer.add(event);
  }
}
