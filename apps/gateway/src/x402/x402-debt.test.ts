import { decodePaymentResponseHeader, wrapFetchWithPaymentFromConfig } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm';
import { Redis } from 'ioredis';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { compareDecimals, subtractDecimals, toNanoUsdCeil } from '@tollgate/billing';
import { findOrCreateWalletAccount, getCommittedDebt } from '@tollgate/db';
import { StateCommands } from '@tollgate/redis-state';
import type { MeteringEvent } from '@tollgate/schemas';
import { AccessTokens } from '../auth/access-tokens';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { startLoopbackFacilitator, type LoopbackFacilitator } from '@tollgate/testing/x402';
import { usdcAtomicToUsd, usdToUsdcAtomicCeil } from './usdc-amount';

const JWT_SECRET = 'test-secret-for-tollgate-x402-debt-0123456789';
const THRESHOLD = '0.0005';
const CHAT = { model: 'tollgate/echo', max_tokens: 200, messages: [{ role: 'user', content: 'words '.repeat(150).trim() }] };

/** Router402's model: a wallet-bound account runs up debt with its JWT, then settles it over x402. */
describe('debt settled over x402 (X402_DEBT_THRESHOLD)', () => {
  let gateway: TestGateway;
  let facilitator: LoopbackFacilitator;
  let redis: Redis;
  let tokens: AccessTokens;
  const payTo = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    facilitator = await startLoopbackFacilitator();
    gateway = await startTestGateway({ JWT_SECRET, X402_PAY_TO: payTo, X402_NETWORK: 'base-sepolia', X402_FACILITATOR_URL: facilitator.url, X402_DEBT_THRESHOLD: THRESHOLD });
    redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });
  });
  afterAll(async () => {
    await gateway.close();
    await facilitator.close();
    redis.disconnect();
  });

  /**
   * What the billing worker does with an event (gateway tests run none): its cost becomes a usage ledger entry and
   * debt in one transaction, and the new debt is published to the gateway's funds view with the request id.
   */
  async function commitUsage(event: MeteringEvent): Promise<void> {
    const account = await gateway.db.prisma.$transaction(async (tx) => {
      await tx.ledgerEntry.create({ data: { accountId: event.accountId, kind: 'usage', amount: event.cost.total, requestId: event.requestId } });
      return tx.account.update({ where: { id: event.accountId }, data: { debt: { increment: event.cost.total }, debtVersion: { increment: 1 } } });
    });
    await new StateCommands(redis).commit({ accountId: event.accountId, debtNano: toNanoUsdCeil(account.debt.toFixed()), version: account.debtVersion, requestIds: [event.requestId] });
  }

  async function walletCaller() {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const account = await findOrCreateWalletAccount(gateway.db.prisma, wallet.address);
    const { token } = tokens.sign({ accountId: account.id, wallet: wallet.address.toLowerCase(), scope: ['completions'] });
    const pay = wrapFetchWithPaymentFromConfig(fetch, { schemes: [{ network: 'eip155:84532', client: new ExactEvmScheme(wallet) }] });
    return { wallet, accountId: account.id, authorization: { authorization: `Bearer ${token}` }, pay };
  }

  const chat = (headers: Record<string, string>) =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(CHAT) });

  /** Calls with the JWT, committing each call's usage, until the gateway asks for the debt; returns that 402. */
  async function runUpDebt(headers: Record<string, string>): Promise<Response> {
    for (let call = 0; call < 30; call += 1) {
      const response = await chat(headers);
      if (response.status === 402) return response;
      expect(response.status).toBe(200);
      await commitUsage(await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string));
    }
    throw new Error('the debt never reached its threshold');
  }

  it('at the threshold a JWT call gets 402 for exactly the outstanding debt; paid with @x402/fetch, it is a settlement and the call proceeds', async () => {
    const { wallet, accountId, authorization, pay } = await walletCaller();
    const refused = await runUpDebt(authorization);
    const { debt } = await getCommittedDebt(gateway.db.prisma, accountId);
    expect(compareDecimals(debt, '0')).toBe(1);
    const body = (await refused.json()) as { x402Version: number; error: string; accepts: Array<{ maxAmountRequired: string; payTo: string }> };
    expect(body.x402Version).toBe(1);
    expect(body.error).toMatch(/Debt limit reached/);
    expect(body.accepts[0]).toMatchObject({ maxAmountRequired: usdToUsdcAtomicCeil(debt).toString(), payTo });

    const response = await pay(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(200);
    const settlement = decodePaymentResponseHeader(response.headers.get('payment-response') as string);
    const paid = usdcAtomicToUsd(usdToUsdcAtomicCeil(debt));
    const payments = await gateway.db.prisma.payment.findMany({ where: { accountId } });
    expect(payments.map((payment) => [payment.kind, payment.amount.toFixed(), payment.reference, payment.actor])).toEqual([['settlement', paid, settlement.transaction, 'x402']]);
    // The debt dropped by exactly the settled amount (the paid call's own usage is not committed yet).
    expect((await getCommittedDebt(gateway.db.prisma, accountId)).debt).toBe(subtractDecimals(debt, paid));
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ accountId, authMethod: 'jwt', walletAddress: wallet.address.toLowerCase(), status: 'ok' });
  });

  it('when uncommitted usage fills the limit, admission\'s 402 asks for the committed debt over x402, and paying it lets the call through', async () => {
    const { accountId, authorization, pay } = await walletCaller();
    const first = await chat(authorization);
    await commitUsage(await gateway.meteringEvent(first.headers.get('x-tollgate-request-id') as string));
    const { debt } = await getCommittedDebt(gateway.db.prisma, accountId);
    // The next calls' usage stays pending (no worker): only admission's view of funds counts it.
    let refused: Response | undefined;
    for (let call = 0; call < 30 && !refused; call += 1) {
      const response = await chat(authorization);
      if (response.status === 402) refused = response;
      else await response.text();
    }
    expect(refused).toBeDefined();
    expect((await getCommittedDebt(gateway.db.prisma, accountId)).debt).toBe(debt);
    const body = (await (refused as Response).json()) as { x402Version: number; accepts: Array<{ maxAmountRequired: string }> };
    expect(body.x402Version).toBe(1);
    expect(body.accepts[0].maxAmountRequired).toBe(usdToUsdcAtomicCeil(debt).toString());

    const response = await pay(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(200);
    const payments = await gateway.db.prisma.payment.findMany({ where: { accountId } });
    expect(payments.map((payment) => [payment.kind, payment.amount.toFixed()])).toEqual([['settlement', usdcAtomicToUsd(usdToUsdcAtomicCeil(debt))]]);
  });

  it('POST /v1/settle: 402 for the outstanding debt without a payment, 200 with the new debt after paying it', async () => {
    const { accountId, authorization, pay } = await walletCaller();
    const nothing = await fetch(`${gateway.url}/v1/settle`, { method: 'POST', headers: authorization });
    expect(nothing.status).toBe(200);
    expect(await nothing.json()).toMatchObject({ account_id: accountId, settled_usd: '0', debt_usd: '0', reference: null });

    const served = await chat(authorization);
    expect(served.status).toBe(200);
    await commitUsage(await gateway.meteringEvent(served.headers.get('x-tollgate-request-id') as string));
    const { debt } = await getCommittedDebt(gateway.db.prisma, accountId);

    const asked = await fetch(`${gateway.url}/v1/settle`, { method: 'POST', headers: authorization });
    expect(asked.status).toBe(402);
    expect(((await asked.json()) as { accepts: Array<{ maxAmountRequired: string }> }).accepts[0].maxAmountRequired).toBe(usdToUsdcAtomicCeil(debt).toString());

    const settled = await pay(`${gateway.url}/v1/settle`, { method: 'POST', headers: authorization });
    expect(settled.status).toBe(200);
    const paid = usdcAtomicToUsd(usdToUsdcAtomicCeil(debt));
    const result = (await settled.json()) as { settled_usd: string; debt_usd: string; reference: string };
    expect(result).toMatchObject({ settled_usd: paid, debt_usd: subtractDecimals(debt, paid) });
    expect(result.reference).toBe(decodePaymentResponseHeader(settled.headers.get('payment-response') as string).transaction);
    expect(await gateway.db.prisma.payment.count({ where: { accountId, kind: 'settlement' } })).toBe(1);
  });

  it('POST /v1/settle refuses a caller without a wallet (403) and one without credentials (401)', async () => {
    expect((await fetch(`${gateway.url}/v1/settle`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}` } })).status).toBe(403);
    expect((await fetch(`${gateway.url}/v1/settle`, { method: 'POST' })).status).toBe(401);
  });
});
