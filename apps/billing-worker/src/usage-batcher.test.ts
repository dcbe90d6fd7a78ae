import { sumDecimals } from '@tollgate/billing';
import { createAccountWithKey, databaseRejection, reconcileDebts } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { recordUsageBatch } from './record-usage';
import { meteringEventFixture as testEvent } from '@tollgate/testing';
import { UsageBatcher } from './usage-batcher';

describe('batched recording', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('records a batch spanning accounts in one transaction, each request once', async () => {
    const [first, second] = await Promise.all([
      createAccountWithKey(db.prisma, { name: 'a', creditLimit: '5' }),
      createAccountWithKey(db.prisma, { name: 'b', creditLimit: '5' }),
    ]);
    const events = [testEvent(first.account.id), testEvent(second.account.id), testEvent(first.account.id)];
    const { recorded, committed } = await recordUsageBatch(db.prisma, [...events, events[0]]);
    expect(recorded).toEqual(new Set(events.map((event) => event.requestId)));
    const firstDebt = sumDecimals([events[0].cost.total, events[2].cost.total]);
    // What the gateway's funds view is told: each account's debt after the commit, its new version, its request ids.
    expect(committed.find((row) => row.accountId === first.account.id)).toEqual({
      accountId: first.account.id,
      debt: firstDebt,
      version: 1n,
      requestIds: [events[0].requestId, events[2].requestId],
      keySpends: [], // its keys have no spending cap
    });
    // A repeat records nothing and raises no version, but still reports the debt (its pending costs can be cleared).
    const repeat = await recordUsageBatch(db.prisma, events);
    expect(repeat.recorded).toEqual(new Set());
    expect(repeat.committed.find((row) => row.accountId === second.account.id)).toMatchObject({ debt: events[1].cost.total, version: 1n, requestIds: [events[1].requestId] });
    const debt = async (id: string) => (await db.prisma.account.findUniqueOrThrow({ where: { id } })).debt.toFixed();
    expect(await debt(first.account.id)).toBe(firstDebt);
    expect(await debt(second.account.id)).toBe(events[1].cost.total);
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });

  it('gives every job its own answer, and fails only the poison event of a batch', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'batched', creditLimit: '5' });
    const batcher = new UsageBatcher(db.prisma, { maxBatch: 50, maxWaitMs: 20, lanes: 2 });
    const good = Array.from({ length: 30 }, () => testEvent(account.id));
    const poison = testEvent('00000000-0000-4000-8000-000000000000');
    const outcomes = await Promise.allSettled([...good, good[0], poison].map((event) => batcher.record(event)));
    expect(outcomes.slice(0, 30).every((outcome) => outcome.status === 'fulfilled' && outcome.value === true)).toBe(true);
    expect(outcomes[30]).toEqual({ status: 'fulfilled', value: false });
    expect(outcomes[31].status).toBe('rejected');
    expect(databaseRejection((outcomes[31] as PromiseRejectedResult).reason)).toMatch(/^23503: .*foreign key/);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(sumDecimals(good.map((event) => event.cost.total)));
  });
});
