import { sumDecimals } from '@tollgate/billing';
import {
  createAccountWithKey,
  reconcileDebts,
  reconcilePayments,
  reconcileUsageRollups,
  recordPayment,
} from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture } from '@tollgate/testing';
import { recordUsageBatch } from './record-usage';

/**
 * Payments (admin top-ups and settlements, libs/db) and usage (this worker's batches) change one debt: both lock the
 * account row FOR NO KEY UPDATE, so they serialize, and debt = Σ ledger holds after each of them.
 */
describe('payments and usage on one ledger', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** Every figure an operator could read for the account, from Postgres (exact NUMERIC arithmetic there). */
  async function books(accountId: string) {
    const [row] = await db.prisma.$queryRaw<Array<{ debt: string; available: string; ledger: string; usage_ledger: string; rollups: string; paid: string; version: bigint }>>`
      SELECT a.debt::text AS debt, (a.credit_limit - a.debt)::text AS available, a.debt_version AS version,
        (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account_id = a.id)::text AS ledger,
        (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account_id = a.id AND kind = 'usage')::text AS usage_ledger,
        (SELECT COALESCE(SUM(total_cost), 0) FROM usage_daily WHERE account_id = a.id)::text AS rollups,
        (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE account_id = a.id)::text AS paid
      FROM accounts a WHERE a.id = ${accountId}::uuid`;
    const normal = (value: string) => sumDecimals([value]);
    return {
      debt: normal(row.debt),
      available: normal(row.available),
      ledger: normal(row.ledger),
      usageLedger: normal(row.usage_ledger),
      rollups: normal(row.rollups),
      paid: normal(row.paid),
      version: BigInt(row.version),
    };
  }

  /** a − b, exactly. */
  const minus = (a: string, b: string) => sumDecimals([a, b.startsWith('-') ? b.slice(1) : `-${b}`]);

  async function expectReconciled(accountId: string) {
    expect((await reconcileDebts(db.prisma)).mismatches.filter((row) => row.accountId === accountId)).toEqual([]);
    expect((await reconcileUsageRollups(db.prisma)).filter((row) => row.accountId === accountId)).toEqual([]);
    expect((await reconcilePayments(db.prisma)).filter((row) => row.accountId === accountId)).toEqual([]);
  }

  it('top-up, then usage, then settlement: available funds, debt and ledger agree at each step', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'prepaid', creditLimit: '1' });
    const accountId = account.id;

    const topup = await recordPayment(db.prisma, { accountId, kind: 'topup', amount: '0.0002', reference: 'receipt-1', actor: 'test' });
    expect(topup?.account).toMatchObject({ debt: '-0.0002', available: '1.0002', debtVersion: 1n });
    expect(await books(accountId)).toEqual({ debt: '-0.0002', available: '1.0002', ledger: '-0.0002', usageLedger: '0', rollups: '0', paid: '0.0002', version: 1n });
    await expectReconciled(accountId);

    const events = [meteringEventFixture(accountId), meteringEventFixture(accountId), meteringEventFixture(accountId)];
    const batch = await recordUsageBatch(db.prisma, events);
    const used = sumDecimals(events.map((event) => event.cost.total)); // 3 × 0.00013376
    const owed = minus(used, '0.0002');
    expect(owed).toBe('0.00020128');
    expect(batch.committed).toEqual([{ accountId, debt: owed, version: 2n, requestIds: events.map((event) => event.requestId), keySpends: [] }]);
    expect(await books(accountId)).toEqual({ debt: owed, available: minus('1', owed), ledger: owed, usageLedger: used, rollups: used, paid: '0.0002', version: 2n });
    await expectReconciled(accountId);

    const settled = await recordPayment(db.prisma, { accountId, kind: 'settlement', amount: owed, reference: 'INV-1', actor: 'test' });
    expect(settled?.account).toMatchObject({ debt: '0', available: '1', debtVersion: 3n });
    expect(await books(accountId)).toEqual({ debt: '0', available: '1', ledger: '0', usageLedger: used, rollups: used, paid: sumDecimals(['0.0002', owed]), version: 3n });
    await expectReconciled(accountId);
  });

  it('payments and worker batches on one account at once all land: debt exact, one version each, no deadlock', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'busy', creditLimit: '100' });
    const accountId = account.id;
    const amounts = Array.from({ length: 20 }, (_, index) => `0.${String(index + 1).padStart(18, '0')}`);
    const batches = Array.from({ length: 10 }, () => Array.from({ length: 5 }, () => meteringEventFixture(accountId)));
    await Promise.all([
      ...amounts.map((amount, index) =>
        index % 2 === 0
          ? recordPayment(db.prisma, { accountId, kind: 'topup', amount, idempotencyKey: `busy-${index}`, actor: 'test' })
          : recordPayment(db.prisma, { accountId, kind: 'settlement', amount, reference: `inv-${index}`, actor: 'test' }),
      ),
      ...batches.map((events) => recordUsageBatch(db.prisma, events)),
    ]);
    const used = sumDecimals(batches.flat().map((event) => event.cost.total));
    const paid = sumDecimals(amounts);
    const debt = minus(used, paid);
    expect(await books(accountId)).toEqual({ debt, available: minus('100', debt), ledger: debt, usageLedger: used, rollups: used, paid, version: 30n });
    await expectReconciled(accountId);
  });
});
