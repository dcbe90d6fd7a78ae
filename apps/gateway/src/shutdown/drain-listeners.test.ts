import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayRuntime } from '../gateway-runtime';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** An OpenAI upstream that holds every JSON call until `release()`, so calls are in flight together. */
async function startHoldingUpstream(): Promise<{ url: string; held: () => number; release(): void; close(): Promise<void> }> {
  const waiting: ServerResponse[] = [];
  const answer = (response: ServerResponse) => {
    const body = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => waiting.push(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => waiting.length,
    release: () => waiting.splice(0).forEach(answer),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Found by the chaos run (a line on the gateway's stderr that is not a log line): every upstream call listens to the
 * one shutdown deadline signal, so more than ten calls at once made Node print "MaxListenersExceededWarning: Possible
 * EventTarget memory leak". Each call now follows the deadline through a signal of its own.
 */
describe('the shutdown deadline signal under many concurrent calls', () => {
  let upstream: Awaited<ReturnType<typeof startHoldingUpstream>>;
  let gateway: TestGateway;
  let runtime!: GatewayRuntime;

  beforeAll(async () => {
    upstream = await startHoldingUpstream();
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-test' }, { beforeReady: (started) => (runtime = started) });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('takes 30 calls in flight without piling listeners on the shared deadline', async () => {
    const calls = Array.from({ length: 30 }, () =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }),
      }),
    );
    const deadline = Date.now() + 10_000;
    while (upstream.held() < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // All 30 wait on the provider. Node warns once a signal has more than 10 listeners: the shared deadline must not
    // carry one per call (Jest's sandbox does not pass process 'warning' events to a test, so the count is checked).
    expect(getEventListeners(runtime.drain.deadline, 'abort').length).toBeLessThanOrEqual(10);
    upstream.release();
    const statuses = await Promise.all(calls.map(async (call) => (await call).status));
    expect(statuses).toEqual(Array.from({ length: 30 }, () => 200));
    expect(getEventListeners(runtime.drain.deadline, 'abort')).toHaveLength(0);
  });
});
