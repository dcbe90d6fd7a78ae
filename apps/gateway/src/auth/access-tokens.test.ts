import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessTokens, isJwtShaped, type AccessTokenRefusal } from './access-tokens';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const hs = (overrides: Partial<ConstructorParameters<typeof AccessTokens>[0]> = {}) =>
  new AccessTokens({ algorithm: 'HS256', secret: SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 3600, ...overrides });

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const rs = () => new AccessTokens({ algorithm: 'RS256', privateKeyPem, publicKeyPem, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 3600 });

function expectRefused(tokens: AccessTokens, token: string, reason: AccessTokenRefusal) {
  expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ name: 'AccessTokenError', reason }));
}

describe('AccessTokens', () => {
  it.each([
    ['HS256', hs()],
    ['RS256', rs()],
  ])('signs and verifies %s tokens with sub, wallet, scope, jti and exp', (algorithm, tokens) => {
    const { token, expiresAt } = tokens.sign({ accountId: 'acct-1', wallet: '0xabc', scope: ['completions', 'admin'] });
    expect(isJwtShaped(token)).toBe(true);
    const verified = tokens.verify(token);
    expect(verified).toEqual({ accountId: 'acct-1', wallet: '0xabc', scope: ['completions', 'admin'], jti: expect.any(String), expiresAt });
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(3590_000);
    const claims = jwt.decode(token, { complete: true });
    expect(claims?.header.alg).toBe(algorithm);
    expect(claims?.payload).toMatchObject({ sub: 'acct-1', iss: 'tollgate', aud: 'tollgate', scope: 'completions admin' });
    expect(tokens.sign({ accountId: 'acct-1', scope: [] }).token).not.toBe(token); // fresh jti
    const exchanged = tokens.sign({ accountId: 'acct-1', keyId: 'key-1', scope: ['completions'], notAfter: new Date(Date.now() + 60_000) });
    expect(tokens.verify(exchanged.token)).toMatchObject({ keyId: 'key-1' });
    expect(exchanged.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60_000); // never outlives its key
  });

  it('refuses a forged signature', () => {
    const forged = jwt.sign({ sub: 'acct-1', scope: 'admin' }, 'another-secret-of-at-least-32-characters', { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', jwtid: 'x', expiresIn: 60 });
    expectRefused(hs(), forged, 'bad_signature');
  });

  it('refuses an expired token', () => {
    const expired = jwt.sign({ sub: 'acct-1', exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', jwtid: 'x' });
    expectRefused(hs(), expired, 'expired');
  });

  it('refuses alg: none', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'acct-1', iss: 'tollgate', aud: 'tollgate', jti: 'x', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    expectRefused(hs(), `${header}.${payload}.`, 'wrong_algorithm');
    expectRefused(rs(), `${header}.${payload}.`, 'wrong_algorithm');
  });

  it('refuses an HS256 token signed with the RS256 public key (HS/RS confusion)', () => {
    // jsonwebtoken itself refuses to HMAC with a PEM key; the attacker forges the signature by hand.
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'acct-1', iss: 'tollgate', aud: 'tollgate', jti: 'x', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const signature = createHmac('sha256', publicKeyPem).update(`${header}.${payload}`).digest('base64url');
    expectRefused(rs(), `${header}.${payload}.${signature}`, 'wrong_algorithm');
  });

  it('refuses an RS256 token when HS256 is configured', () => {
    expectRefused(hs(), rs().sign({ accountId: 'acct-1', scope: [] }).token, 'wrong_algorithm');
  });

  it('refuses a wrong issuer and a wrong audience', () => {
    expectRefused(hs(), hs({ issuer: 'someone-else' }).sign({ accountId: 'a', scope: [] }).token, 'wrong_issuer');
    expectRefused(hs(), hs({ audience: 'another-service' }).sign({ accountId: 'a', scope: [] }).token, 'wrong_audience');
  });

  it('refuses a token without sub or jti', () => {
    const bare = jwt.sign({ scope: 'admin' }, SECRET, { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', expiresIn: 60 });
    expectRefused(hs(), bare, 'bad_claims');
  });

  it('refuses to start with a short secret or a missing key', () => {
    expect(() => hs({ secret: 'short' })).toThrow('at least 32 characters');
    expect(() => new AccessTokens({ algorithm: 'RS256', privateKeyPem, issuer: 'i', audience: 'a', ttlSeconds: 1 })).toThrow('private and a public key');
  });

  it('tells JWT-shaped credentials from others', () => {
    expect(isJwtShaped('tg_abc')).toBe(false);
    expect(isJwtShaped('a.b')).toBe(false);
    expect(isJwtShaped('a.b.c')).toBe(true);
    expect(isJwtShaped('a.b.')).toBe(true);
    expect(isJwtShaped('a.b.c+')).toBe(false);
  });
});
