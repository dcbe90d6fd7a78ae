import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'tollgate-gateway';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function signingKey(alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/** A loopback JWKS endpoint serving whichever keys the test publishes, counting its fetches. */
async function startJwksServer() {
  const state = { keys: [] as SigningKey[], fetches: 0 };
  const server: Server = createServer((request, response) => {
    state.fetches += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('platform IdP tokens (loopback JWKS)', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let gateway: TestGateway;
  const first = signingKey('RS256');
  const elliptic = signingKey('ES256');

  const idpToken = (key: SigningKey, claims: object = {}, options: jwt.SignOptions = {}) =>
    jwt.sign({ team: 'search-platform', exp: Math.floor(Date.now() / 1000) + 300, ...claims }, key.privateKey, { algorithm: key.alg, keyid: key.kid, issuer: ISSUER, audience: AUDIENCE, ...options });
  const chat = (token: string) =>
    new OpenAI({ apiKey: token, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const status = async (token: string) =>
    (await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    })).status;

  beforeAll(async () => {
    jwks = await startJwksServer();
    jwks.state.keys = [first, elliptic];
    gateway = await startTestGateway({
      JWT_JWKS_URL: jwks.url,
      JWT_IDP_ISSUER: ISSUER,
      JWT_IDP_AUDIENCE: AUDIENCE,
      JWT_IDP_ACCOUNT_CLAIM: 'team',
      JWT_IDP_CREDIT_LIMIT: '5',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await jwks.close();
  });

  it('admits a valid RS256 token through the OpenAI SDK, as the account its team claim names (created once, with the configured credit)', async () => {
    const { response } = await chat(idpToken(first));
    expect(response.status).toBe(200);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    const account = await gateway.db.prisma.account.findUniqueOrThrow({ where: { idpSubject: 'search-platform' } });
    expect(event).toMatchObject({ accountId: account.id, authMethod: 'jwt' });
    expect(account.creditLimit.toFixed()).toBe('5');
    const { response: again } = await chat(idpToken(elliptic)); // ES256, same team
    expect((await gateway.meteringEvent(again.headers.get('x-tollgate-request-id') as string)).accountId).toBe(account.id);
    const other = await chat(idpToken(first, { team: 'ads' }));
    expect((await gateway.meteringEvent(other.response.headers.get('x-tollgate-request-id') as string)).accountId).not.toBe(account.id);
  });

  it('refuses a wrong audience, a wrong issuer, an expired token and a token without the claim (401)', async () => {
    expect(await status(idpToken(first, {}, { audience: 'another-service' }))).toBe(401);
    expect(await status(idpToken(first, {}, { issuer: 'https://evil.example/' }))).toBe(401);
    expect(await status(idpToken(first, { exp: Math.floor(Date.now() / 1000) - 5 }))).toBe(401);
    expect(await status(idpToken(first, { team: undefined }))).toBe(401);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idpToken(first, {}, { audience: 'another-service' })}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await response.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_token_wrong_audience' } });
  });

  it('refuses an HMAC token naming the IdP as issuer (its keys are public) (401)', async () => {
    const forged = jwt.sign({ team: 'search-platform' }, 'anyone-can-pick-this-secret-0123456789', { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });
    expect(await status(forged)).toBe(401);
  });

  it('refetches the JWKS on an unknown kid and accepts the rotated key; a kid that stays unknown is refused (401)', async () => {
    const rotated = signingKey('RS256');
    const before = jwks.state.fetches;
    expect(await status(idpToken(first))).toBe(200); // cached: no fetch
    expect(jwks.state.fetches).toBe(before);
    jwks.state.keys = [rotated, elliptic];
    expect(await status(idpToken(rotated))).toBe(200);
    expect(jwks.state.fetches).toBe(before + 1);
    const never = signingKey('RS256');
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idpToken(never)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_token_unknown_key' } });
    expect(jwks.state.fetches).toBe(before + 2);
  });
});
