import jwt from 'jsonwebtoken';
import { AccessTokens } from '../auth/access-tokens';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const JWT_SECRET = 'test-secret-for-tollgate-access-tokens-0123456789';
const ADMIN_TOKEN = 'an-admin-token-of-at-least-32-characters';

describe('/admin with tollgate JWTs', () => {
  let gateway: TestGateway;
  const tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });
  const call = (token: string, method = 'GET', path = '/admin/accounts', body?: object) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET, ADMIN_TOKEN });
  });
  afterAll(() => gateway.close());

  it('lets a JWT with the admin scope in, audited as jwt:<sub>', async () => {
    const { token } = tokens.sign({ accountId: gateway.accountId, scope: ['admin'] });
    expect((await call(token)).status).toBe(200);
    const created = await call(token, 'POST', '/admin/accounts', { name: 'made by a JWT', creditLimit: '1' });
    expect(created.status).toBe(201);
    const audit = (await (await call(ADMIN_TOKEN, 'GET', '/admin/audit')).json()) as { data: Array<{ actor: string; after: { name?: string } | null }> };
    expect(audit.data.find((entry) => entry.after?.name === 'made by a JWT')?.actor).toBe(`jwt:${gateway.accountId}`);
  });

  it('refuses a JWT without the admin scope (403) — a wallet sign-in token included', async () => {
    const response = await call(tokens.sign({ accountId: gateway.accountId, scope: ['completions'] }).token);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'admin_scope_required' } });
  });

  it('refuses an expired admin JWT (401) and a forged one (401)', async () => {
    const expired = jwt.sign({ sub: gateway.accountId, scope: 'admin', jti: 'x', exp: Math.floor(Date.now() / 1000) - 5 }, JWT_SECRET, { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate' });
    const response = await call(expired);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_token_expired' } });
    const forged = jwt.sign({ sub: gateway.accountId, scope: 'admin', jti: 'x' }, 'not-the-secret-not-the-secret-not-the-secret', { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', expiresIn: 60 });
    expect((await call(forged)).status).toBe(401);
  });
});
