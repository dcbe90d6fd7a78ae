import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '@tollgate/config';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { createTracing, type Tracing } from './tracing';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

describe('OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  let gateway: TestGateway;
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    tracing = createTracing(exporter, 'tollgate-test');
    const logger = createLogger('gateway', 'info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
    gateway = await startTestGateway(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      {
        logger,
        // The setting gives the gateway a tracer; the test swaps in one that keeps its spans in memory (the OTLP
        // exporter's own transport is exercised below, in a plain Node process: it loads `http` by dynamic import,
        // which Jest's VM refuses).
        beforeReady(runtime) {
          if (!runtime.deps.tracer) throw new Error('OTEL_EXPORTER_OTLP_ENDPOINT gave the gateway no tracer');
          runtime.deps.tracer = tracing.tracer;
        },
      },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await tracing.shutdown();
  });

  it("makes a server span per request, continuing the caller's trace, with a GenAI child span per upstream try; the access line names the trace", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const { data, response } = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'trace me' }] }).withResponse();
    const requestId = response.headers.get('x-tollgate-request-id') as string;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server span ends when the response closes
    await tracing.flush();

    const traced = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const server = traced.find((span) => span.kind === SpanKind.SERVER);
    const upstream = traced.find((span) => span.kind === SpanKind.CLIENT);
    expect(server?.name).toBe('POST /v1/chat/completions');
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.request.model': 'tollgate/echo',
      'gen_ai.provider.name': 'tollgate',
      'gen_ai.usage.output_tokens': data.usage?.completion_tokens,
      'gen_ai.usage.input_tokens': data.usage?.prompt_tokens,
    });
    expect(upstream?.name).toBe('chat tollgate/echo');
    expect(upstream?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(upstream?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'tollgate', 'gen_ai.request.model': 'tollgate/echo', 'tollgate.attempt': 1 });
    expect(lines.find((line) => line['msg'] === 'request' && line['requestId'] === requestId)).toMatchObject({ traceId });
  });

  it('exports over OTLP/HTTP JSON to <endpoint>/v1/traces (in a plain Node process)', async () => {
    const received: Array<{ url?: string; type?: string; body: string }> = [];
    const collector: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url, type: request.headers['content-type'], body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
      const script = [
        "const { createTracing, otlpExporter } = require('./apps/gateway/src/observability/tracing');",
        `const tracing = createTracing(otlpExporter(${JSON.stringify(endpoint)}), 'tollgate-export-test');`,
        "tracing.tracer.startSpan('exported span').end();",
        'tracing.shutdown().then(() => process.exit(0));',
      ].join('\n');
      await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), '-e', script], { cwd: REPO_ROOT, timeout: 30_000 });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ url: '/v1/traces', type: 'application/json' });
      const body = JSON.parse(received[0]?.body ?? '{}') as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue: string } }> }; scopeSpans: Array<{ spans: Array<{ name: string }> }> }> };
      expect(body.resourceSpans[0]?.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'tollgate-export-test' } });
      expect(body.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.name)).toEqual(['exported span']);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  }, 40_000);
});
