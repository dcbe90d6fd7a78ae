import { decodePaymentResponseHeader, wrapFetchWithPaymentFromConfig } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { BASE_SEPOLIA, type LoopbackFacilitator, paymentRequiredHeader, startLoopbackFacilitator, v1PaymentHeader } from '@tollgate/testing/x402';
import { AccessTokens } from '../auth/access-tokens';
import { usdcAtomicToUsd, usdToUsdcAtomicCeil } from './usdc-amount';

const JWT_SECRET = 'test-secret-for-tollgate-x402-credit-0123456789';
const CHAT = { model: 'tollgate/echo', messages: [{ role: 'user', content: 'pay as you go' }], max_tokens: 50 };
const MESSAGES = { model: 'tollgate/echo', max_tokens: 50, messages: [{ role: 'user', content: 'pay as you go' }] };

describe('x402 pay per request (USDC on Base Sepolia, through a loopback facilitator)', () => {
  let gateway: TestGateway;
  let facilitator: LoopbackFacilitator;
  const payTo = privateKeyToAccount(generatePrivateKey()).address;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const paymentsOf = async (walletAddress: string) => {
    const account = await gateway.db.prisma.account.findUnique({ where: { walletAddress: walletAddress.toLowerCase() } });
    return account ? gateway.db.prisma.payment.findMany({ where: { accountId: account.id }, orderBy: { createdAt: 'asc' } }) : [];
  };

  beforeAll(async () => {
    facilitator = await startLoopbackFacilitator();
    gateway = await startTestGateway({ X402_PAY_TO: payTo, X402_NETWORK: 'base-sepolia', X402_FACILITATOR_URL: facilitator.url, JWT_SECRET });
  });
  afterAll(async () => {
    await gateway.close();
    await facilitator.close();
  });

  it('answers a request without credentials 402 with the v1 body and the v2 PAYMENT-REQUIRED header, priced at its worst case', async () => {
    const response = await post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(402);
    const body = (await response.json()) as { x402Version: number; error: string; accepts: Array<Record<string, unknown>> };
    expect(body.x402Version).toBe(1);
    expect(body.error).toEqual(expect.any(String));
    expect(body.accepts).toHaveLength(1);
    const [v1] = body.accepts;
    expect(v1).toMatchObject({
      scheme: 'exact',
      network: 'base-sepolia',
      resource: `${gateway.url}/v1/chat/completions`,
      mimeType: 'application/json',
      payTo,
      maxTimeoutSeconds: 300,
      asset: BASE_SEPOLIA.asset,
      extra: { name: 'USDC', version: '2' },
    });
    // The worst case (in the description) rounded up to the next atomic unit.
    const worstCase = /at most \$([0-9.]+)/.exec(String(v1['description']))?.[1] as string;
    expect(v1['maxAmountRequired']).toBe(usdToUsdcAtomicCeil(worstCase).toString());
    expect(BigInt(v1['maxAmountRequired'] as string)).toBeGreaterThan(0n);

    const v2 = paymentRequiredHeader(response);
    expect(v2).toMatchObject({ x402Version: 2, resource: { url: `${gateway.url}/v1/chat/completions`, mimeType: 'application/json' } });
    expect(v2.accepts).toEqual([
      { scheme: 'exact', network: 'eip155:84532', amount: v1['maxAmountRequired'], asset: BASE_SEPOLIA.asset, payTo, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } },
    ]);

    const more = await post('/v1/chat/completions', { ...CHAT, max_tokens: 500 });
    expect(BigInt(paymentRequiredHeader(more).accepts[0].amount)).toBeGreaterThan(BigInt(v1['maxAmountRequired'] as string));
  });

  it('treats a bare X-Wallet-Address as no credential: the same 402, saying how that wallet signs in', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey()).address;
    const response = await post('/v1/chat/completions', CHAT, { 'x-wallet-address': wallet });
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: string };
    expect(body.error).toContain('X-Wallet-Address is not a credential');
    expect(body.error).toContain('/v1/authorize');
    expect(await gateway.db.prisma.account.count({ where: { walletAddress: wallet.toLowerCase() } })).toBe(0);
  });

  it('402 → pay with @x402/fetch → 200: settled through the facilitator, a top-up of the wallet account, usage billed to it', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    const pay = wrapFetchWithPaymentFromConfig(fetch, { schemes: [{ network: 'eip155:84532', client: new ExactEvmScheme(payer) }] });
    const callsBefore = facilitator.calls.length;
    const response = await pay(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }>; usage: { cost: { total: string } } };
    expect(completion.choices[0].message.content).toBe('pay as you go');
    expect(facilitator.calls.slice(callsBefore).map((call) => call.path)).toEqual(['/verify', '/settle']);

    const settlement = decodePaymentResponseHeader(response.headers.get('payment-response') as string);
    const nonce = [...facilitator.transactions.entries()].find(([, transaction]) => transaction === settlement.transaction)?.[0];
    expect(settlement).toMatchObject({ success: true, network: 'eip155:84532' });
    expect(settlement.payer?.toLowerCase()).toBe(payer.address.toLowerCase());
    expect(nonce).toBeDefined();

    const paid = (facilitator.calls.at(-1)?.body.paymentRequirements as { amount: string }).amount;
    const payments = await paymentsOf(payer.address);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ kind: 'topup', reference: settlement.transaction, actor: 'x402', idempotencyKey: `x402:base-sepolia:${nonce}` });
    expect(payments[0].amount.toFixed()).toBe(usdcAtomicToUsd(BigInt(paid)));

    const requestId = response.headers.get('x-tollgate-request-id') as string;
    const event = await gateway.meteringEvent(requestId);
    expect(event).toMatchObject({ accountId: payments[0].accountId, authMethod: 'x402', walletAddress: payer.address.toLowerCase(), status: 'ok', cost: completion.usage.cost });
    // What the request did not cost stays as the wallet's credit: the ledger holds the top-up, the worker adds the usage.
    const account = await gateway.db.prisma.account.findUniqueOrThrow({ where: { id: payments[0].accountId } });
    expect(account.debt.toFixed()).toBe(`-${usdcAtomicToUsd(BigInt(paid))}`);
    expect(account.walletAddress).toBe(payer.address.toLowerCase());
  });

  it('pays for /v1/messages the same way (streamed), answering in Anthropic shape', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    const pay = wrapFetchWithPaymentFromConfig(fetch, { schemes: [{ network: 'eip155:84532', client: new ExactEvmScheme(payer) }] });
    const response = await pay(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...MESSAGES, stream: true }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text();
    expect(text).toContain('event: message_stop');
    expect(decodePaymentResponseHeader(response.headers.get('payment-response') as string).success).toBe(true);
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ authMethod: 'x402', walletAddress: payer.address.toLowerCase(), streamed: true });
    expect(await paymentsOf(payer.address)).toHaveLength(1);
  });

  it('accepts a v1 X-PAYMENT built by hand with viem, paying more than asked: the rest is credit, spent later with a wallet JWT', async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    const asked = BigInt(((await (await post('/v1/messages', MESSAGES)).json()) as { accepts: Array<{ maxAmountRequired: string }> }).accepts[0].maxAmountRequired);
    const headers = await v1PaymentHeader(payer, { to: payTo, value: asked + 1_000_000n });
    const response = await post('/v1/messages', MESSAGES, { ...headers, 'anthropic-version': '2023-06-01' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe('message');
    const settlement = decodePaymentResponseHeader(response.headers.get('x-payment-response') as string);
    expect(settlement).toMatchObject({ success: true, network: 'base-sepolia' });
    const payments = await paymentsOf(payer.address);
    expect(payments.map((payment: { kind: string; amount: { toFixed(): string }; reference: string | null }) => [payment.kind, payment.amount.toFixed(), payment.reference])).toEqual([['topup', usdcAtomicToUsd(asked + 1_000_000n), settlement.transaction]]);

    // What the payment left is the wallet's credit: its JWT spends it without paying again.
    const tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });
    const { token } = tokens.sign({ accountId: payments[0].accountId, wallet: payer.address.toLowerCase(), scope: ['completions'] });
    const withCredit = await post('/v1/chat/completions', CHAT, { authorization: `Bearer ${token}` });
    expect(withCredit.status).toBe(200);
    expect(withCredit.headers.get('payment-response')).toBeNull();
    const event = await gateway.meteringEvent(withCredit.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ accountId: payments[0].accountId, authMethod: 'jwt', walletAddress: payer.address.toLowerCase() });
    expect(await paymentsOf(payer.address)).toHaveLength(1);
  });
});
