import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayRuntime } from '../gateway-runtime';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * An OpenAI-compatible upstream that never finishes: a stream gets its headers and a first chunk, a JSON call
 * nothing at all. Only the gateway's shutdown deadline ends them.
 */
async function startStalledUpstream(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  const open: ServerResponse[] = [];
  let received = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received += 1;
      open.push(response);
      if (!body.includes('"stream":true')) return;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] })}\n\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const body = (stream: boolean) => JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 32, stream, messages: [{ role: 'user', content: 'Hi' }] });

describe('the shutdown deadline', () => {
  let upstream: Awaited<ReturnType<typeof startStalledUpstream>>;
  let gateway: TestGateway;
  let runtime!: GatewayRuntime;

  beforeEach(async () => {
    upstream = await startStalledUpstream();
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-test' }, { beforeReady: (started) => (runtime = started) });
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  const post = (stream: boolean) =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' }, body: body(stream) });

  it('ends a running stream with an SSE error event and [DONE], metered partial', async () => {
    const response = await post(true);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    expect(runtime.drain.pending).toBe(1);
    runtime.drain.expire();
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value, { stream: true });
    expect(text).toContain('"content":"Hello"');
    expect(text).toMatch(/data: \{"error":\{[^\n]*"code":"gateway_shutting_down"/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await runtime.drain.settled();
    const event = await gateway.meteringEvent(response.headers.get('x-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', errorCode: 'gateway_shutdown', streamed: true });
    expect(event.usage.outputTokens).toBeGreaterThan(0); // "Hello", estimated
  });

  it('cuts a running non-streaming call: 503 gateway_shutting_down, metered partial for its prompt', async () => {
    const answered = post(false);
    while (upstream.received() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    runtime.drain.expire();
    const response = await answered;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'gateway_shutting_down' } });
    await runtime.drain.settled();
    const event = await gateway.meteringEvent(response.headers.get('x-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', errorCode: 'gateway_shutdown', streamed: false });
  });

  it('starts nothing once it has passed', async () => {
    runtime.drain.expire();
    const response = await post(true);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'gateway_shutting_down' } });
    expect(upstream.received()).toBe(0);
    expect(await gateway.queue.count()).toBe(0);
  });
});
