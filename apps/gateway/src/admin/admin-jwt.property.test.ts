import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { AccessTokens } from '../auth/access-tokens';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Property-based tests over the JWT path into /admin: whatever a caller does to a token — a genuine admin token
 * edited (claims, header, algorithm `none`, another key), or a token genuinely signed with random claims — the
 * answer is never a 5xx, comes within a few seconds, is in the admin API's error shape, and lets in only a genuine,
 * unexpired token whose scope names `admin`.
 */

const JWT_SECRET = 'property-secret-for-tollgate-access-tokens-0123456789';
const ADMIN_TOKEN = 'an-admin-token-of-at-least-32-characters-for-fuzz';
const NUM_RUNS = 100;
const REQUEST_TIMEOUT_MS = 5_000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Values a forger tries in a claim or header field. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', 'admin', 'Admin', ' admin', 'admin ', 'admin\u0000', 'completions admin', ['admin'], { admin: true }, 0, -1, 2 ** 53 + 2, 1e308, true),
  fc.constantFrom('none', 'None', 'HS256', 'HS512', 'RS256', 'ES256', '\ud800', '𝔞𝔡𝔪𝔦𝔫', 'x'.repeat(5_000)),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const claimName = fc.constantFrom('scope', 'sub', 'exp', 'nbf', 'iat', 'iss', 'aud', 'jti', 'key', 'wallet', '__proto__', 'constructor');
const headerName = fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jku', 'x5u', 'b64', 'zip');

describe('/admin with edited and random JWTs (property-based)', () => {
  let gateway: TestGateway;
  const tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET, ADMIN_TOKEN });
  });
  afterAll(() => gateway.close());

  const call = async (token: string): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${gateway.url}/admin/accounts?limit=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, text: await response.text() };
  };
  const refusedCleanly = (answer: { status: number; text: string }) => {
    expect([401, 403]).toContain(answer.status);
    const body = JSON.parse(answer.text) as unknown;
    expect(isRecord(body) && isRecord(body['error']) && Object.keys(body['error']).sort().join()).toBe('code,message,param,type');
  };

  it('refuses every edit of a genuine admin token (its signature no longer matches) with a clean 401/403', async () => {
    const genuine = tokens.sign({ accountId: gateway.accountId, scope: ['admin'] }).token;
    expect((await call(genuine)).status).toBe(200);
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const headerJson = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
    const edit = fc.oneof(
      // A claim changed, the signature kept (or dropped, as `alg: none` would have it).
      fc.record({ name: claimName, value: oddValue, keepSignature: fc.boolean() }).map(({ name, value, keepSignature }) => `${header}.${encode({ ...claims, [name]: value })}.${keepSignature ? signature : ''}`),
      // The header changed: `alg: none`, another algorithm, a key id or URL to fetch from.
      fc.record({ name: headerName, value: oddValue, keepSignature: fc.boolean() }).map(({ name, value, keepSignature }) => `${encode({ ...headerJson, [name]: value })}.${payload}.${keepSignature ? signature : ''}`),
      // Signed, but with another secret or another algorithm's key material.
      fc.string({ minLength: 1, maxLength: 40 }).map((secret) => jwt.sign({ ...claims, scope: 'admin' }, `${secret}-not-the-secret-not-the-secret`, { algorithm: 'HS256' })),
      // Bytes: a segment cut, doubled, swapped, padded or replaced.
      fc.record({ index: fc.nat(2), junk: fc.string({ maxLength: 30 }) }).map(({ index, junk }) => genuine.split('.').map((part, position) => (position === index ? `${part.slice(0, part.length >> 1)}${junk}` : part)).join('.')),
      fc.constantFrom(`${genuine}.${signature}`, `${payload}.${header}.${signature}`, `${header}.${payload}`, `${header}..${signature}`, `${genuine}=`, `${genuine}x`, `${header}.${payload}.${signature.toUpperCase()}`),
    );
    await fc.assert(
      fc.asyncProperty(edit, async (token) => {
        fc.pre(token !== genuine);
        refusedCleanly(await call(token));
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('lets a genuinely signed token in only while it is valid and its scope names admin', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = fc.record({
      scope: fc.oneof(fc.constantFrom('admin', 'completions', 'admin completions', 'completions admin', 'Admin', 'administrator', '', 'admin,completions'), fc.string({ maxLength: 15 })),
      exp: fc.constantFrom(now + 300, now + 5, now - 5, now - 3_600),
      nbf: fc.constantFrom(undefined, now - 10, now + 3_600),
      iss: fc.constantFrom('tollgate', 'someone-else'),
      aud: fc.constantFrom('tollgate', 'another-audience'),
    });
    await fc.assert(
      fc.asyncProperty(claims, async ({ scope, exp, nbf, iss, aud }) => {
        const token = jwt.sign({ sub: gateway.accountId, jti: 'j', scope, exp, iss, aud, ...(nbf === undefined ? {} : { nbf }) }, JWT_SECRET, { algorithm: 'HS256' });
        const answer = await call(token);
        const valid = exp > now + 1 && (nbf === undefined || nbf <= now) && iss === 'tollgate' && aud === 'tollgate';
        if (valid && scope.split(' ').includes('admin')) expect(answer.status).toBe(200);
        else refusedCleanly(answer);
        if (valid && !scope.split(' ').includes('admin')) expect(answer.status).toBe(403);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);
});
