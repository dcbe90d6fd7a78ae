import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { meteringEventFixture, parsePrometheusText, sampleValue, histogramCount } from '@tollgate/testing';
import { EventSpool } from '../metering/event-spool';
import { MeteringProducer } from '../metering/metering-producer';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { GatewayMetrics } from './gateway-metrics';

describe('metrics of what goes wrong', () => {
  describe('upstream retries and fallbacks', () => {
    let gateway: TestGateway;
    let upstream: Server;
    beforeAll(async () => {
      // Every upstream call is answered 503: retried on its model, then the request falls back to tollgate/echo.
      upstream = createServer((request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}'));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      gateway = await startTestGateway({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` });
    });
    afterAll(async () => {
      await gateway.close();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('counts each retry and the fallback, and the request under the model that served it', async () => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', models: ['tollgate/echo'], max_tokens: 8, messages: [{ role: 'user', content: 'fall back' }] }),
      });
      expect(response.status).toBe(200);
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const families = parsePrometheusText(await (await fetch(`${gateway.url}/metrics`)).text());
      // UPSTREAM_MAX_ATTEMPTS=3 in the test gateway: three tries, two of them retries.
      expect(sampleValue(families, 'tollgate_upstream_retries_total', { provider: 'openai', model: 'openai/gpt-4o-mini' })).toBe(2);
      expect(sampleValue(families, 'tollgate_upstream_fallbacks_total', { model: 'openai/gpt-4o-mini' })).toBe(1);
      expect(sampleValue(families, 'tollgate_requests_total', { model: 'tollgate/echo', provider: 'tollgate', status: '200' })).toBe(1);
      expect(histogramCount(families, 'tollgate_upstream_duration_seconds', { model: 'tollgate/echo' })).toBe(1);
      expect(histogramCount(families, 'tollgate_upstream_duration_seconds', { model: 'openai/gpt-4o-mini' })).toBe(0);
    });
  });

  it('counts failed enqueue tries and spooled events, and shows the spool on scrape', async () => {
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'spool-metrics-'));
    // A Redis that is down: nothing listens on this port.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => 1000 });
    down.on('error', () => undefined);
    const queue = new Queue('unreachable', { connection: down });
    queue.on('error', () => undefined);
    const producer = new MeteringProducer(queue, new EventSpool(spoolDir), pino({ level: 'silent' }), { attempts: 2, timeoutMs: 200, replayEveryMs: 60_000 });
    const metrics = new GatewayMetrics({ spool: { directory: spoolDir, unreplayedEvents: () => producer.unreplayedEvents() } });
    producer.observe(metrics);
    try {
      await producer.emit(meteringEventFixture('00000000-0000-4000-8000-000000000001'));
      await producer.emit(meteringEventFixture('00000000-0000-4000-8000-000000000001'));
      const families = parsePrometheusText(await metrics.registry.metrics());
      expect(sampleValue(families, 'tollgate_metering_enqueue_failures_total')).toBe(4);
      expect(sampleValue(families, 'tollgate_metering_spooled_events_total')).toBe(2);
      expect(sampleValue(families, 'tollgate_metering_spool_events')).toBe(2);
      expect(sampleValue(families, 'tollgate_metering_spool_bytes')).toBeGreaterThan(200);
    } finally {
      await producer.close();
      await queue.close();
      down.disconnect();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });
});
