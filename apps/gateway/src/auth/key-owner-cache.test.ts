import type { KeyOwner } from '@tollgate/db';
import { KeyOwnerCache } from './key-owner-cache';

const owner: KeyOwner = { accountId: 'acct', apiKeyId: 'key', revoked: false, expiresAt: null, creditLimit: '10' };

describe('KeyOwnerCache', () => {
  it('shares one lookup between concurrent requests with the same key', async () => {
    let lookups = 0;
    let finish: (value: KeyOwner) => void = () => undefined;
    const cache = new KeyOwnerCache(() => {
      lookups += 1;
      return new Promise<KeyOwner>((resolve) => (finish = resolve));
    }, 60_000);
    const answers = Promise.all([cache.get('hash'), cache.get('hash'), cache.get('hash')]);
    finish(owner);
    expect(await answers).toEqual([owner, owner, owner]);
    expect(lookups).toBe(1);
  });

  it('does not remember a failed lookup (the database was unreachable): the next request asks again', async () => {
    const outcomes: Array<() => Promise<KeyOwner | null>> = [() => Promise.reject(new Error('Query read timeout')), () => Promise.resolve(owner)];
    const cache = new KeyOwnerCache(() => (outcomes.shift() as () => Promise<KeyOwner | null>)(), 60_000);
    await expect(cache.get('hash')).rejects.toThrow('Query read timeout');
    await expect(cache.get('hash')).resolves.toBe(owner);
  });
});
