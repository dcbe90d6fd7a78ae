import { startStack, type Stack } from './support/stack';

/**
 * No unbounded work on the request thread over caller input: a 4 MiB prompt of one repeated character (the input
 * that made the BPE tokenizer quadratic and froze the gateway for minutes) must not hold up anyone else. Measured on
 * the built gateway as its own process: inside a test runner, the runner's own heap and garbage collection would be
 * measured along with the gateway.
 */
describe('event loop safety', () => {
  const FOUR_MIB = 4 * 1024 * 1024;
  let stack: Stack;
  let apiKey: string;

  const prompt = 'q'.repeat(FOUR_MIB - 512);
  const post = (path: string, body: object) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));

  beforeAll(async () => {
    stack = await startStack({ BODY_LIMIT_BYTES: String(FOUR_MIB + 64 * 1024) });
    const created = await stack.cli(['accounts', 'create', '--name', 'event-loop', '--credit-limit', '100', '--json']);
    apiKey = (JSON.parse(created.stdout) as { apiKey: string }).apiKey;
    // One unmeasured pass through each route first: what is measured is the work per request over caller input, not
    // the process compiling its code paths for the first time.
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      await post(path, { model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'q'.repeat(64 * 1024) }] });
    }
  }, 60_000);
  afterAll(() => stack?.stop());

  /** Polls /healthz back to back while `work` runs; returns the slowest answer, in milliseconds. */
  async function slowestHealthPoll(work: Promise<unknown>): Promise<number> {
    let done = false;
    void work.finally(() => (done = true));
    let slowest = 0;
    while (!done) {
      const started = performance.now();
      const response = await fetch(`${stack.url}/healthz`);
      await response.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await work;
    return slowest;
  }

  it.each([
    ['/v1/chat/completions', { model: 'tollgate/echo', max_tokens: 64, messages: [{ role: 'user', content: prompt }] }],
    ['/v1/chat/completions (system, stream)', { model: 'tollgate/echo', max_tokens: 64, stream: true, messages: [{ role: 'system', content: prompt }, { role: 'user', content: 'hi' }] }],
    ['/v1/messages', { model: 'tollgate/echo', max_tokens: 64, messages: [{ role: 'user', content: prompt }] }],
    ['/v1/messages (stream)', { model: 'tollgate/echo', max_tokens: 64, stream: true, messages: [{ role: 'user', content: prompt }] }],
  ])('keeps /healthz answering within 100 ms while %s takes a 4 MiB one-character prompt', async (route, body) => {
    const path = route.split(' ')[0];
    const request = post(path, body);
    const slowest = await slowestHealthPoll(request);
    expect((await request).status).toBe(200);
    expect(slowest).toBeLessThan(100);
  });
});
