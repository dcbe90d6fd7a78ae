import type { Queue } from 'bullmq';
import { METERING_JOB_NAME } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

interface Waiting {
  event: MeteringEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Puts metering events on the queue in groups, one `addBulk` (one round trip) at a time: an event emitted while
 * nothing is being sent goes at once, alone; events emitted while a group is on its way go together in the next one.
 * So a quiet gateway adds no wait, and a busy one sends one write for many events instead of one each. Every emit
 * still resolves only once its own event is on the queue, and fails after `timeoutMs` (the producer then retries or
 * spools it); a group that takes longer than that is given up and the next one goes: a stalled Redis never holds
 * the line.
 */
export class BulkEnqueuer {
  private waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly queue: Queue,
    private readonly jobOptions: object,
    private readonly options: { maxGroup: number; timeoutMs: number } = { maxGroup: 500, timeoutMs: 2_000 },
  ) {}

  /**
   * Resolves once the event's job is on the queue (a repeat of a job still kept adds nothing); rejects after
   * `timeoutMs` from now, waiting included (an event still waiting is then not sent).
   */
  add(event: MeteringEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((other) => other !== waiting);
        reject(new Error(`enqueue timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const waiting: Waiting = {
        event,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiting.push(waiting);
      if (!this.sending) this.sendNext();
    });
  }

  private sendNext(): void {
    const group = this.waiting.splice(0, this.options.maxGroup);
    this.sending = group.length > 0;
    if (!this.sending) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    const jobs = group.map(({ event }) => ({ name: METERING_JOB_NAME, data: event, opts: { ...this.jobOptions, jobId: event.requestId } }));
    Promise.race([this.queue.addBulk(jobs), timeout])
      .then(
        () => group.forEach((waiting) => waiting.resolve()),
        (error: unknown) => group.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        clearTimeout(timer);
        this.sendNext();
      });
  }
}
