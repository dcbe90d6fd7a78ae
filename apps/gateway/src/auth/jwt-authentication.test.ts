import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import OpenAI from 'openai';
import { createAccountWithKey } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { AccessTokens } from './access-tokens';

const JWT_SECRET = 'test-secret-for-tollgate-access-tokens-0123456789';
const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Posts one tiny completion on each API with a bearer token; the two answers. */
async function bothApis(gateway: TestGateway, token: string) {
  const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const messages = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { chat: { status: chat.status, body: (await chat.json()) as unknown }, messages: { status: messages.status, body: (await messages.json()) as unknown } };
}

/** The refusal in OpenAI's shape on /v1/chat/completions and Anthropic's on /v1/messages. */
async function expectRefused(gateway: TestGateway, token: string, status: number, code: string) {
  const { chat, messages } = await bothApis(gateway, token);
  const type = status === 401 ? 'authentication_error' : 'permission_error';
  expect(chat).toEqual({ status, body: { error: { type, code, param: null, message: expect.any(String) } } });
  expect(messages).toEqual({ status, body: { type: 'error', error: { type, message: expect.any(String) } } });
}

describe('JWT authentication (HS256)', () => {
  let gateway: TestGateway;
  let tokens: AccessTokens;
  const claims = (accountId: string) => ({ sub: accountId, scope: 'completions', jti: randomUUID() });
  const signed = (payload: object, options: jwt.SignOptions = {}, secret = JWT_SECRET) =>
    jwt.sign({ exp: now() + 300, ...payload }, secret, { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', ...options });

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET });
    tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });
  });
  afterAll(() => gateway.close());

  it('admits a valid token on both APIs as its account, with no key; keys still work', async () => {
    const { token } = tokens.sign({ accountId: gateway.accountId, scope: ['completions'] });
    const { chat, messages } = await bothApis(gateway, token);
    expect(chat.status).toBe(200);
    expect(messages.status).toBe(200);
    const client = new OpenAI({ apiKey: token, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string)).toMatchObject({ accountId: gateway.accountId, authMethod: 'jwt' });
    expect((await bothApis(gateway, gateway.apiKey)).chat.status).toBe(200);
  });

  it('refuses a forged signature (401)', async () => {
    await expectRefused(gateway, signed(claims(gateway.accountId), {}, 'another-secret-another-secret-another-secret'), 401, 'invalid_token_bad_signature');
  });

  it('refuses an expired token (401)', async () => {
    await expectRefused(gateway, signed({ ...claims(gateway.accountId), exp: now() - 5 }), 401, 'invalid_token_expired');
  });

  it('refuses alg: none (401)', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims(gateway.accountId), iss: 'tollgate', aud: 'tollgate', exp: now() + 300 })}.`;
    await expectRefused(gateway, unsigned, 401, 'invalid_token_wrong_algorithm');
  });

  it('refuses a wrong issuer (401)', async () => {
    await expectRefused(gateway, signed(claims(gateway.accountId), { issuer: 'someone-else' }), 401, 'invalid_token_wrong_issuer');
  });

  it('refuses a wrong audience (401)', async () => {
    await expectRefused(gateway, signed(claims(gateway.accountId), { audience: 'another-service' }), 401, 'invalid_token_wrong_audience');
  });

  it('refuses a token whose account was deleted (401) or never existed (401)', async () => {
    const { account, apiKeyId } = await createAccountWithKey(gateway.db.prisma, { name: 'short-lived', creditLimit: '1' });
    const { token } = tokens.sign({ accountId: account.id, scope: ['completions'] });
    expect((await bothApis(gateway, token)).chat.status).toBe(200);
    await gateway.db.prisma.apiKey.delete({ where: { id: apiKeyId } });
    await gateway.db.prisma.account.delete({ where: { id: account.id } });
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the test gateway's cache TTL
    await expectRefused(gateway, token, 401, 'account_not_found');
    await expectRefused(gateway, tokens.sign({ accountId: randomUUID(), scope: ['completions'] }).token, 401, 'account_not_found');
    await expectRefused(gateway, tokens.sign({ accountId: 'not-a-uuid', scope: ['completions'] }).token, 401, 'account_not_found');
  });

  it('refuses a token whose account is suspended (403)', async () => {
    const { account } = await createAccountWithKey(gateway.db.prisma, { name: 'to-suspend', creditLimit: '1' });
    await gateway.db.prisma.account.update({ where: { id: account.id }, data: { suspendedAt: new Date() } });
    await expectRefused(gateway, tokens.sign({ accountId: account.id, scope: ['completions'] }).token, 403, 'account_suspended');
  });

  it('refuses a token without the completions scope (403)', async () => {
    await expectRefused(gateway, tokens.sign({ accountId: gateway.accountId, scope: ['admin'] }).token, 403, 'insufficient_scope');
  });
});

describe('JWT authentication (RS256)', () => {
  let gateway: TestGateway;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_PEM: privateKeyPem, JWT_PUBLIC_KEY_PEM: publicKeyPem });
  });
  afterAll(() => gateway.close());

  it('admits its own RS256 tokens (from a key exchange)', async () => {
    const exchanged = await fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}` } });
    const { token } = (await exchanged.json()) as { token: string };
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('RS256');
    expect((await bothApis(gateway, token)).chat.status).toBe(200);
  });

  it('refuses an HS256 token "signed" with its public key as the HMAC secret (HS/RS confusion, 401)', async () => {
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({ sub: gateway.accountId, scope: 'completions', jti: randomUUID(), iss: 'tollgate', aud: 'tollgate', exp: now() + 300 });
    const signature = createHmac('sha256', publicKeyPem).update(`${header}.${payload}`).digest('base64url');
    await expectRefused(gateway, `${header}.${payload}.${signature}`, 401, 'invalid_token_wrong_algorithm');
  });
});

describe('a gateway with no JWT settings', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  it('accepts no JWT and says sign-in is not enabled', async () => {
    const token = jwt.sign({ sub: gateway.accountId, scope: 'completions', jti: 'x' }, JWT_SECRET, { algorithm: 'HS256', issuer: 'tollgate', audience: 'tollgate', expiresIn: 60 });
    await expectRefused(gateway, token, 401, 'invalid_api_key');
    const nonce = await fetch(`${gateway.url}/v1/authorize/nonce`);
    expect(nonce.status).toBe(503);
    expect(await nonce.json()).toMatchObject({ error: { code: 'sign_in_disabled', message: expect.stringContaining('JWT_SECRET') } });
    const authorize = await fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}` } });
    expect(authorize.status).toBe(503);
  });
});
