import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MeteringEvent } from '@tollgate/schemas';

/** How long queue counts read on a scrape are reused: several Prometheus replicas scraping cost Redis one read. */
const QUEUE_COUNTS_TTL_MS = 5_000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** A value read at most once per `ttlMs` (concurrent callers share the read in flight). */
function cached<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  let readAt = 0;
  return () => {
    if (!value || Date.now() - readAt > ttlMs) {
      readAt = Date.now();
      value = read().catch((error: unknown) => {
        value = undefined; // a failed read is not kept: the next scrape asks again
        throw error;
      });
    }
    return value;
  };
}

/**
 * The billing worker's Prometheus metrics, on their own registry: batch sizes, commit latency, enqueue→commit lag,
 * events recorded and repeats, and (read on scrape, cached QUEUE_COUNTS_TTL_MS) the metering queue's depth by state
 * and the dead-letter queue's size.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly batchSize = new Histogram({
    name: 'tollgate_worker_batch_size',
    help: 'Events committed together in one ledger transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200],
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'tollgate_worker_commit_duration_seconds',
    help: 'Time of one ledger batch transaction',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly lagSeconds = new Histogram({
    name: 'tollgate_worker_enqueue_to_commit_seconds',
    help: "Time from a request's end (its metering event emitted) to its event committed in the ledger",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'tollgate_worker_events_total',
    help: 'Metering events committed: recorded (new) or duplicate (already in the ledger)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly recorded = this.events.labels('recorded');
  private readonly duplicate = this.events.labels('duplicate');

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Adds the queue gauges, read from Redis on scrape (at most once per QUEUE_COUNTS_TTL_MS). */
  watchQueues(queue: Queue, deadLetters: Queue): void {
    const counts = cached(QUEUE_COUNTS_TTL_MS, () => queue.getJobCounts(...QUEUE_STATES));
    const deadLetterCount = cached(QUEUE_COUNTS_TTL_MS, async () => {
      const byState = await deadLetters.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed');
      return Object.values(byState).reduce((sum, count) => sum + count, 0);
    });
    new Gauge({
      name: 'tollgate_worker_queue_jobs',
      help: 'Jobs of the metering queue by state (waiting, active, delayed, failed)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const byState = await counts();
        for (const state of QUEUE_STATES) this.labels(state).set(byState[state] ?? 0);
      },
    });
    new Gauge({
      name: 'tollgate_worker_dead_letter_jobs',
      help: 'Events in the dead-letter queue (not recorded: see tollgate reconcile)',
      registers: [this.registry],
      async collect() {
        this.set(await deadLetterCount());
      },
    });
  }

  /** One batch committed: its size and how long its transaction took. */
  batchCommitted(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.commitSeconds.observe(seconds);
  }

  /** One event committed (new or a repeat), with its lag from the end of its request. */
  eventCommitted(event: MeteringEvent, newlyRecorded: boolean): void {
    (newlyRecorded ? this.recorded : this.duplicate).inc();
    const emittedAt = Date.parse(event.timings.startedAt) + event.timings.durationMs;
    if (Number.isFinite(emittedAt)) this.lagSeconds.observe(Math.max(0, Date.now() - emittedAt) / 1000);
  }
}
