import { performance } from 'node:perf_hooks';
import type { PrismaClient } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';
import { recordUsageBatch, type BatchResult, type CommittedDebt } from './record-usage';

interface Pending {
  event: MeteringEvent;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups the events of concurrently processed jobs into one transaction each (up to `maxBatch`, or whatever
 * arrived within `maxWaitMs`), so that many events for one account cost one debt update instead of one row-lock
 * each. `lanes` batches commit at a time (one fills and is sent while another commits; batches sharing accounts
 * wait for each other's row locks, taken in id order). Every job still waits for its own event to commit. When a
 * batch fails, its events are recorded one by one, so a poison event fails only its own job.
 */
export class UsageBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly lanes: Array<Promise<void>>;
  private nextLane = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: { maxBatch: number; maxWaitMs: number; lanes: number } = { maxBatch: 200, maxWaitMs: 10, lanes: 2 },
    /**
     * Runs after each commit (the gateway's view of funds learns the committed debts); when it fails, the batch's
     * jobs fail and are retried — their events are repeats by then, and the next commit tells it again.
     */
    private readonly afterCommit: (committed: CommittedDebt[]) => Promise<void> = async () => undefined,
    /** Told each committed batch's size and transaction time (the worker's metrics). */
    private readonly onBatch: (size: number, seconds: number) => void = () => undefined,
  ) {
    this.lanes = Array.from({ length: options.lanes }, () => Promise.resolve());
  }

  /** Resolves once the event is committed: true if newly recorded, false if it was a repeat. */
  record(event: MeteringEvent): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.schedule(0);
      else if (!this.timer) this.schedule(this.options.maxWaitMs);
    });
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending.splice(0, this.options.maxBatch);
      if (this.pending.length > 0) this.schedule(this.pending.length >= this.options.maxBatch ? 0 : this.options.maxWaitMs);
      const lane = this.nextLane;
      this.nextLane = (lane + 1) % this.lanes.length;
      this.lanes[lane] = (this.lanes[lane] as Promise<void>).then(() => this.flush(batch));
    }, delayMs);
  }

  /**
   * Commits a batch; what follows the commit (telling the funds view, answering the jobs) runs beside the next
   * batches' transactions — the committed debts carry versions, so their order does not matter.
   */
  private async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    let result: BatchResult;
    const started = performance.now();
    try {
      result = await recordUsageBatch(this.prisma, batch.map((item) => item.event));
      this.onBatch(batch.length, (performance.now() - started) / 1000);
    } catch {
      for (const item of batch) {
        await recordUsageBatch(this.prisma, [item.event])
          .then(async (one) => {
            await this.afterCommit(one.committed);
            item.resolve(one.recorded.has(item.event.requestId));
          })
          .catch(item.reject);
      }
      return;
    }
    void this.afterCommit(result.committed).then(
      () => {
        const seen = new Set<string>();
        for (const item of batch) {
          // A request id twice in one batch: the first job recorded it, the second is a repeat.
          item.resolve(result.recorded.has(item.event.requestId) && !seen.has(item.event.requestId));
          seen.add(item.event.requestId);
        }
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  }
}
