import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { findOrCreateWalletAccount, getCommittedDebt } from '@tollgate/db';
import { AccessTokens } from '../auth/access-tokens';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { startLoopbackFacilitator, type LoopbackFacilitator } from '@tollgate/testing/x402';

const JWT_SECRET = 'test-secret-for-tollgate-x402-settle-idor-0123456789';

/*
 * IDOR on POST /v1/settle (issue 14, security refusals): a wallet settles only its own debt. The route takes no account
 * or wallet input — the caller's JWT decides — so nothing a caller sends can make it settle (or read) another wallet's
 * debt. The paying flow itself is in x402-debt.test.ts; the other caller-facing routes are in ../security-refusals.test.ts.
 */
describe('x402 settle: one wallet can never settle or read another', () => {
  let gateway: TestGateway;
  let facilitator: LoopbackFacilitator;
  let tokens: AccessTokens;

  beforeAll(async () => {
    facilitator = await startLoopbackFacilitator();
    gateway = await startTestGateway({ JWT_SECRET, X402_PAY_TO: privateKeyToAccount(generatePrivateKey()).address, X402_NETWORK: 'base-sepolia', X402_FACILITATOR_URL: facilitator.url });
    tokens = new AccessTokens({ algorithm: 'HS256', secret: JWT_SECRET, issuer: 'tollgate', audience: 'tollgate', ttlSeconds: 300 });
  });
  afterAll(async () => {
    await gateway?.close();
    await facilitator?.close();
  });

  it('answers for the caller whatever names the victim; a token edited to the victim is forged (401); the victim is untouched', async () => {
    const caller = privateKeyToAccount(generatePrivateKey()).address.toLowerCase();
    const victim = privateKeyToAccount(generatePrivateKey()).address.toLowerCase();
    const callerAccount = await findOrCreateWalletAccount(gateway.db.prisma, caller);
    const victimAccount = await findOrCreateWalletAccount(gateway.db.prisma, victim);
    // The victim owes something (as the billing worker would have recorded it).
    await gateway.db.prisma.$transaction([
      gateway.db.prisma.ledgerEntry.create({ data: { accountId: victimAccount.id, kind: 'usage', amount: '0.5', requestId: `req_idor_${Date.now()}` } }),
      gateway.db.prisma.account.update({ where: { id: victimAccount.id }, data: { debt: { increment: '0.5' }, debtVersion: { increment: 1 } } }),
    ]);
    const { token } = tokens.sign({ accountId: callerAccount.id, wallet: caller, scope: ['completions'] });

    const naming = { 'x-account-id': victimAccount.id, 'x-wallet-address': victim, 'x-tollgate-account': victimAccount.id };
    const settle = await fetch(`${gateway.url}/v1/settle?account_id=${victimAccount.id}&wallet=${victim}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...naming },
      body: JSON.stringify({ account_id: victimAccount.id, wallet: victim, wallet_address: victim }),
    });
    // The caller owes nothing: nothing to pay (200), about the caller alone — not a 402 for the victim's debt.
    expect(settle.status).toBe(200);
    expect(await settle.json()).toEqual({ account_id: callerAccount.id, wallet_address: caller, settled_usd: '0', debt_usd: '0', reference: null });

    // The caller's token with its subject or wallet changed to the victim's keeps the caller's signature: forged.
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const edited of [{ sub: victimAccount.id }, { wallet: victim }, { sub: victimAccount.id, wallet: victim }]) {
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, ...edited })).toString('base64url')}.${signature}`;
      for (const [method, route] of [['POST', '/v1/settle'], ['GET', '/v1/balance']] as const) {
        expect([route, (await fetch(`${gateway.url}${route}`, { method, headers: { authorization: `Bearer ${forged}` } })).status]).toEqual([route, 401]);
      }
    }

    // The caller's balance is its own; the victim's debt and payments are as they were.
    const balance = await fetch(`${gateway.url}/v1/balance?account_id=${victimAccount.id}`, { headers: { authorization: `Bearer ${token}`, ...naming } });
    expect(await balance.json()).toMatchObject({ account_id: callerAccount.id, wallet_address: caller });
    expect((await getCommittedDebt(gateway.db.prisma, victimAccount.id)).debt).toBe('0.5');
    expect(await gateway.db.prisma.payment.count({ where: { accountId: victimAccount.id } })).toBe(0);
    expect(facilitator.calls).toEqual([]);
  });
});
