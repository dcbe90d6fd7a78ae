import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureChunks } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const CALLS = 300;

/**
 * An OpenAI-format upstream that answers nothing until it holds `CALLS` requests at once, then streams every answer:
 * each caller's stream holds its upstream connection open, so the gateway must be able to open as many as it has
 * callers — a pool cap of N would leave caller N + 1 waiting for a stream to end (here: for ever).
 */
async function startBarrierUpstream(): Promise<{ url: string; seen: () => number; close(): Promise<void> }> {
  const chunks = fixtureChunks('openai', 'openai-text');
  const held: http.ServerResponse[] = [];
  let seen = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen += 1;
      held.push(response);
      if (held.length < CALLS) return;
      for (const waiting of held.splice(0)) {
        waiting.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of chunks) waiting.write(`data: ${chunk}\n\n`);
        waiting.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: () => seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('many concurrent calls to one provider', () => {
  let upstream: Awaited<ReturnType<typeof startBarrierUpstream>>;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startBarrierUpstream();
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-test', UPSTREAM_MAX_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it(`opens a connection per call: ${CALLS} streams at once all reach the provider and all finish`, async () => {
    const calls = Promise.all(
      Array.from({ length: CALLS }, async () => {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
        });
        return { status: response.status, text: await response.text() };
      }),
    );
    // Generous waits: 300 streams take ~25 s on a quiet 2-core machine, longer beside other suites; a pool cap would
    // keep calls from ever arriving, however long the wait.
    for (let waited = 0; upstream.seen() < CALLS && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.seen()).toBe(CALLS); // with a pool cap below CALLS, the rest never get a connection
    const streams = await calls;
    expect(streams.filter((stream) => stream.status === 200 && stream.text.includes('[DONE]'))).toHaveLength(CALLS);
  }, 120_000);
});
