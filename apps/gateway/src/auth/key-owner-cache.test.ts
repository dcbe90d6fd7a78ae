import type { KeyOwner } from '@tollgate/db';
import { KeyOwnerCache } from './key-owner-cache';

const owner = (apiKeyId: string, accountId = 'acct'): KeyOwner => ({
  accountId,
  apiKeyId,
  revoked: false,
  expiresAt: null,
  creditLimit: '10',
  suspended: false,
  limits: { keyRpm: null, keyTpm: null, accountRpm: null, accountTpm: null },
  allowedModels: [],
  spendCap: null,
});

/** A lookup over a fixed table that counts its queries and the hashes it was asked. */
function table(rows: Record<string, KeyOwner>) {
  const queries: string[][] = [];
  let failing = false;
  return {
    queries,
    fail(value: boolean) {
      failing = value;
    },
    lookup: async (hashes: string[]) => {
      queries.push(hashes);
      if (failing) throw new Error('Query read timeout');
      return new Map(hashes.filter((hash) => rows[hash]).map((hash) => [hash, rows[hash]]));
    },
  };
}

describe('KeyOwnerCache', () => {
  it('looks up the misses of one event-loop turn in one query, concurrent requests for one key included', async () => {
    const db = table({ a: owner('key-a'), b: owner('key-b') });
    const cache = new KeyOwnerCache(db.lookup, { ttlMs: 60_000, staleIfErrorMs: 0 });
    const answers = await Promise.all([cache.get('a'), cache.get('a'), cache.get('b'), ...Array.from({ length: 100 }, (_, index) => cache.get(`random-${index}`))]);
    expect(answers.slice(0, 3).map((found) => found?.apiKeyId)).toEqual(['key-a', 'key-a', 'key-b']);
    expect(answers.slice(3).every((found) => found === null)).toBe(true);
    expect(db.queries).toHaveLength(1);
    expect(db.queries[0]).toHaveLength(102);
    await cache.get('a');
    await cache.get('random-1');
    expect(db.queries).toHaveLength(1); // both remembered
  });

  it('never evicts a known key for unknown ones, however many arrive', async () => {
    const db = table({ good: owner('key-good') });
    const cache = new KeyOwnerCache(db.lookup, { ttlMs: 60_000, staleIfErrorMs: 0, maxEntries: 10 });
    await cache.get('good');
    for (let round = 0; round < 5; round += 1) await Promise.all(Array.from({ length: 50 }, (_, index) => cache.get(`flood-${round}-${index}`)));
    const queries = db.queries.length;
    expect((await cache.get('good'))?.apiKeyId).toBe('key-good');
    expect(db.queries).toHaveLength(queries);
  });

  it('does not remember a failed lookup, and serves a known key stale while Postgres fails, for a bounded time', async () => {
    let now = 0;
    const db = table({ a: owner('key-a') });
    const cache = new KeyOwnerCache(db.lookup, { ttlMs: 1_000, staleIfErrorMs: 5_000, now: () => now });
    await cache.get('a');
    db.fail(true);
    now = 2_000; // past the TTL
    expect((await cache.get('a'))?.apiKeyId).toBe('key-a');
    await expect(cache.get('never-seen')).rejects.toThrow('Query read timeout');
    now = 7_000; // past TTL + stale-if-error
    await expect(cache.get('a')).rejects.toThrow('Query read timeout');
    db.fail(false);
    expect((await cache.get('a'))?.apiKeyId).toBe('key-a');
  });

  it('forgets a key, or every key of an account, when invalidated', async () => {
    const db = table({ a: owner('key-a', 'acct-1'), b: owner('key-b', 'acct-1'), c: owner('key-c', 'acct-2') });
    const cache = new KeyOwnerCache(db.lookup, { ttlMs: 60_000, staleIfErrorMs: 0 });
    await Promise.all([cache.get('a'), cache.get('b'), cache.get('c')]);
    cache.invalidate({ apiKeyId: 'key-c' });
    await cache.get('c');
    expect(db.queries.at(-1)).toEqual(['c']);
    cache.invalidate({ accountId: 'acct-1' });
    await Promise.all([cache.get('a'), cache.get('b'), cache.get('c')]);
    expect(db.queries.at(-1)).toEqual(['a', 'b']);
  });
});
