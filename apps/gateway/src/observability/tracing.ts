import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { IncomingHttpHeaders } from 'node:http';

/** The gateway's tracer; `flush()` exports what is buffered, `shutdown()` flushes and stops. */
export interface Tracing {
  tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The OTLP/HTTP (JSON) exporter to `${endpoint}/v1/traces` — what `OTEL_EXPORTER_OTLP_ENDPOINT` means in the
 * OpenTelemetry spec.
 */
export function otlpExporter(endpoint: string): SpanExporter {
  return new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
}

/**
 * Traces to `exporter`, batched (the SDK's OTEL_BSP_* settings apply) and exported off the request path. The provider
 * is not registered globally: spans are made from this tracer and parented explicitly, so nothing else in the process
 * (or another gateway in the same test process) is traced by accident, and no async-hooks context manager runs on
 * the hot path.
 */
export function createTracing(exporter: SpanExporter, serviceName: string): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return { tracer: provider.getTracer('tollgate-gateway'), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

const propagator = new W3CTraceContextPropagator();

/** The server span of one request, continuing the caller's trace when it sent a W3C `traceparent`. */
export function startRequestSpan(tracer: Tracer, method: string, headers: IncomingHttpHeaders): Span {
  const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
}

/**
 * A client span for one upstream call, child of the request's span, with the GenAI semantic-convention attributes
 * (operation, provider, requested model).
 */
export function startUpstreamSpan(tracer: Tracer, parent: Span, provider: string, model: string, attempt: number): Span {
  return tracer.startSpan(
    `chat ${model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.system': provider, 'gen_ai.request.model': model, 'tollgate.attempt': attempt },
    },
    trace.setSpan(context.active(), parent),
  );
}

/** Ends a span as failed, with the error's message. */
export function endWithError(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

export { SpanStatusCode, type Span, type Tracer };
