import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const ADMIN_TOKEN = 'admin-token-for-security-headers-0123456789abcdef';
const WEB_APP = 'https://app.router402.example';

/*
 * Deliberate HTTP surface (issue 14): security headers on every answer, CORS off unless CORS_ORIGINS names the origin,
 * never on /admin. The body-size limit (413) is tested in routes/request-bodies.test.ts.
 */
describe('security headers and CORS', () => {
  let closed: TestGateway;
  let open: TestGateway;

  beforeAll(async () => {
    [closed, open] = await Promise.all([startTestGateway({ ADMIN_TOKEN }), startTestGateway({ ADMIN_TOKEN, CORS_ORIGINS: `${WEB_APP}, https://other.example` })]);
  });
  afterAll(async () => {
    await Promise.all([closed?.close(), open?.close()]);
  });

  const preflight = (gateway: TestGateway, route: string, origin: string) =>
    fetch(`${gateway.url}${route}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('sends nosniff, no framing, no referrer and a deny-all CSP on answers and errors; no X-Powered-By; no-store on /admin', async () => {
    const answers = [
      await fetch(`${closed.url}/healthz`),
      await fetch(`${closed.url}/v1/models`),
      await fetch(`${closed.url}/no/such/route`),
      await fetch(`${closed.url}/v1/chat/completions`, { method: 'POST', body: '{}' }),
      await fetch(`${closed.url}/admin/accounts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 401, 200]);
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
    expect(answers[4]?.headers.get('cache-control')).toBe('no-store');
  });

  it('CORS is off by default: no Access-Control-Allow-Origin for any origin, a preflight gets 204 with no grant', async () => {
    const simple = await fetch(`${closed.url}/v1/models`, { headers: { origin: WEB_APP } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const asked = await preflight(closed, '/v1/chat/completions', WEB_APP);
    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBeNull();
    expect(asked.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('CORS_ORIGINS grants its origins (preflight and answers, no credentials), refuses others and never opens /admin', async () => {
    const asked = await preflight(open, '/v1/chat/completions', WEB_APP);
    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBe(WEB_APP);
    expect(asked.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(asked.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(asked.headers.get('access-control-allow-credentials')).toBeNull();
    expect(asked.headers.get('vary')).toMatch(/origin/i);

    const chat = await fetch(`${open.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: WEB_APP, authorization: `Bearer ${open.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('access-control-allow-origin')).toBe(WEB_APP);
    expect(chat.headers.get('access-control-expose-headers')).toContain('x-tollgate-request-id');

    const stranger = await preflight(open, '/v1/chat/completions', 'https://evil.example');
    expect(stranger.status).toBe(204);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${open.url}/v1/models`, { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();

    const admin = await fetch(`${open.url}/admin/accounts`, { headers: { origin: WEB_APP, authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(open, '/admin/accounts', WEB_APP)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
