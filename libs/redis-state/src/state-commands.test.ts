import { Redis } from 'ioredis';
import { uniqueName } from '@tollgate/testing';
import { ACCOUNT_SCOPE, accountStateKeys, StateCommands, type ScopeLimits } from './index';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const commands = new StateCommands(redis);
afterAll(() => redis.quit());

/** A fresh account id (its keys are new) with its committed debt published at version 1. */
async function account(debtNano = 0n): Promise<string> {
  const accountId = uniqueName('acct');
  await commands.commit({ accountId, debtNano, version: 1n, requestIds: [] });
  return accountId;
}

const admit = (accountId: string, requestId: string, amountNano: bigint, options: { limit?: bigint; tokens?: number; scopes?: ScopeLimits[]; holdTtlMs?: number } = {}) =>
  commands.admit({
    accountId,
    requestId,
    creditLimitNano: options.limit ?? 1_000n,
    amountNano,
    holdTtlMs: options.holdTtlMs ?? 60_000,
    tokens: options.tokens ?? 0,
    scopes: options.scopes ?? [],
  });

describe('admission state in Redis', () => {
  it('asks for a seed when the committed debt is unknown, and takes nothing', async () => {
    const accountId = uniqueName('acct');
    expect((await admit(accountId, 'r1', 1n)).status).toBe(-1);
    expect(await redis.exists(accountStateKeys(accountId).holds)).toBe(0);
  });

  it('admits exactly up to the credit limit, with amounts past 2^53 nano-USD compared exactly', async () => {
    const limit = 2n ** 53n;
    const accountId = await account();
    expect((await admit(accountId, 'big', limit + 1n, { limit })).status).toBe(2);
    expect((await admit(accountId, 'exact', limit, { limit })).status).toBe(1);
    expect((await admit(accountId, 'one-more', 1n, { limit })).status).toBe(2);
    const huge = 10n ** 30n; // 10^21 USD: far past any double
    const rich = await account(huge - 7n);
    const reply = await admit(rich, 'r', 7n, { limit: huge });
    expect(reply.status).toBe(1);
    expect(reply.availableNano).toBe(0n);
    expect((await admit(rich, 'r2', 1n, { limit: huge })).status).toBe(2);
  });

  it('counts committed debt, pending costs and holds; settling moves a hold to pending; a commit clears pending', async () => {
    const accountId = await account(300n);
    expect((await admit(accountId, 'a', 400n)).availableNano).toBe(300n);
    await commands.settle({ accountId, requestId: 'a', costNano: 250n, scopes: [] });
    expect((await admit(accountId, 'b', 0n)).availableNano).toBe(450n); // 1000 − 300 − 250
    await commands.commit({ accountId, debtNano: 550n, version: 2n, requestIds: ['a'] });
    expect((await admit(accountId, 'c', 0n)).availableNano).toBe(450n);
    // An older version never overwrites a newer one (a late worker, a stale seed).
    await commands.commit({ accountId, debtNano: 300n, version: 1n, requestIds: [] });
    expect((await admit(accountId, 'd', 0n)).availableNano).toBe(450n);
  });

  it('keeps counting pending costs when the committed debt is lost and seeded again', async () => {
    const accountId = await account(100n);
    await admit(accountId, 'queued', 500n);
    await commands.settle({ accountId, requestId: 'queued', costNano: 500n, scopes: [] });
    await redis.del(accountStateKeys(accountId).funds);
    expect((await admit(accountId, 'after-loss', 1n)).status).toBe(-1);
    await commands.commit({ accountId, debtNano: 100n, version: 1n, requestIds: [] }); // the seed from Postgres
    expect((await admit(accountId, 'after-seed', 0n)).availableNano).toBe(400n); // 1000 − 100 − 500 still queued
  });

  it('settling a hold that is gone changes nothing, and settling twice records the cost once', async () => {
    const accountId = await account();
    await commands.settle({ accountId, requestId: 'never-held', scopes: [] });
    expect((await admit(accountId, 'x', 1_000n)).status).toBe(1);
    await commands.settle({ accountId, requestId: 'x', costNano: 100n, scopes: [] });
    await commands.settle({ accountId, requestId: 'x', costNano: 100n, scopes: [] });
    expect((await admit(accountId, 'y', 900n)).status).toBe(1);
    expect((await admit(accountId, 'z', 1n)).status).toBe(2);
  });

  it('lets a hold lapse at its deadline, whatever other traffic the account has', async () => {
    const accountId = await account();
    expect((await admit(accountId, 'crashed', 1_000n, { holdTtlMs: 300 })).status).toBe(1);
    expect((await admit(accountId, 'blocked', 1n)).status).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await admit(accountId, 'after', 1_000n)).status).toBe(1);
  });

  it('extends a live hold, and not a settled one', async () => {
    const accountId = await account();
    await admit(accountId, 'long', 1_000n, { holdTtlMs: 300 });
    await commands.extendHold(accountId, 'long', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await admit(accountId, 'other', 1n)).status).toBe(2);
    await commands.settle({ accountId, requestId: 'long', scopes: [] });
    await commands.extendHold(accountId, 'long', 60_000);
    expect(await redis.zscore(accountStateKeys(accountId).holds, 'long')).toBeNull();
  });

  it('admits RPM requests exactly, and says when the next one fits', async () => {
    const accountId = await account();
    const scopes = [{ scope: ACCOUNT_SCOPE, rpm: 3, tpm: 0 }];
    const replies = [];
    for (let index = 0; index < 5; index += 1) replies.push(await admit(accountId, `r${index}`, 0n, { scopes }));
    expect(replies.map((reply) => reply.status)).toEqual([1, 1, 1, 0, 0]);
    expect(replies.map((reply) => reply.requests?.remaining)).toEqual([2, 1, 0, 0, 0]);
    expect(replies[3].retryAfterMs).toBeGreaterThan(59_000);
    expect(replies[3].requests?.resetMs).toBe(replies[3].retryAfterMs);
  });

  it('admits TPM on the estimate, gives back what was not used, and refuses a request larger than the limit', async () => {
    const accountId = await account();
    const scopes = [{ scope: 'key-1', rpm: 0, tpm: 100 }];
    expect((await admit(accountId, 'a', 0n, { scopes, tokens: 80 })).tokens).toMatchObject({ limit: 100, remaining: 20 });
    expect((await admit(accountId, 'b', 0n, { scopes, tokens: 30 })).status).toBe(0);
    await commands.settle({ accountId, requestId: 'a', costNano: 0n, tokens: 50, scopes: ['key-1'] });
    const after = await admit(accountId, 'c', 0n, { scopes, tokens: 30 });
    expect(after.status).toBe(1);
    expect(after.tokens?.remaining).toBe(20);
    expect((await admit(accountId, 'd', 0n, { scopes, tokens: 101 })).status).toBe(3);
  });

  it('takes nothing when one scope refuses: not the other scope, not the funds', async () => {
    const accountId = await account();
    const scopes = [
      { scope: ACCOUNT_SCOPE, rpm: 10, tpm: 0 },
      { scope: 'key-1', rpm: 1, tpm: 0 },
    ];
    expect((await admit(accountId, 'a', 500n, { scopes })).status).toBe(1);
    const refused = await admit(accountId, 'b', 500n, { scopes });
    expect(refused.status).toBe(0);
    expect(refused.requests).toMatchObject({ limit: 1, remaining: 0 });
    expect(await redis.zcard(accountStateKeys(accountId).log(ACCOUNT_SCOPE))).toBe(1);
    expect((await admit(accountId, 'c', 500n)).status).toBe(1); // b's 500 was not held
  });
});
