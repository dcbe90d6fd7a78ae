import type { ProviderRegistry } from '@tollgate/providers';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller';
import type { AdmissionGuard } from '../admission/admission-guard';
import type { LimitState } from '../admission/rate-limit-headers';
import type { L402Deps } from '../l402/l402-gate';
import type { MeteringProducer } from '../metering/metering-producer';
import type { X402Deps } from '../x402/x402-deps';
import type { Drain } from '../shutdown/drain';
import type { GatewayMetrics } from '../observability/gateway-metrics';
import type { RequestObservation } from '../observability/request-observer';
import type { Tracer } from '../observability/tracing';

/** What serving a completion needs from the running gateway. */
export interface CompletionDeps {
  registry: ProviderRegistry;
  producer: MeteringProducer;
  admission: AdmissionGuard;
  /** Commission as a decimal string, e.g. "0.10". */
  commissionRate: string;
  /** Tries per model on retryable upstream errors. */
  maxAttempts: number;
  /** Base of the exponential backoff between tries, in milliseconds. */
  retryBaseDelayMs: number;
  /** First-byte timeout of non-streaming calls (their headers come when the whole answer is done), in milliseconds. */
  generateTimeoutMs: number;
  logger: Logger;
  /** Set when L402 pay-per-request is enabled. */
  l402?: L402Deps;
  /** Set when x402 payments are enabled (X402_PAY_TO and X402_NETWORK). */
  x402?: X402Deps;
  /** The shutdown state: its deadline cuts running completions, and it counts those not metered yet (main.ts drains it). */
  drain?: Drain;
  /** Prometheus metrics (the running gateway always has them; unit tests may leave them out). */
  metrics?: GatewayMetrics;
  /** Set when OTEL_EXPORTER_OTLP_ENDPOINT is: a span per request, a child span per upstream try. */
  tracer?: Tracer;
}

/** One request's identity and cancellation. */
export interface CompletionContext {
  caller: Caller;
  requestId: string;
  clientRequestId?: string;
  /** Refuse settings a provider cannot honour instead of dropping them (x-tollgate-strict: true). */
  strict: boolean;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  startedAt: Date;
  /** Puts the caller's rate-limit state on the response (its headers), once admission knows it. */
  reportLimits(state: LimitState): void;
  /** What the access log line of the request reports (model, cost), when the request is observed. */
  observation?: RequestObservation;
}
