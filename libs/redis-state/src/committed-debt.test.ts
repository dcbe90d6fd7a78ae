import { Redis } from 'ioredis';
import { uniqueName } from '@tollgate/testing';
import { publishCommittedDebt } from './committed-debt';
import { StateCommands } from './state-commands';
import { accountStateKeys } from './state-keys';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const commands = new StateCommands(redis);
afterAll(() => redis.quit());

const admit = (accountId: string, requestId: string, amountNano: bigint, creditLimitNano: bigint) =>
  commands.admit({ accountId, requestId, creditLimitNano, amountNano, holdTtlMs: 60_000, tokens: 0, scopes: [] });

describe('publishCommittedDebt', () => {
  it('raises the funds an account at its credit limit can use, at once', async () => {
    const id = uniqueName('acct');
    await publishCommittedDebt(redis, { id, debt: '1', debtVersion: 3n });
    expect((await admit(id, 'refused', 1n, 1_000_000_000n)).status).toBe(2);
    // A 2.5 USD top-up: debt 1 → −1.5, version 4.
    await publishCommittedDebt(redis, { id, debt: '-1.5', debtVersion: 4n });
    const admitted = await admit(id, 'admitted', 2_500_000_000n, 1_000_000_000n);
    expect(admitted.status).toBe(1);
    expect(admitted.availableNano).toBe(0n);
  });

  it('never overwrites a newer version, and rounds a debt finer than a nano-USD up (toward owing more)', async () => {
    const id = uniqueName('acct');
    await publishCommittedDebt(redis, { id, debt: '-0.0000000015', debtVersion: 2n });
    expect(await redis.hgetall(accountStateKeys(id).funds)).toEqual({ committed: '-1', version: '2' });
    await publishCommittedDebt(redis, { id, debt: '-100', debtVersion: 1n });
    expect(await redis.hget(accountStateKeys(id).funds, 'committed')).toBe('-1');
  });
});
