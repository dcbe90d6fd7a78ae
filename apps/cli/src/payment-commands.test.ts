import { Redis } from 'ioredis';
import { subtractDecimals, toNanoUsdCeil } from '@tollgate/billing';
import { createAccountWithKey, listAudit, NO_KEY } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { accountStateKeys, publishCommittedDebt, StateCommands } from '@tollgate/redis-state';
import { cliActor } from './cli-actor';
import { settleCommand, topupCommand, type PaymentOptions, type PublishDebt } from './payment-commands';

describe('tollgate topup and settle', () => {
  let db: TestDatabase;
  let redis: Redis;
  let publish: PublishDebt;
  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis('redis://127.0.0.1:6379');
    publish = (account) => publishCommittedDebt(redis, account);
  });
  afterAll(async () => {
    redis.disconnect();
    await db.drop();
  });

  const newAccount = async (creditLimit: string) => (await createAccountWithKey(db.prisma, { name: 'cli-payer', creditLimit })).account.id;
  const options = (account: string, extra: Partial<PaymentOptions> = {}): PaymentOptions => ({ account, amount: '1', json: true, ...extra });
  const funds = async (accountId: string) => {
    const account = await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    const ledger = await db.prisma.ledgerEntry.aggregate({ where: { accountId }, _sum: { amount: true } });
    return { debt: account.debt.toFixed(), ledger: ledger._sum.amount?.toFixed() ?? '0', available: subtractDecimals(account.creditLimit.toFixed(), account.debt.toFixed()) };
  };

  it('lets an account refused at its credit limit be admitted again once a top-up is recorded and published', async () => {
    const accountId = await newAccount('1');
    // Usage as the billing worker records it: a ledger entry, its daily rollup, the debt raised — to the limit.
    await db.prisma.ledgerEntry.create({ data: { accountId, kind: 'usage', amount: '1', requestId: `req_cli_topup_${accountId}` } });
    await db.prisma.usageDaily.create({
      data: { day: new Date('2026-11-27T00:00:00Z'), accountId, apiKeyId: NO_KEY, provider: 'tollgate', model: 'tollgate/echo', requests: 1n, inputTokens: 1n, outputTokens: 1n, reasoningTokens: 0n, cacheReadTokens: 0n, cacheWriteTokens: 0n, baseCost: '1', commission: '0', totalCost: '1' },
    });
    await db.prisma.account.update({ where: { id: accountId }, data: { debt: '1', debtVersion: 1 } });
    await publishCommittedDebt(redis, { id: accountId, debt: '1', debtVersion: 1n });
    const commands = new StateCommands(redis);
    const admit = (requestId: string) =>
      commands.admit({ accountId, requestId, creditLimitNano: toNanoUsdCeil('1'), amountNano: toNanoUsdCeil('0.01'), holdTtlMs: 60_000, tokens: 0, scopes: [] });
    expect((await admit('before-topup')).status).toBe(2);

    const result = await topupCommand(db.prisma, publish, options(accountId, { amount: '5', reference: 'receipt-7' }), 'cli:test');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.output)).toMatchObject({
      payment: { kind: 'topup', amount: '5', reference: 'receipt-7', actor: 'cli:test' },
      account: { id: accountId, debt: '-4', debtVersion: '2', creditLimit: '1', available: '5' },
      replayed: false,
      fundsPublished: true,
    });
    const admitted = await admit('after-topup');
    expect(admitted.status).toBe(1);
    expect(admitted.availableNano).toBe(toNanoUsdCeil('4.99'));
    expect(await funds(accountId)).toEqual({ debt: '-4', ledger: '-4', available: '5' });
  });

  it('settles a debt with its reference, and records the payment and its audit row under the operator', async () => {
    const accountId = await newAccount('10');
    await db.prisma.ledgerEntry.create({ data: { accountId, kind: 'usage', amount: '3.2', requestId: `req_cli_settle_${accountId}` } });
    await db.prisma.account.update({ where: { id: accountId }, data: { debt: '3.2', debtVersion: 1 } });
    expect((await settleCommand(db.prisma, publish, options(accountId, { amount: '3.2' }))).exitCode).toBe(2);
    const result = await settleCommand(db.prisma, publish, options(accountId, { amount: '3.20', reference: 'INV-0042', json: false }));
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^Settlement [0-9a-f-]{36} recorded: \$3\.2 to account .+, reference INV-0042\n {2}debt \$0 of \$10 credit, available \$10\n {2}gateways admit/);
    expect(await funds(accountId)).toEqual({ debt: '0', ledger: '0', available: '10' });
    expect((await listAudit(db.prisma, { targetId: accountId })).entries).toEqual([expect.objectContaining({ actor: cliActor(), action: 'payment.settlement' })]);
    expect(await redis.hget(accountStateKeys(accountId).funds, 'committed')).toBe('0');
  });

  it('records once under one idempotency key, says so when repeated, and refuses the key for another amount', async () => {
    const accountId = await newAccount('0');
    const first = await topupCommand(db.prisma, publish, options(accountId, { amount: '2', idempotencyKey: 'stripe-evt-1' }));
    const again = await topupCommand(db.prisma, publish, options(accountId, { amount: '2.00', idempotencyKey: 'stripe-evt-1', json: false }));
    expect(again.exitCode).toBe(0);
    expect(again.output).toContain(`${JSON.parse(first.output).payment.id} of $2 was already recorded under idempotency key stripe-evt-1`);
    const other = await topupCommand(db.prisma, publish, options(accountId, { amount: '3', idempotencyKey: 'stripe-evt-1' }));
    expect(other).toMatchObject({ exitCode: 1, output: expect.stringContaining('different body') });
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(1);
    expect(await funds(accountId)).toEqual({ debt: '-2', ledger: '-2', available: '2' });
  });

  it('refuses bad amounts and ids (exit 2) and unknown accounts (exit 1), recording nothing', async () => {
    const accountId = await newAccount('0');
    for (const amount of ['0', '-1', '1e3', 'abc', '0.0000000000000000001', '100000000000000000000']) {
      const result = await topupCommand(db.prisma, publish, options(accountId, { amount }));
      expect({ amount, exitCode: result.exitCode }).toEqual({ amount, exitCode: 2 });
      expect(result.output).toMatch(/^amount /);
    }
    expect((await topupCommand(db.prisma, publish, options('nope'))).exitCode).toBe(2);
    expect(await topupCommand(db.prisma, publish, options('00000000-0000-4000-8000-000000000000'))).toEqual({ output: 'no account 00000000-0000-4000-8000-000000000000', exitCode: 1 });
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(0);
  });

  it('still records the payment when Redis cannot be told, and says the raise is delayed, not lost', async () => {
    const accountId = await newAccount('0');
    const result = await topupCommand(db.prisma, () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')), options(accountId, { amount: '1', json: false }));
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('WARNING: the gateways could not be told (Redis: connect ECONNREFUSED 127.0.0.1:1)');
    expect(await funds(accountId)).toEqual({ debt: '-1', ledger: '-1', available: '1' });
    const json = await topupCommand(db.prisma, () => Promise.reject(new Error('down')), options(accountId, { amount: '1' }));
    expect(JSON.parse(json.output)).toMatchObject({ fundsPublished: false, replayed: false });
  });
});
