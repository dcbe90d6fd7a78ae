import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { ssePayloads } from '@tollgate/providers/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** Upstream timeouts come from UPSTREAM_*_TIMEOUT_MS: 504 before the first byte reaches the caller, an SSE error after. */
describe('upstream timeouts', () => {
  const FIRST_BYTE_MS = 150;
  const IDLE_MS = 150;
  /** A non-streaming answer's headers come only when it is generated: it has its own, longer first-byte timeout. */
  const GENERATE_MS = 1_500;
  // undici checks its header and body timeouts on a coarse clock (about 0.5 s ticks): a timeout fires up to ~1 s
  // late, so a stall must outlast the timeout by more than that to be sure to trip it.
  const STALL_MS = IDLE_MS + 2_000;
  let openai: ReplayServer;
  let anthropic: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startReplayServer(), startReplayServer()]);
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(FIRST_BYTE_MS),
      UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
      UPSTREAM_GENERATE_TIMEOUT_MS: String(GENERATE_MS),
      UPSTREAM_MAX_ATTEMPTS: '2',
    });
  });
  beforeEach(() => {
    openai.requests.length = 0;
    anthropic.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([openai.close(), anthropic.close()]);
  });

  const post = (body: object) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Invent a new holiday.' }], ...body }),
    });
  const waitFor = async (condition: () => boolean) => {
    for (let waited = 0; !condition() && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it.each([false, true])('answers 504 when no first byte comes (stream: %s), without retrying, billed for its prompt', async (stream) => {
    // The provider has the request and may be generating: every further try would be another generation it bills.
    openai.enqueue({ hang: true });
    const started = Date.now();
    const response = await post({ model: 'openai/gpt-4o-mini', stream });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { type: 'timeout_error', code: 'upstream_first_byte_timeout' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual((stream ? FIRST_BYTE_MS : GENERATE_MS) - 20);
    expect(openai.requests).toHaveLength(1);
    await waitFor(() => openai.requests.every((request) => request.aborted));
    expect(openai.requests[0].aborted).toBe(true);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', errorCode: 'upstream_first_byte_timeout', usage: { source: 'estimated', outputTokens: 0 } });
    expect(event.usage.inputTokens).toBeGreaterThan(0);
    expect(Number(event.cost.total)).toBeGreaterThan(0);
  });

  it('lets a non-streaming generation take longer than the first-byte timeout, up to UPSTREAM_GENERATE_TIMEOUT_MS', async () => {
    openai.enqueue({ json: fixtureJson('openai', 'openai-text'), delayMs: FIRST_BYTE_MS + 1_000 });
    const response = await post({ model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(openai.requests).toHaveLength(1);
  });

  it('still retries a connection that could not be opened (nothing reached a model), and bills nothing', async () => {
    const closed = await startReplayServer();
    await closed.close(); // a loopback port where nothing listens
    const refusing = await startTestGateway({ OPENAI_BASE_URL: `${closed.url}/v1`, OPENAI_API_KEY: 'sk-test', UPSTREAM_MAX_ATTEMPTS: '2' });
    try {
      const response = await fetch(`${refusing.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${refusing.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_connection_error' } });
      await expect(refusing.meteringEvent(response.headers.get('x-tollgate-request-id') as string)).rejects.toThrow(/no metering event/);
    } finally {
      await refusing.close();
    }
  });

  it.each([
    ['openai', 'openai/gpt-4o-mini', () => openai, { sse: fixtureChunks('openai', 'openai-text'), done: true }],
    ['anthropic', 'anthropic/claude-sonnet-4.5', () => anthropic, { sse: fixtureChunks('anthropic', 'anthropic-text'), eventNames: true }],
  ] as const)('ends a %s stream that stalls mid-way (idle timeout) with an SSE error event then [DONE], metered partial', async (_name, model, upstream, recorded) => {
    upstream().enqueue({ ...recorded, delayFrom: 6, delayMs: STALL_MS });
    const response = await post({ model, stream: true });
    expect(response.status).toBe(200);
    const payloads = ssePayloads(await response.text());
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(JSON.parse(payloads.at(-2) as string)).toMatchObject({ error: { type: 'timeout_error', code: 'upstream_idle_timeout' } });
    expect(payloads.slice(0, -2).some((payload) => /"content":"[^"]/.test(payload))).toBe(true);
    expect(upstream().requests).toHaveLength(1); // once text reached the caller, nothing is retried
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', streamed: true, errorCode: 'upstream_idle_timeout' });
    expect(event.usage.outputTokens).toBeGreaterThan(0);
  });

  it.each([
    ['openai', 'openai/gpt-4o-mini', () => openai, { sse: fixtureChunks('openai', 'openai-text'), done: true }],
    ['anthropic', 'anthropic/claude-sonnet-4.5', () => anthropic, { sse: fixtureChunks('anthropic', 'anthropic-text'), eventNames: true }],
  ] as const)('answers 504 for a %s stream whose body stays silent from the start, not retried, billed for its prompt', async (_name, model, upstream, recorded) => {
    // The upstream accepted the request (200) and may be generating: trying again would be billed twice.
    upstream().enqueue({ ...recorded, delayMs: STALL_MS });
    const response = await post({ model, stream: true });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { type: 'timeout_error', code: 'upstream_idle_timeout' } });
    expect(upstream().requests).toHaveLength(1);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ status: 'partial', streamed: true, errorCode: 'upstream_idle_timeout', usage: { source: 'estimated' } });
    expect(event.usage.inputTokens).toBeGreaterThan(0);
  });
});
