import { Redis } from 'ioredis';
import { adminIssueKey, createAccountWithKey, getCommittedKeySpend } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { accountStateKeys, StateCommands } from '@tollgate/redis-state';
import { meteringEventFixture as testEvent } from '@tollgate/testing';
import { recordUsageBatch } from './record-usage';

describe("a capped key's committed spend (issue 12)", () => {
  let db: TestDatabase;
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await redis.quit();
    await db.drop();
  });

  it('each batch returns the spend of its capped keys only, at the account version of the commit, matching Postgres', async () => {
    const { account, apiKeyId: uncapped } = await createAccountWithKey(db.prisma, { name: 'keys', creditLimit: '5' });
    const capped = (await adminIssueKey(db.prisma, 'test', account.id, { spendCap: '1' }))?.key.id as string;
    const cost = (total: string) => ({ base: total, commission: '0', total });
    const first = [testEvent(account.id, { apiKeyId: capped, cost: cost('0.25') }), testEvent(account.id, { apiKeyId: capped, cost: cost('0.125') }), testEvent(account.id, { apiKeyId: uncapped, cost: cost('0.5') })];
    const one = await recordUsageBatch(db.prisma, first);
    expect(one.committed).toHaveLength(1);
    expect(one.committed[0].keySpends).toEqual([{ apiKeyId: capped, spend: '0.375', requestIds: [first[0].requestId, first[1].requestId] }]);
    expect(await getCommittedKeySpend(db.prisma, capped)).toEqual({ accountId: account.id, spend: '0.375', version: one.committed[0].version });

    // A repeat adds nothing, yet its spend is told again (at the newer version); a new event adds to the sum.
    const later = testEvent(account.id, { apiKeyId: capped, cost: cost('0.000000001') });
    const two = await recordUsageBatch(db.prisma, [first[0], later]);
    expect(two.committed[0].keySpends).toEqual([{ apiKeyId: capped, spend: '0.375000001', requestIds: [first[0].requestId, later.requestId] }]);
    expect(two.committed[0].version).toBeGreaterThan(one.committed[0].version);
    expect(await getCommittedKeySpend(db.prisma, uncapped)).toMatchObject({ spend: '0.5' }); // read for any key; published for capped ones
    expect(await getCommittedKeySpend(db.prisma, '00000000-0000-4000-8000-000000000000')).toBeNull();

    // Published the way the worker does, the view holds the newest spend and drops those requests' pending costs.
    const commands = new StateCommands(redis);
    const keys = accountStateKeys(account.id).key(capped);
    await redis.del(keys.funds, keys.pending);
    await commands.settle({ accountId: account.id, requestId: later.requestId, costNano: 1n, scopes: [], apiKeyId: capped }); // untracked yet: not pending
    expect(await redis.exists(keys.pending)).toBe(0);
    await commands.commitKeySpend({ accountId: account.id, apiKeyId: capped, spendNano: 375_000_001n, version: two.committed[0].version, requestIds: [] });
    await commands.settle({ accountId: account.id, requestId: 'in-flight', costNano: 7n, scopes: [], apiKeyId: capped });
    await commands.commitKeySpend({ accountId: account.id, apiKeyId: capped, spendNano: 1n, version: one.committed[0].version, requestIds: ['in-flight'] });
    expect(await redis.hgetall(keys.funds)).toEqual({ committed: '375000001', version: two.committed[0].version.toString() });
    expect(await redis.hget(keys.pending, '_total')).toBe('0');
  });
});
