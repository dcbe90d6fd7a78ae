import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Cost, Usage } from '@tollgate/schemas';

/** Seconds buckets for whole requests and upstream calls: LLM answers take from ~50 ms to minutes. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds buckets for the first token of a stream: the part of the wait a user feels. */
const FIRST_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30];

/** Token classes as they appear in the `class` label, from the Usage fields that hold them. */
const TOKEN_CLASSES = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['reasoning', 'reasoningTokens'],
  ['cache_read', 'cacheReadTokens'],
  ['cache_write', 'cacheWriteTokens'],
] as const;

/** What the spool gauges read on each scrape: its directory, and how many events this process spooled unreplayed. */
export interface SpoolProbe {
  directory: string;
  unreplayedEvents(): number;
}

/**
 * A label-values → child cache: prom-client hashes the label values on every `labels()` call; this keeps one child
 * per combination so a request's metrics cost a Map lookup and an add. Only for bounded labels (route, catalog
 * model and provider, status, code) — never an account or a request id.
 */
function children<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const cache = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = cache.get(key);
    if (!child) {
      child = make(...values);
      cache.set(key, child);
    }
    return child;
  };
}

/**
 * The gateway's Prometheus metrics, on a registry of their own (one per gateway, so tests running several gateways
 * in one process each count their own). Cost is summed as a float here — fine for a dashboard, never for billing:
 * the ledger's exact decimals are the record.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'tollgate_requests_total',
    help: 'HTTP requests answered, by route, model, provider and status (model/provider empty when no model was chosen)',
    labelNames: ['route', 'model', 'provider', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'tollgate_request_duration_seconds',
    help: 'Time from the request to the end of its response (streams: to their last event)',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: 'tollgate_upstream_duration_seconds',
    help: "Time of the upstream call that served a request: to the whole answer (JSON) or to the stream's start (SSE)",
    labelNames: ['provider', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly firstToken = new Histogram({
    name: 'tollgate_time_to_first_token_seconds',
    help: "Streams: time from the request to the upstream stream's first part",
    labelNames: ['model'] as const,
    buckets: FIRST_TOKEN_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'tollgate_tokens_total',
    help: 'Tokens billed, by model and class (input, output, reasoning, cache_read, cache_write)',
    labelNames: ['model', 'class'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'tollgate_cost_usd_total',
    help: 'Cost billed (total with commission), USD, summed as a float: for dashboards only, the ledger is the record',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'tollgate_admission_refusals_total',
    help: 'Requests refused by admission (rate limits, funds, spend caps), by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'tollgate_upstream_retries_total',
    help: 'Upstream calls tried again on the same model after a retryable error',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });
  private readonly fallbacks = new Counter({
    name: 'tollgate_upstream_fallbacks_total',
    help: 'Requests moved on to their next candidate model, by the model given up',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly keySwitches = new Counter({
    name: 'tollgate_upstream_key_switches_total',
    help: 'Upstream tries moved to another key of the same provider after a 401, 403 or 429 on one',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  private readonly keyBenchings = new Counter({
    name: 'tollgate_provider_key_benchings_total',
    help: 'Provider keys benched for failing in a row, by provider and key name (never the key)',
    labelNames: ['provider', 'key'] as const,
    registers: [this.registry],
  });
  private readonly enqueueFailures = new Counter({
    name: 'tollgate_metering_enqueue_failures_total',
    help: 'Tries to put a metering event on the queue that failed (each is retried, then spooled)',
    registers: [this.registry],
  });
  private readonly spooled = new Counter({
    name: 'tollgate_metering_spooled_events_total',
    help: 'Metering events written to the local spool because Redis did not take them',
    registers: [this.registry],
  });

  private readonly requestChild = children((...values) => this.requests.labels(...values));
  private readonly durationChild = children((route) => this.duration.labels(route as string));
  private readonly upstreamChild = children((...values) => this.upstream.labels(...values));
  private readonly firstTokenChild = children((model) => this.firstToken.labels(model as string));
  private readonly tokenChild = children((...values) => this.tokens.labels(...values));
  private readonly costChild = children((model) => this.cost.labels(model as string));

  constructor(options: { processMetrics?: boolean; spool?: SpoolProbe } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const spool = options.spool;
    if (spool) {
      new Gauge({
        name: 'tollgate_metering_spool_bytes',
        help: 'Size of the metering spool on disk (read on each scrape)',
        registers: [this.registry],
        async collect() {
          this.set(await spoolBytes(spool.directory));
        },
      });
      new Gauge({
        name: 'tollgate_metering_spool_events',
        help: 'Metering events this process spooled that are not replayed yet',
        registers: [this.registry],
        collect() {
          this.set(spool.unreplayedEvents());
        },
      });
    }
  }

  /** One answered request (called once, when its response has finished). */
  requestFinished(route: string, model: string, provider: string, status: number, seconds: number): void {
    this.requestChild(route, model, provider, String(status)).inc();
    this.durationChild(route).observe(seconds);
  }

  /** The upstream call that served a request took `seconds` (to its answer, or to its stream's start). */
  upstreamServed(provider: string, model: string, seconds: number): void {
    this.upstreamChild(provider, model).observe(seconds);
  }

  /** A request's tokens and cost, once it is priced. */
  metered(model: string, usage: Usage, cost: Cost, firstTokenSeconds: number | undefined): void {
    for (const [label, field] of TOKEN_CLASSES) if (usage[field] > 0) this.tokenChild(model, label).inc(usage[field]);
    const total = Number(cost.total);
    if (total > 0) this.costChild(model).inc(total);
    if (firstTokenSeconds !== undefined) this.firstTokenChild(model).observe(firstTokenSeconds);
  }

  /** Admission refused a request (`rate_limit_exceeded`, `insufficient_funds`, …). */
  refused(code: string): void {
    this.refusals.labels(code).inc();
  }

  /** A retryable upstream error: the same model is tried again. */
  retried(provider: string, model: string): void {
    this.retries.labels(provider, model).inc();
  }

  /** The request gave up `model` and moves to its next candidate. */
  fellBack(model: string): void {
    this.fallbacks.labels(model).inc();
  }

  /** A try refused for its key (401/403/429) moves to another key of `provider`. */
  keySwitched(provider: string): void {
    this.keySwitches.labels(provider).inc();
  }

  /** A provider key was benched (see KeyPool); `key` is its name. */
  keyBenched(provider: string, key: string): void {
    this.keyBenchings.labels(provider, key).inc();
  }

  /** A metering enqueue try failed. */
  enqueueFailed(): void {
    this.enqueueFailures.inc();
  }

  /** A metering event went to the spool. */
  eventSpooled(): void {
    this.spooled.inc();
  }
}

/** Bytes of the spool's files (the live file and any being replayed); 0 when the directory does not exist yet. */
async function spoolBytes(directory: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  const sizes = await Promise.all(names.map((name) => stat(path.join(directory, name)).then((entry) => (entry.isFile() ? entry.size : 0), () => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}
