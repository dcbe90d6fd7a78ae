import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { adminRevokeKey, createAccountWithKey } from '@tollgate/db';
import { SIGN_IN_TYPED_DATA_DOMAIN, SIGN_IN_TYPES } from '../auth/wallet-sign-in';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const JWT_SECRET = 'test-secret-for-tollgate-access-tokens-0123456789';

describe('POST /v1/authorize (wallet sign-in and key exchange)', () => {
  let gateway: TestGateway;
  let host: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET });
    host = new URL(gateway.url).host;
  });
  afterAll(() => gateway.close());

  const nonce = async (): Promise<string> => {
    const response = await fetch(`${gateway.url}/v1/authorize/nonce`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { nonce: string }).nonce;
  };
  const authorize = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const siweMessage = (wallet: PrivateKeyAccount, withNonce: string, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) =>
    createSiweMessage({ address: wallet.address, chainId: 8453, domain: host, nonce: withNonce, uri: gateway.url, version: '1', issuedAt: new Date(), ...overrides });
  async function signIn(wallet: PrivateKeyAccount, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
    const message = siweMessage(wallet, await nonce(), overrides);
    return authorize({ message, signature: await wallet.signMessage({ message }) });
  }
  /** A wallet account starts with no credit (it spends what it paid in); these tests grant some, as an operator would. */
  async function grantCredit(accountId: string) {
    await gateway.db.prisma.account.update({ where: { id: accountId }, data: { creditLimit: '1' } });
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the test gateway's account cache TTL
  }
  const chat = (token: string) =>
    new OpenAI({ apiKey: token, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();

  it('issues single-use alphanumeric nonces of 128 bits that expire in minutes', async () => {
    const response = await fetch(`${gateway.url}/v1/authorize/nonce`);
    const body = (await response.json()) as { nonce: string; expiresAt: string };
    expect(body.nonce).toMatch(/^[0-9a-f]{32}$/);
    const lifetime = Date.parse(body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(250_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
    expect(await nonce()).not.toBe(body.nonce);
  });

  it('signs a wallet in with EIP-4361 (201), creating its account once, and the JWT works with the OpenAI and Anthropic SDKs, metered with the wallet', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const response = await signIn(wallet);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; expiresAt: string; account: { id: string; walletAddress: string } };
    expect(body.account.walletAddress).toBe(wallet.address.toLowerCase());
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(3_500_000);
    await grantCredit(body.account.id);

    const { data, response: answered } = await chat(body.token);
    expect(data.choices[0].message.content).toBeTruthy();
    const event = await gateway.meteringEvent(answered.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ accountId: body.account.id, authMethod: 'jwt', walletAddress: wallet.address.toLowerCase() });
    expect(event.apiKeyId ?? null).toBeNull();

    const anthropic = new Anthropic({ authToken: body.token, apiKey: null, baseURL: gateway.url, maxRetries: 0 });
    const { data: message, response: messageResponse } = await anthropic.messages.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(message.type).toBe('message');
    expect(await gateway.meteringEvent(messageResponse.headers.get('x-tollgate-request-id') as string)).toMatchObject({ accountId: body.account.id, walletAddress: wallet.address.toLowerCase() });

    const again = (await (await signIn(wallet)).json()) as { account: { id: string } };
    expect(again.account.id).toBe(body.account.id);
    const balance = await fetch(`${gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${body.token}` } });
    // The wallet's own standing: its address, what it owes and what it has left (no worker here: nothing committed).
    const credit = (await gateway.db.prisma.account.findUniqueOrThrow({ where: { id: body.account.id } })).creditLimit.toFixed();
    expect(await balance.json()).toMatchObject({ account_id: body.account.id, wallet_address: wallet.address.toLowerCase(), auth_method: 'jwt', debt_usd: '0', balance_usd: credit });
  });

  it('signs a wallet in with EIP-712 typed data over tollgate\'s fixed domain and types', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const message = { address: wallet.address, domain: host, nonce: await nonce(), issuedAt: new Date().toISOString() };
    const typedData = { domain: SIGN_IN_TYPED_DATA_DOMAIN, types: SIGN_IN_TYPES, primaryType: 'SignIn' as const, message };
    const response = await authorize({ typedData, signature: await wallet.signTypedData(typedData) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; account: { id: string; walletAddress: string } };
    expect(body.account.walletAddress).toBe(wallet.address.toLowerCase());
    await grantCredit(body.account.id);
    expect((await chat(body.token)).response.status).toBe(200);

    // Signed under another domain (another app's typed data): the signature does not verify against tollgate's.
    const other = { ...typedData, domain: { name: 'other-app', version: '1' }, message: { ...message, nonce: await nonce() } };
    const refused = await authorize({ typedData: other, signature: await wallet.signTypedData(other) });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_signature' } });
  });

  it('refuses a signature by another key (401) without burning the nonce', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const impostor = privateKeyToAccount(generatePrivateKey());
    const message = siweMessage(wallet, await nonce());
    const refused = await authorize({ message, signature: await impostor.signMessage({ message }) });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_signature' } });
    expect((await authorize({ message, signature: await wallet.signMessage({ message }) })).status).toBe(201);
  });

  it('refuses a reused nonce (401)', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const message = siweMessage(wallet, await nonce());
    const signature = await wallet.signMessage({ message });
    const [first, second] = await Promise.all([authorize({ message, signature }), authorize({ message, signature })]);
    expect([first.status, second.status].sort()).toEqual([201, 401]);
    const third = await authorize({ message, signature });
    expect(third.status).toBe(401);
    expect(await third.json()).toMatchObject({ error: { code: 'invalid_nonce' } });
  });

  it('refuses a nonce it never issued, a message for another domain and an expired message (401)', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const madeUp = siweMessage(wallet, 'a1b2c3d4e5f6a7b8c9d0');
    expect((await authorize({ message: madeUp, signature: await wallet.signMessage({ message: madeUp }) })).status).toBe(401);
    const elsewhere = await signIn(wallet, { domain: 'phishing.example' });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toMatchObject({ error: { code: 'wrong_sign_in_domain' } });
    const expired = await signIn(wallet, { issuedAt: new Date(Date.now() - 120_000), expirationTime: new Date(Date.now() - 60_000) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 'expired_sign_in' } });
  });

  it('answers 400 to a malformed body', async () => {
    for (const body of [{ message: 5, signature: '0x00' }, { message: 'hello', signature: 'not hex' }, { typedData: { message: { address: '0x1' } }, signature: '0x00' }, ['array'], { other: true }]) {
      const response = await authorize(body);
      expect(response.status).toBe(400);
    }
    const notSiwe = await authorize({ message: 'please sign me in', signature: '0x1234' });
    expect(notSiwe.status).toBe(400);
    expect(await notSiwe.json()).toMatchObject({ error: { code: 'invalid_sign_in_message' } });
    const noKey = await fetch(`${gateway.url}/v1/authorize`, { method: 'POST' });
    expect(noKey.status).toBe(400);
  });

  const exchange = (apiKey: string) => fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });

  it('exchanges an API key for a short-lived JWT that stands for the key; a revoked key gets none', async () => {
    const { apiKey, apiKeyId, account } = await createAccountWithKey(gateway.db.prisma, { name: 'exchanger', creditLimit: '1' });
    const response = await exchange(apiKey);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; account: { id: string } };
    expect(body.account.id).toBe(account.id);
    const { response: answered } = await chat(body.token);
    expect(await gateway.meteringEvent(answered.headers.get('x-tollgate-request-id') as string)).toMatchObject({ accountId: account.id, apiKeyId, authMethod: 'jwt' });
    // `{}` with the key is the same exchange.
    expect((await authorize({}, { authorization: `Bearer ${apiKey}` })).status).toBe(201);

    await adminRevokeKey(gateway.db.prisma, 'test', apiKeyId);
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the test gateway's key cache TTL
    const revoked = await exchange(apiKey);
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: { code: 'revoked_api_key' } });
    // The token exchanged before ends with its key.
    const ended = await chat(body.token).catch((error: unknown) => error);
    expect(ended).toMatchObject({ status: 401, error: { code: 'revoked_api_key' } });
  });

  it('keeps the key\'s model allowlist on the token exchanged for it', async () => {
    const { apiKey, apiKeyId } = await createAccountWithKey(gateway.db.prisma, { name: 'restricted', creditLimit: '1' });
    await gateway.db.prisma.apiKey.update({ where: { id: apiKeyId }, data: { allowedModels: ['openai/gpt-4o-mini'] } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { token } = (await (await exchange(apiKey)).json()) as { token: string };
    const refused = await chat(token).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403, error: { code: 'model_not_allowed' } });
  });

  it('is described in the OpenAPI document', async () => {
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/authorize', '/v1/authorize/nonce']));
  });

  it('never takes a bare X-Wallet-Address as a credential, and says how to sign in', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const request = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
    const without = await request({});
    const withWallet = await request({ 'x-wallet-address': wallet.address });
    expect(withWallet.status).toBe(without.status);
    expect(withWallet.status).toBe(401);
    const { error } = (await withWallet.json()) as { error: { message: string; code: string } };
    expect(error.code).toBe('missing_api_key');
    expect(error.message).toContain('GET /v1/authorize/nonce');
    expect(error.message).toContain('POST /v1/authorize');
  });
});

describe('sign-in nonces expire', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET, AUTHORIZE_NONCE_TTL_SECONDS: '1', AUTHORIZE_DOMAIN: 'tollgate.example' });
  });
  afterAll(() => gateway.close());

  it('refuses a nonce past its TTL (401), and checks the configured domain rather than the Host', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const issue = async () => ((await (await fetch(`${gateway.url}/v1/authorize/nonce`)).json()) as { nonce: string }).nonce;
    const post = async (message: string) =>
      fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature: await wallet.signMessage({ message }) }) });
    const message = (nonce: string) => createSiweMessage({ address: wallet.address, chainId: 1, domain: 'tollgate.example', nonce, uri: 'https://tollgate.example', version: '1', issuedAt: new Date() });
    const stale = await issue();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const refused = await post(message(stale));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_nonce' } });
    expect((await post(message(await issue()))).status).toBe(201);
  });
});
