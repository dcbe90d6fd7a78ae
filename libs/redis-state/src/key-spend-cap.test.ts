import { Redis } from 'ioredis';
import { uniqueName } from '@tollgate/testing';
import { ACCOUNT_SCOPE, accountStateKeys, StateCommands } from './index';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const commands = new StateCommands(redis);
afterAll(() => redis.quit());

/** A fresh account (committed debt 0, version 1) and one of its keys, with its committed spend when given. */
async function accountWithKey(spentNano?: bigint): Promise<{ accountId: string; apiKeyId: string }> {
  const accountId = uniqueName('acct');
  const apiKeyId = uniqueName('key');
  await commands.commit({ accountId, debtNano: 0n, version: 1n, requestIds: [] });
  if (spentNano !== undefined) await commands.commitKeySpend({ accountId, apiKeyId, spendNano: spentNano, version: 1n, requestIds: [] });
  return { accountId, apiKeyId };
}

const admit = (ids: { accountId: string; apiKeyId: string }, requestId: string, amountNano: bigint, capNano?: bigint, holdTtlMs = 60_000) =>
  commands.admit({
    accountId: ids.accountId,
    requestId,
    creditLimitNano: 1_000_000n,
    amountNano,
    holdTtlMs,
    tokens: 0,
    scopes: [{ scope: ACCOUNT_SCOPE, rpm: 1000, tpm: 0 }],
    keyCap: capNano === undefined ? undefined : { apiKeyId: ids.apiKeyId, capNano },
  });

describe("a key's spending cap in the admission script", () => {
  it('asks for the key spend to be seeded (-2) and takes nothing until it is', async () => {
    const ids = await accountWithKey();
    expect((await admit(ids, 'r1', 10n, 100n)).status).toBe(-2);
    expect(await redis.exists(accountStateKeys(ids.accountId).holds)).toBe(0);
    expect(await redis.exists(accountStateKeys(ids.accountId).log(ACCOUNT_SCOPE))).toBe(0);
  });

  it('admits up to cap − committed − pending − holds, exactly; a refusal (4) takes nothing from the account either', async () => {
    const ids = await accountWithKey(30n);
    expect(await admit(ids, 'a', 40n, 100n)).toMatchObject({ status: 1, keyAvailableNano: 30n, availableNano: 1_000_000n - 40n });
    await commands.settle({ accountId: ids.accountId, requestId: 'a', costNano: 25n, scopes: [], apiKeyId: ids.apiKeyId });
    // committed 30 + pending 25 = 55: 45 left
    expect((await admit(ids, 'b', 46n, 100n)).status).toBe(4);
    expect(await redis.hget(accountStateKeys(ids.accountId).held, '_total')).toBe('0');
    expect(await admit(ids, 'c', 45n, 100n)).toMatchObject({ status: 1, keyAvailableNano: 0n });
    expect((await admit(ids, 'd', 1n, 100n)).status).toBe(4);
    // the worker commits `a`: committed 55, its pending gone — the same 0 left; releasing `c` frees 45
    await commands.commitKeySpend({ accountId: ids.accountId, apiKeyId: ids.apiKeyId, spendNano: 55n, version: 2n, requestIds: ['a'] });
    expect(await redis.hget(accountStateKeys(ids.accountId).key(ids.apiKeyId).pending, '_total')).toBe('0');
    await commands.settle({ accountId: ids.accountId, requestId: 'c', scopes: [], apiKeyId: ids.apiKeyId });
    expect(await admit(ids, 'e', 45n, 100n)).toMatchObject({ status: 1, keyAvailableNano: 0n });
    // an older version of the spend is ignored
    await commands.commitKeySpend({ accountId: ids.accountId, apiKeyId: ids.apiKeyId, spendNano: 0n, version: 1n, requestIds: [] });
    expect(await redis.hget(accountStateKeys(ids.accountId).key(ids.apiKeyId).funds, 'committed')).toBe('55');
  });

  it("a key's hold lapses at its deadline like the account's, and is renewed with it", async () => {
    const ids = await accountWithKey(0n);
    expect((await admit(ids, 'long', 100n, 100n, 150)).status).toBe(1);
    await commands.extendHold(ids.accountId, 'long', 60_000, ids.apiKeyId);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await admit(ids, 'next', 1n, 100n)).status).toBe(4); // renewed: still held
    const lapsing = await accountWithKey(0n);
    expect((await admit(lapsing, 'crashed', 100n, 100n, 100)).status).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await admit(lapsing, 'after', 100n, 100n)).status).toBe(1);
  });

  it("renewing a hold keeps its keys (the account's and the key's) alive past the deadline, however idle the account", async () => {
    const ids = await accountWithKey(0n);
    expect((await admit(ids, 'stream', 10n, 100n, 100)).status).toBe(1);
    const account = accountStateKeys(ids.accountId);
    const key = account.key(ids.apiKeyId);
    await commands.extendHold(ids.accountId, 'stream', 300_000, ids.apiKeyId);
    for (const name of [account.holds, account.held, key.holds, key.held]) expect(await redis.pttl(name)).toBeGreaterThan(300_000);
    await commands.extendHold(ids.accountId, 'gone', 900_000, ids.apiKeyId); // no such hold: nothing changes
    expect(await redis.pttl(account.held)).toBeLessThan(400_000);
  });

  it('20 concurrent admissions against a cap that fits 5 worst cases: exactly 5 admitted', async () => {
    const ids = await accountWithKey(0n);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, index) => admit(ids, `r${index}`, 20n, 100n)));
    expect(replies.filter((reply) => reply.status === 1)).toHaveLength(5);
    expect(replies.filter((reply) => reply.status === 4)).toHaveLength(15);
  });

  it('without a cap, no key state is read or written', async () => {
    const ids = await accountWithKey();
    expect((await admit(ids, 'free', 500n)).status).toBe(1);
    await commands.settle({ accountId: ids.accountId, requestId: 'free', costNano: 400n, scopes: [], apiKeyId: ids.apiKeyId });
    expect(await redis.keys(`tollgate:{${ids.accountId}}:key:*`)).toEqual([]);
  });
});
