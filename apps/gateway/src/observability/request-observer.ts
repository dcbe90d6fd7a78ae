import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { createUnredactedLogger } from '@tollgate/config';
import type { Caller } from '../auth/caller';
import type { Usage } from '@tollgate/schemas';
import type { GatewayMetrics } from './gateway-metrics';
import { SpanStatusCode, startRequestSpan, type Span, type Tracer } from './tracing';

/**
 * What the completion path learns about a request that its access log line and metrics report: the model that
 * served it (a catalog entry, so a bounded label) and what it cost. Filled in by meterCompletion.
 */
export interface RequestObservation {
  model?: string;
  provider?: string;
  /** The request's total cost, a decimal string (as billed). */
  cost?: string;
  /** The tokens billed (for the trace's GenAI attributes). */
  usage?: Usage;
  /** The request's trace span, when tracing is on: upstream tries are its children. */
  span?: Span;
}

/** Probes and scrapes come every few seconds: their access lines are written at debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The route template a request matched (`/admin/accounts/:id`), never the raw path: a bounded label, no ids in it. */
function routeOf(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return request.originalUrl.startsWith('/admin') && !path.startsWith('/admin') ? `/admin${path}` : path;
}

/**
 * One access log line (info) and the request metrics, written once when the response closes — finished, or cut by
 * the caller (`aborted: true`). Costs one listener, a few property reads and a ~5 µs unredacted pino line per request;
 * the line goes through the service's asynchronous pino destination, so the request never waits on the log's writes.
 */
export function requestObserver(logger: Logger, metrics: GatewayMetrics, tracer?: Tracer) {
  // Every field of the access line is built here from ids, numbers and catalog names: it skips redaction (see
  // createUnredactedLogger), which would cost more than the rest of the request's bookkeeping.
  const accessLog = createUnredactedLogger(logger);
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const observation: RequestObservation = {};
    const span = tracer ? startRequestSpan(tracer, request.method, request.headers) : undefined;
    observation.span = span;
    response.locals['observation'] = observation;
    response.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = routeOf(request);
      const status = response.statusCode;
      metrics.requestFinished(route, observation.model ?? '', observation.provider ?? '', status, seconds);
      const caller = response.locals['caller'] as Caller | undefined;
      const line = {
        requestId: response.locals['requestId'] as string,
        method: request.method,
        route,
        status,
        model: observation.model,
        accountId: caller?.accountId,
        durationMs: Math.round(seconds * 10_000) / 10,
        cost: observation.cost,
        ...(response.writableFinished ? {} : { aborted: true }),
        ...(span ? { traceId: span.spanContext().traceId } : {}),
      };
      if (span) endRequestSpan(span, line, observation);
      if (QUIET_ROUTES.has(route)) accessLog.debug(line, 'request');
      else accessLog.info(line, 'request');
    });
    next();
  };
}

/** Names the span for its route and gives it the request's outcome, with GenAI attributes when a model served it. */
function endRequestSpan(span: Span, line: { method: string; route: string; status: number; accountId?: string }, observation: RequestObservation): void {
  span.updateName(`${line.method} ${line.route}`);
  span.setAttribute('http.route', line.route);
  span.setAttribute('http.response.status_code', line.status);
  if (observation.model) {
    span.setAttribute('gen_ai.operation.name', 'chat');
    span.setAttribute('gen_ai.request.model', observation.model);
    if (observation.provider) span.setAttribute('gen_ai.provider.name', observation.provider);
  }
  if (observation.usage) {
    span.setAttribute('gen_ai.usage.input_tokens', observation.usage.inputTokens + observation.usage.cacheReadTokens + observation.usage.cacheWriteTokens);
    span.setAttribute('gen_ai.usage.output_tokens', observation.usage.outputTokens + observation.usage.reasoningTokens);
  }
  if (observation.cost) span.setAttribute('tollgate.cost_usd', observation.cost);
  if (line.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
