import { createAccountWithKey, createTestDatabase, databaseRejection, reconcileDebts, type TestDatabase } from '@tollgate/db';
import { sumDecimals } from '@tollgate/billing';
import { recordUsage, recordUsageBatch } from './record-usage';
import { meteringEventFixture as testEvent } from '@tollgate/testing';

describe('recordUsage', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('inserts the usage row and its ledger entry and raises the debt by the total, once', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'once', creditLimit: '5' });
    const event = testEvent(account.id);
    expect(await recordUsage(db.prisma, event)).toBe(true);
    expect(await recordUsage(db.prisma, event)).toBe(false);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe('0.00013376');
    expect(await db.prisma.usageRecord.count({ where: { accountId: account.id } })).toBe(1);
    const ledger = await db.prisma.ledgerEntry.findMany({ where: { accountId: account.id } });
    expect(ledger.map((entry) => [entry.kind, entry.amount.toFixed(), entry.requestId])).toEqual([['usage', '0.00013376', event.requestId]]);
  });

  it('stays exact under concurrent deliveries, duplicates included', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'busy', creditLimit: '5' });
    const events = Array.from({ length: 40 }, (_, index) =>
      testEvent(account.id, { cost: { base: '0.000000000000000001', commission: '0', total: `0.00000000000000000${(index % 9) + 1}` } }),
    );
    const deliveries = [...events, ...events.slice(0, 20)]; // half delivered twice
    const results = await Promise.all(deliveries.map((event) => recordUsage(db.prisma, event)));
    expect(results.filter(Boolean)).toHaveLength(40);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(sumDecimals(events.map((event) => event.cost.total)));
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });

  it('records whether the provider reported more usage than the reservation covered', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'overspent', creditLimit: '5' });
    const exceeded = testEvent(account.id, { exceededReservation: true });
    const within = testEvent(account.id);
    await recordUsageBatch(db.prisma, [exceeded, within]);
    const rows = await db.prisma.usageRecord.findMany({ where: { accountId: account.id }, select: { requestId: true, exceededReservation: true } });
    expect(new Map(rows.map((row) => [row.requestId, row.exceededReservation]))).toEqual(
      new Map([
        [exceeded.requestId, true],
        [within.requestId, false],
      ]),
    );
    // The actual usage is billed all the same.
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(sumDecimals([exceeded.cost.total, within.cost.total]));
  });

  it('rolls everything back when the account does not exist', async () => {
    const event = testEvent('00000000-0000-4000-8000-000000000000');
    const error = await recordUsage(db.prisma, event).catch((caught: unknown) => caught);
    // The worker dead-letters it rather than retrying for ever.
    expect(databaseRejection(error)).toMatch(/^23503: insert or update on table "usage_records" violates foreign key constraint/);
    expect(await db.prisma.usageRecord.count({ where: { requestId: event.requestId } })).toBe(0);
  });
});
