import { randomBytes } from 'node:crypto';
import type { PaymentRequirements } from '@x402/core/types';
import { type LightningStandIn, startLndStandIn } from '@tollgate/lightning/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { BASE_SEPOLIA, type LoopbackFacilitator, paymentRequiredHeader, signAuthorization, startLoopbackFacilitator, v1PaymentHeader, v2PaymentHeader } from '@tollgate/testing/x402';
import { usdcAtomicToUsd } from './usdc-amount';

const CHAT = { model: 'tollgate/echo', messages: [{ role: 'user', content: 'refuse me' }], max_tokens: 40 };
const MESSAGES = { model: 'tollgate/echo', max_tokens: 40, messages: [{ role: 'user', content: 'refuse me' }] };

/** Each refused payment: 402, the requirements again (v1 body and v2 header), the precise x402 reason, nothing recorded. */
describe('x402 refusals', () => {
  let gateway: TestGateway;
  let facilitator: LoopbackFacilitator;
  const payTo = privateKeyToAccount(generatePrivateKey()).address;
  const payer = privateKeyToAccount(generatePrivateKey());
  const route = (path: string) => (path === '/v1/messages' ? MESSAGES : CHAT);
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(route(path)) });
  /** The requirements a request without payment gets. */
  const asked = async (path: string): Promise<{ v1Amount: bigint; v2: PaymentRequirements }> => {
    const response = await post(path);
    const body = (await response.json()) as { accepts: Array<{ maxAmountRequired: string }> };
    return { v1Amount: BigInt(body.accepts[0].maxAmountRequired), v2: paymentRequiredHeader(response).accepts[0] };
  };
  const expectRefused = async (response: Response, reason: string) => {
    expect(response.status).toBe(402);
    const body = (await response.json()) as { x402Version: number; error: string; accepts: unknown[] };
    expect(body).toMatchObject({ x402Version: 1, error: reason });
    expect(body.accepts).toHaveLength(1);
    expect(paymentRequiredHeader(response)).toMatchObject({ x402Version: 2, error: reason });
    expect(response.headers.get('payment-response')).toBeNull();
  };
  const paymentCount = () => gateway.db.prisma.payment.count();

  beforeAll(async () => {
    facilitator = await startLoopbackFacilitator();
    gateway = await startTestGateway({ X402_PAY_TO: payTo, X402_NETWORK: 'base-sepolia', X402_FACILITATOR_URL: facilitator.url });
  });
  afterAll(async () => {
    await gateway.close();
    await facilitator.close();
  });

  describe.each(['/v1/chat/completions', '/v1/messages'])('on %s', (path) => {
    it('refuses a replayed nonce (invalid_exact_evm_nonce_already_used), the first use served once', async () => {
      const { v1Amount } = await asked(path);
      const headers = await v1PaymentHeader(payer, { to: payTo, value: v1Amount });
      expect((await post(path, headers)).status).toBe(200);
      const before = await paymentCount();
      await expectRefused(await post(path, headers), 'invalid_exact_evm_nonce_already_used');
      expect(await paymentCount()).toBe(before);
    });

    it('refuses a payment to another recipient (invalid_exact_evm_payload_recipient_mismatch)', async () => {
      const { v1Amount } = await asked(path);
      const before = { payments: await paymentCount(), calls: facilitator.calls.length };
      const elsewhere = privateKeyToAccount(generatePrivateKey()).address;
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: elsewhere, value: v1Amount })), 'invalid_exact_evm_payload_recipient_mismatch');
      expect(await paymentCount()).toBe(before.payments);
      expect(facilitator.calls.length).toBe(before.calls); // refused before the facilitator is asked
    });

    it('refuses a short amount (invalid_exact_evm_payload_authorization_value), in v1 and v2', async () => {
      const { v1Amount, v2 } = await asked(path);
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: payTo, value: v1Amount - 1n })), 'invalid_exact_evm_payload_authorization_value');
      // v2 takes exactly the amount: one atomic unit more is refused too.
      await expectRefused(await post(path, await v2PaymentHeader(payer, v2, { to: payTo, value: BigInt(v2.amount) + 1n })), 'invalid_exact_evm_payload_authorization_value');
      await expectRefused(await post(path, await v2PaymentHeader(payer, { ...v2, amount: (BigInt(v2.amount) - 1n).toString() }, { to: payTo, value: BigInt(v2.amount) - 1n })), 'invalid_exact_evm_payload_authorization_value');
    });

    it('refuses an expired authorization (invalid_exact_evm_payload_authorization_valid_before)', async () => {
      const { v1Amount } = await asked(path);
      const now = BigInt(Math.floor(Date.now() / 1000));
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: payTo, value: v1Amount, validAfter: now - 600n, validBefore: now - 1n })), 'invalid_exact_evm_payload_authorization_valid_before');
    });

    it('refuses an authorization not valid yet (invalid_exact_evm_payload_authorization_valid_after)', async () => {
      const { v1Amount } = await asked(path);
      const now = BigInt(Math.floor(Date.now() / 1000));
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: payTo, value: v1Amount, validAfter: now + 120n, validBefore: now + 600n })), 'invalid_exact_evm_payload_authorization_valid_after');
    });

    it('refuses another scheme (unsupported_scheme) and a v2 payload in X-PAYMENT (invalid_x402_version)', async () => {
      const { v1Amount, v2 } = await asked(path);
      const payload = await signAuthorization(payer, { to: payTo, value: v1Amount });
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
      await expectRefused(await post(path, { 'X-PAYMENT': encode({ x402Version: 1, scheme: 'upto', network: 'base-sepolia', payload }) }), 'unsupported_scheme');
      await expectRefused(await post(path, { 'X-PAYMENT': encode({ x402Version: 2, accepted: v2, payload }) }), 'invalid_x402_version');
    });

    it('refuses an authorization signed by another key (invalid_exact_evm_payload_signature)', async () => {
      const { v1Amount } = await asked(path);
      const thief = privateKeyToAccount(generatePrivateKey());
      const payload = await signAuthorization(thief, { to: payTo, value: v1Amount }, payer.address);
      const header = { 'X-PAYMENT': Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload })).toString('base64') };
      await expectRefused(await post(path, header), 'invalid_exact_evm_payload_signature');
      // Signed for another chain's domain: the signature does not recover `from` on this one.
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: payTo, value: v1Amount, chainId: 8453 })), 'invalid_exact_evm_payload_signature');
    });

    it('refuses a payment on another network (invalid_network), in v1 and v2', async () => {
      const { v1Amount, v2 } = await asked(path);
      await expectRefused(await post(path, await v1PaymentHeader(payer, { to: payTo, value: v1Amount }, 'base')), 'invalid_network');
      await expectRefused(await post(path, await v2PaymentHeader(payer, { ...v2, network: 'eip155:8453' }, { to: payTo, value: BigInt(v2.amount) })), 'invalid_network');
    });

    it('refuses a header that is not an x402 payment (invalid_payload)', async () => {
      await expectRefused(await post(path, { 'X-PAYMENT': 'not base64!' }), 'invalid_payload');
      await expectRefused(await post(path, { 'X-PAYMENT': Buffer.from('{"x402Version":1}').toString('base64') }), 'invalid_payload');
    });
  });

  it("refuses a payment the facilitator cannot settle, with the facilitator's reason, and takes the same payment once it can", async () => {
    const { v1Amount } = await asked('/v1/chat/completions');
    const headers = await v1PaymentHeader(payer, { to: payTo, value: v1Amount });
    const before = await paymentCount();
    facilitator.failNextSettle = 'invalid_exact_evm_transaction_failed';
    await expectRefused(await post('/v1/chat/completions', headers), 'invalid_exact_evm_transaction_failed');
    expect(await paymentCount()).toBe(before);
    // Nothing was settled: the nonce was released, so the client may send the same authorization again.
    const retried = await post('/v1/chat/completions', headers);
    expect(retried.status).toBe(200);
    expect(await paymentCount()).toBe(before + 1);
  });

  it('a v2 payment built by hand for the exact amount is accepted', async () => {
    const { v2 } = await asked('/v1/chat/completions');
    const response = await post('/v1/chat/completions', await v2PaymentHeader(payer, v2, { to: payTo, value: BigInt(v2.amount) }));
    expect(response.status).toBe(200);
    expect(response.headers.get('payment-response')).toEqual(expect.any(String));
  });
});

describe('x402 without a facilitator, with L402 offered on the same 402', () => {
  let gateway: TestGateway;
  let node: LightningStandIn;
  const payTo = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    node = await startLndStandIn();
    gateway = await startTestGateway({
      X402_PAY_TO: payTo,
      X402_NETWORK: 'base-sepolia',
      LIGHTNING_BACKEND: 'lnd',
      LND_REST_URL: node.url,
      LND_MACAROON_HEX: node.credential,
      BTC_USD_RATE: '100000',
      L402_ENABLED: 'true',
      L402_ROOT_KEY: randomBytes(32).toString('hex'),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await node.close();
  });

  it("one 402 offers both: x402's body and PAYMENT-REQUIRED header, L402's WWW-Authenticate invoice", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(402);
    expect(response.headers.get('www-authenticate')).toMatch(/^L402 macaroon="[^"]+", invoice="ln[^"]+"$/);
    expect(paymentRequiredHeader(response).accepts[0]).toMatchObject({ network: 'eip155:84532', payTo, asset: BASE_SEPOLIA.asset });
    expect(await response.json()).toMatchObject({ x402Version: 1, accepts: [{ network: 'base-sepolia', payTo }] });
  });

  it('takes the payment itself: verified, recorded with the signed authorization and reference x402:<nonce>, no PAYMENT-RESPONSE', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    const first = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT) });
    const amount = BigInt(((await first.json()) as { accepts: Array<{ maxAmountRequired: string }> }).accepts[0].maxAmountRequired);
    const headers = await v1PaymentHeader(payer, { to: payTo, value: amount });
    const nonce = (JSON.parse(Buffer.from(headers['X-PAYMENT'], 'base64').toString()) as { payload: { authorization: { nonce: string } } }).payload.authorization.nonce;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-payment-response')).toBeNull();
    const account = await gateway.db.prisma.account.findUniqueOrThrow({ where: { walletAddress: payer.address.toLowerCase() } });
    const [payment] = await gateway.db.prisma.payment.findMany({ where: { accountId: account.id } });
    expect(payment).toMatchObject({ kind: 'topup', reference: `x402:${nonce}`, idempotencyKey: `x402:base-sepolia:${nonce}`, actor: 'x402' });
    expect(payment.amount.toFixed()).toBe(usdcAtomicToUsd(amount));
    // The operator can submit the authorization on-chain: it is kept whole, with its signature.
    expect(payment.description).toContain(nonce);
    expect(payment.description).toMatch(/"signature":"0x[0-9a-f]{130}"/);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ accountId: account.id, authMethod: 'x402', walletAddress: payer.address.toLowerCase() });
  });
});
