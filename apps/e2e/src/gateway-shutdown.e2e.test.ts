import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { accountStateKeys } from '@tollgate/redis-state';
import { startMockUpstream, type MockUpstream } from './support/mock-upstream';
import { startStack, type Stack } from './support/stack';

/** Streams per run, half on /v1/chat/completions and half on /v1/messages. */
const STREAMS = 50;
/** Chunks the upstream sends per stream. */
const CHUNKS = 30;

type Route = 'openai' | 'anthropic';

/** One stream held open through the gateway: resolves `started` at its first event, `ended` when its body ends (or breaks). */
interface OpenStream {
  route: Route;
  started: Promise<void>;
  ended: Promise<{ status: number; text: string; failure?: string }>;
}

function openStream(url: string, apiKey: string, route: Route, paceMs: number): OpenStream {
  const content = `pace:${paceMs} Say lorem.`;
  const request = fetch(`${url}${route === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 64, stream: true, messages: [{ role: 'user', content }] }),
  });
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = request.then(async (response) => {
    let text = '';
    try {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (text.includes('data:')) markStarted();
      }
      return { status: response.status, text };
    } catch (error) {
      return { status: response.status, text, failure: String((error as Error).cause ?? error) };
    } finally {
      markStarted();
    }
  });
  return { route, started, ended };
}

/** A raw connection to the gateway, its bytes kept; `closed` says how the server ended it. */
function rawConnection(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<'end' | 'reset'> }> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise<'end' | 'reset'>((done) => {
      socket.once('error', () => done('reset'));
      socket.once('end', () => done('end'));
    });
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\n\r\n`;

/** Opens STREAMS streams (both wire formats) and waits until each has received its first event. */
async function openStreams(stack: Stack, apiKey: string, paceMs: number): Promise<OpenStream[]> {
  const streams = Array.from({ length: STREAMS }, (_, index) => openStream(stack.url, apiKey, index % 2 === 0 ? 'openai' : 'anthropic', paceMs));
  await Promise.all(streams.map((stream) => stream.started));
  return streams;
}

async function createAccount(stack: Stack): Promise<{ accountId: string; apiKey: string }> {
  const created = await stack.cli(['accounts', 'create', '--name', 'shutdown', '--credit-limit', '50', '--json']);
  expect(created.code).toBe(0);
  const parsed = JSON.parse(created.stdout) as { account: { id: string }; apiKey: string };
  return { accountId: parsed.account.id, apiKey: parsed.apiKey };
}

/** SIGTERM to the gateway; resolves with its exit code and how long it took to exit. */
async function terminate(stack: Stack): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const code = await stack.gateway.stop(45_000);
  return { code, ms: Date.now() - started };
}

describe('gateway SIGTERM during 50 open streams', () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream(CHUNKS);
  });
  afterAll(() => upstream?.stop());

  describe('with a grace period longer than the streams', () => {
    let stack: Stack;
    afterAll(() => stack?.stop());

    it('finishes and records every stream, answers readiness 503, closes idle connections, and exits 0', async () => {
      stack = await startStack({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-mock', SHUTDOWN_GRACE_MS: '20000' });
      const { apiKey } = await createAccount(stack);
      // An idle keep-alive connection (it would hold a plain server.close() for the 65 s keep-alive), and one
      // accepted but with no request yet (http.Server.close() resets it).
      const idle = await rawConnection(stack.url);
      idle.socket.write(get('/healthz'));
      await new Promise((resolve) => idle.socket.once('data', resolve));
      const unread = await rawConnection(stack.url);

      const streams = await openStreams(stack, apiKey, 80); // 30 chunks 80 ms apart: ~2.4 s each
      const exit = terminate(stack);
      await new Promise((resolve) => setTimeout(resolve, 200));
      unread.socket.write(get('/readyz'));

      expect(await idle.closed).toBe('end');
      expect(await unread.closed).toBe('end');
      expect(unread.received()).toMatch(/^HTTP\/1\.1 503/);
      expect(unread.received().toLowerCase()).toContain('connection: close');
      expect(unread.received()).toContain('"status":"draining"');

      const results = await Promise.all(streams.map((stream) => stream.ended));
      for (const [index, result] of results.entries()) {
        expect({ status: result.status, failure: result.failure }).toEqual({ status: 200, failure: undefined });
        expect(result.text).not.toContain('error');
        expect(result.text).toContain(streams[index]?.route === 'openai' ? 'data: [DONE]' : 'event: message_stop');
      }
      const { code, ms } = await exit;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000); // the streams' ~2 s, not the 65 s keep-alive

      await stack.waitForUsageRows(STREAMS);
      const rows = await stack.db.prisma.usageRecord.findMany({ select: { status: true, outputTokens: true } });
      expect(rows).toHaveLength(STREAMS);
      expect(rows.every((row) => row.status === 'ok' && row.outputTokens === CHUNKS)).toBe(true);
      const reconcile = await stack.cli(['reconcile']);
      expect(reconcile.code).toBe(0);
    }, 60_000);
  });

  describe('with SHUTDOWN_GRACE_MS shorter than the streams', () => {
    let stack: Stack;
    let redis: Redis | undefined;
    afterAll(async () => {
      redis?.disconnect();
      await stack?.stop();
    });

    it('ends every stream with an SSE error event, meters each partial, leaves no hold, and exits 0', async () => {
      stack = await startStack({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-mock', SHUTDOWN_GRACE_MS: '1000' });
      const { accountId, apiKey } = await createAccount(stack);
      const streams = await openStreams(stack, apiKey, 2_000); // 30 chunks 2 s apart: a minute each
      redis = new Redis(stack.env['REDIS_URL'] as string, { maxRetriesPerRequest: 1 });
      const keys = accountStateKeys(accountId);
      expect(await redis.zcard(keys.holds)).toBe(STREAMS); // each stream holds its worst case while it runs
      const { code, ms } = await terminate(stack);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(8_000); // the 1 s grace, then the cut streams' metering

      const results = await Promise.all(streams.map((stream) => stream.ended));
      for (const [index, result] of results.entries()) {
        // Ended by the gateway with an error event and a clean end of the body — not a reset.
        expect({ status: result.status, failure: result.failure }).toEqual({ status: 200, failure: undefined });
        if (streams[index]?.route === 'openai') {
          expect(result.text).toMatch(/data: \{"error":\{[^\n]*"code":"gateway_shutting_down"/);
          expect(result.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
        } else {
          expect(result.text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error"/);
          expect(result.text).not.toContain('message_stop');
        }
      }

      await stack.waitForUsageRows(STREAMS);
      const rows = await stack.db.prisma.usageRecord.findMany({ select: { status: true, event: true } });
      expect(rows).toHaveLength(STREAMS);
      for (const row of rows) {
        expect(row.status).toBe('partial');
        expect(row.event).toMatchObject({ errorCode: 'gateway_shutdown' });
      }
      const reconcile = await stack.cli(['reconcile']);
      expect(reconcile.code).toBe(0);
      // Every hold of the cut streams ended (settled), none left to lapse.
      expect(await redis.zcard(keys.holds)).toBe(0);
      expect(Number((await redis.hget(keys.held, '_total')) ?? '0')).toBe(0);
    }, 60_000);
  });
});
