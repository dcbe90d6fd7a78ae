import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@tollgate/config';
import { adminCreateAccount, getAccountUsage, hashApiKey } from '@tollgate/db';
import { startTestGateway, type TestGateway } from './testing/test-gateway';

/*
 * Security refusals (issue 14), one test each. Already covered elsewhere, not repeated here:
 * - admin routes refuse a missing token (401), a wrong token (401) and an API key (403): admin/admin-api.test.ts
 *   ("no token → 401, a wrong token → 401, an API key → 403"); a non-admin JWT (403), an expired admin JWT (401) and a
 *   forged one (401): admin/admin-jwt.test.ts;
 * - no secret (API key, spend token, JWT, x402 payment, provider key, admin token) in any log line:
 *   observability/log-redaction.test.ts;
 * - the body-size limit answers 413 on both APIs: routes/request-bodies.test.ts;
 * - Cache-Control: no-store on /admin: admin/admin-router.ts, checked in http/security-headers.test.ts with CORS and
 *   the security headers.
 */

const ADMIN_TOKEN = 'admin-token-for-security-refusals-0123456789abcdef';
const JWT_SECRET = 'jwt-secret-for-security-refusals-0123456789abcdef';
const PROVIDER_KEY = 'sk-secret-xyz';

/**
 * An OpenAI-shaped upstream that leaks what it was sent: every answer echoes the request's Authorization header (as
 * real providers do in "Incorrect API key provided: sk-…" errors) — in a 401, a 500 (retried) or an SSE error chunk.
 */
async function echoingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const authorization = request.headers.authorization ?? '';
      const leak = { error: { message: `Incorrect API key provided: ${authorization}`, type: 'invalid_request_error', code: 'invalid_api_key', param: authorization } };
      const headers = { 'content-type': 'application/json', 'x-echo-authorization': authorization };
      if (raw.includes('"stream":true')) {
        response.writeHead(200, { ...headers, 'content-type': 'text/event-stream' }).end(`data: ${JSON.stringify(leak)}\n\n`);
      } else if (raw.includes('fail-with-500')) {
        response.writeHead(500, headers).end(JSON.stringify(leak));
      } else {
        response.writeHead(401, headers).end(JSON.stringify(leak));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('security refusals', () => {
  let gateway: TestGateway;
  let upstream: Awaited<ReturnType<typeof echoingUpstream>>;
  const lines: string[] = [];

  beforeAll(async () => {
    upstream = await echoingUpstream();
    // The default level (info): what an operator's logs hold unless they turn debugging on.
    const logger = createLogger('gateway', 'info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    gateway = await startTestGateway({ ADMIN_TOKEN, JWT_SECRET, OPENAI_API_KEY: PROVIDER_KEY, OPENAI_BASE_URL: upstream.url }, { logger });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const post = async (route: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n'), text: await response.text() };
  };

  /** Every row of every table in the gateway's schema, as JSON text. */
  async function databaseDump(): Promise<string> {
    const tables = await gateway.db.prisma.$queryRawUnsafe<{ table_name: string }[]>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, gateway.db.schema);
    let dump = '';
    for (const { table_name: table } of tables) {
      const [row] = await gateway.db.prisma.$queryRawUnsafe<{ rows: string | null }[]>(`SELECT json_agg(t)::text AS rows FROM "${gateway.db.schema}"."${table}" t`);
      dump += `${table}: ${row?.rows ?? '[]'}\n`;
    }
    return dump;
  }

  it('stores API keys and spend tokens only as SHA-256 hashes: no plaintext in any table; a key is shown once', async () => {
    const issued = await fetch(`${gateway.url}/admin/accounts/${gateway.accountId}/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(issued.status).toBe(201);
    const { apiKey, key } = (await issued.json()) as { apiKey: string; key: { id: string } };
    const { apiKey: spendToken } = await adminCreateAccount(gateway.db.prisma, 'test', { name: 'prepaid', creditLimit: '1', spendToken: true });
    const secrets = [gateway.apiKey, apiKey, spendToken];

    const rows = await gateway.db.prisma.$queryRawUnsafe<{ key_hash: string }[]>(`SELECT key_hash FROM "${gateway.db.schema}".api_keys`);
    for (const secret of secrets) expect(rows.map((row) => row.key_hash)).toContain(hashApiKey(secret));
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.key_hash))).toBe(true);
    const dump = await databaseDump();
    expect(dump).toContain('api_keys');
    // Neither a key nor its random part (after the prefix) is stored anywhere.
    for (const secret of secrets) expect(dump).not.toContain(secret.slice(secret.indexOf('_') + 1));

    // Shown once: listing the keys and reading the account never give it again.
    const listed = await fetch(`${gateway.url}/admin/accounts/${gateway.accountId}/keys`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const account = await fetch(`${gateway.url}/admin/accounts/${gateway.accountId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const shown = (await listed.text()) + (await account.text());
    expect(shown).toContain(key.id);
    for (const secret of secrets) expect(shown).not.toContain(secret.slice(secret.indexOf('_') + 1));
  });

  // Structural, not timed: a timing measurement on a shared 2-core CI machine would be flaky. The compare must run
  // timingSafeEqual over SHA-256 digests (equal length whatever the presented token), never === on the strings.
  it('compares the admin and metrics tokens timing-safely (timingSafeEqual over SHA-256 digests); any length is a clean 401', async () => {
    for (const file of ['admin/admin-auth.ts', 'observability/metrics-route.ts']) {
      const source = readFileSync(path.join(__dirname, file), 'utf8');
      expect(source).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
      expect(source).toMatch(/createHash\('sha256'\)[^;]*\.digest\(\)/);
      expect(source).toMatch(/timingSafeEqual\(digest\([^;]+\), expected\)/);
      expect(source).not.toMatch(/(===|!==)\s*(adminToken|expected|metricsToken|token)\b/);
    }
    // timingSafeEqual throws on buffers of unequal length: digests make every presented length safe (401, not 500).
    for (const token of ['x', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`, 'y'.repeat(4_000)]) {
      const response = await fetch(`${gateway.url}/admin/accounts`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
    }
  });

  it('IDOR: no caller-facing route lets account A read, spend or settle account B — whatever A names', async () => {
    const other = await adminCreateAccount(gateway.db.prisma, 'test', { name: 'victim', creditLimit: '5' });
    const victim = other.account.id;
    const naming = { 'x-account-id': victim, 'x-tollgate-account': victim, 'openai-organization': victim, 'x-api-key': other.apiKey.slice(0, 10) };

    // GET /v1/balance: A's, whatever query or header names B.
    const balance = await fetch(`${gateway.url}/v1/balance?account_id=${victim}&account=${victim}`, { headers: { authorization: `Bearer ${gateway.apiKey}`, ...naming } });
    expect(balance.status).toBe(200);
    expect(await balance.json()).toMatchObject({ account_id: gateway.accountId });

    // POST /v1/chat/completions and /v1/messages: metered to A, whatever `user`, metadata or headers say.
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', ...naming },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, user: victim, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect(await gateway.meteringEvent(chat.headers.get('x-tollgate-request-id') as string)).toMatchObject({ accountId: gateway.accountId });
    const messages = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...naming },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, metadata: { user_id: victim }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(messages.status).toBe(200);
    expect(await gateway.meteringEvent(messages.headers.get('x-tollgate-request-id') as string)).toMatchObject({ accountId: gateway.accountId });

    // POST /v1/authorize: A's key is exchanged for a token of A only; a body naming B is not a key exchange.
    const exchanged = await fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}`, ...naming } });
    const { token, account } = (await exchanged.json()) as { token: string; account: { id: string } };
    expect(account.id).toBe(gateway.accountId);
    expect((await post('/v1/authorize', { account_id: victim })).status).toBe(400);

    // A JWT whose sub is changed to B keeps A's signature: forged → 401 on every route that takes a JWT.
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: victim })).toString('base64url')}.${signature}`;
    for (const [method, route] of [['GET', '/v1/balance'], ['POST', '/v1/chat/completions'], ['POST', '/v1/messages'], ['POST', '/v1/settle']] as const) {
      const response = await fetch(`${gateway.url}${route}`, { method, headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect([route, response.status]).toEqual([route, 401]);
    }
    // The genuine token reads A's balance only.
    const viaJwt = await fetch(`${gateway.url}/v1/balance?account_id=${victim}`, { headers: { authorization: `Bearer ${token}`, ...naming } });
    expect(await viaJwt.json()).toMatchObject({ account_id: gateway.accountId });

    // POST /v1/settle: settles only the caller's own wallet; a body or header naming B changes nothing (a key has no
    // wallet: refused; with x402 off here, 404 before that). The wallet path settles caller.accountId only
    // (x402/settle-route.ts; x402/x402-debt.test.ts pays it with a wallet JWT).
    expect([403, 404]).toContain((await post('/v1/settle', { account_id: victim, wallet: victim }, naming)).status);

    // /admin (usage, keys, funds of any account): a caller's key is never an operator (403).
    for (const route of [`/admin/accounts/${victim}`, `/admin/accounts/${victim}/keys`, `/admin/usage?account=${victim}`]) {
      expect((await fetch(`${gateway.url}${route}`, { headers: { authorization: `Bearer ${gateway.apiKey}` } })).status).toBe(403);
    }

    // B was neither read nor charged.
    expect(await getAccountUsage(gateway.db.prisma, victim)).toMatchObject({ debt: '0', requests: 0 });
  });

  it('never shows the provider API key to the caller, even when the upstream echoes it in errors (JSON, retried 5xx, SSE)', async () => {
    const request = (content: string, stream = false) => ({ model: 'openai/gpt-4o-mini', max_tokens: 8, stream, messages: [{ role: 'user', content }] });
    const answers = [
      await post('/v1/chat/completions', request('plain')),
      await post('/v1/chat/completions', request('fail-with-500')),
      await post('/v1/chat/completions', request('plain', true)),
      await post('/v1/messages', request('plain'), { 'anthropic-version': '2023-06-01' }),
      await post('/v1/messages', request('fail-with-500', true), { 'anthropic-version': '2023-06-01' }),
    ];
    // The upstream did leak it: the gateway saw it and must have kept it.
    expect(answers.some((answer) => answer.status >= 400 || answer.text.includes('error'))).toBe(true);
    for (const answer of answers) {
      expect(answer.text).not.toContain(PROVIDER_KEY);
      expect(answer.headers).not.toContain(PROVIDER_KEY);
      expect(answer.text).not.toContain('secret-xyz');
    }
    expect(lines.join('')).not.toContain(PROVIDER_KEY);
  });

  it('never logs request bodies by default: a marker sent through served, refused and failed calls is in no log line', async () => {
    const marker = 'BODY-MARKER-7f3c9a1e';
    const before = lines.length;
    const answers = [
      await post('/v1/chat/completions', { model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: marker }] }),
      await post('/v1/chat/completions', { model: 'tollgate/echo', max_tokens: 8, stream: true, messages: [{ role: 'user', content: marker }] }),
      await post('/v1/messages', { model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: marker }] }, { 'anthropic-version': '2023-06-01' }),
      await post('/v1/chat/completions', { model: 'openai/gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: `fail-with-500 ${marker}` }] }),
      await post('/v1/chat/completions', { model: 'no/such-model', max_tokens: 8, messages: [{ role: 'user', content: marker }] }),
      await post('/v1/chat/completions', { model: 'tollgate/echo', [marker]: marker, messages: [{ role: 'user', content: marker }] }),
      await post('/v1/chat/completions', `{"model":"tollgate/echo","messages":[{"role":"user","content":"${marker}"`),
      await post('/v1/authorize', { message: marker, signature: marker }),
      await post('/admin/accounts', { name: marker, creditLimit: '1' }, { authorization: `Bearer ${ADMIN_TOKEN}` }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, expect.any(Number), 400, 400, 400, expect.any(Number), 201]);
    expect(answers[3]?.status).toBeGreaterThanOrEqual(500);
    const logged = lines.slice(before);
    expect(logged.length).toBeGreaterThan(0); // the calls were logged (access lines, errors) — just not their bodies
    expect(logged.join('')).not.toContain(marker);
  });
});
