import { LRUCache } from 'lru-cache';
import type { KeyOwner } from '@tollgate/db';
import type { Invalidation } from '@tollgate/redis-state';

interface Known<Owner> {
  owner: Owner;
  fetchedAt: number;
}

interface Waiter<Owner> {
  resolve: (owner: Owner | null) => void;
  reject: (error: unknown) => void;
}

export interface KeyOwnerCacheOptions {
  /** How long a lookup is trusted (a backstop: operators' changes arrive as invalidations). */
  ttlMs: number;
  /** How long past its TTL a known key keeps serving while Postgres cannot be reached. */
  staleIfErrorMs: number;
  /** How long a hash with no key is remembered. */
  unknownTtlMs?: number;
  /** Entries of each kind kept (least recently used go first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Key-hash → owner lookups for the hot path, so that Postgres is not queried per request:
 * - two LRUs, one for keys that exist and one for hashes that do not, so a flood of random keys evicts only
 *   other unknown hashes, never a good key;
 * - misses of one event-loop turn are looked up together in one query, and concurrent misses of one hash share it,
 *   so a flood of random keys costs one query per batch rather than one each;
 * - a known key whose lookup fails (Postgres unreachable) keeps serving for `staleIfErrorMs` past its TTL;
 * - `invalidate` drops a key or every key of an account at once (operators' changes, via Redis pub/sub).
 *
 * Also serves account-id → account lookups for JWT callers (`Owner` = an account, keyed by its id).
 */
export class KeyOwnerCache<Owner extends { accountId: string; apiKeyId?: string | null } = KeyOwner> {
  private readonly known: LRUCache<string, Known<Owner>>;
  private readonly unknown: LRUCache<string, number>;
  private readonly waiting = new Map<string, Waiter<Owner>[]>();
  private scheduled = false;
  private readonly now: () => number;

  constructor(
    private readonly lookupMany: (keyHashes: string[]) => Promise<Map<string, Owner>>,
    private readonly options: KeyOwnerCacheOptions,
  ) {
    this.known = new LRUCache({ max: options.maxEntries ?? 50_000 });
    this.unknown = new LRUCache({ max: options.maxEntries ?? 50_000 });
    this.now = options.now ?? Date.now;
  }

  async get(keyHash: string): Promise<Owner | null> {
    const now = this.now();
    const known = this.known.get(keyHash);
    if (known && now - known.fetchedAt < this.options.ttlMs) return known.owner;
    const unknownSince = this.unknown.get(keyHash);
    if (!known && unknownSince !== undefined && now - unknownSince < (this.options.unknownTtlMs ?? Math.min(this.options.ttlMs, 5_000))) return null;
    try {
      return await this.load(keyHash);
    } catch (error) {
      if (known && this.now() - known.fetchedAt < this.options.ttlMs + this.options.staleIfErrorMs) return known.owner;
      throw error;
    }
  }

  /** Forgets what is cached about a key, or about every key of an account. */
  invalidate(invalidation: Invalidation): void {
    for (const [keyHash, { owner }] of this.known.entries()) {
      if ('apiKeyId' in invalidation ? owner.apiKeyId === invalidation.apiKeyId : owner.accountId === invalidation.accountId) this.known.delete(keyHash);
    }
  }

  private load(keyHash: string): Promise<Owner | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(keyHash);
      if (waiters) return waiters.push({ resolve, reject });
      this.waiting.set(keyHash, [{ resolve, reject }]);
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = new Map(this.waiting);
    this.waiting.clear();
    try {
      const owners = await this.lookupMany([...batch.keys()]);
      const fetchedAt = this.now();
      for (const [keyHash, waiters] of batch) {
        const owner = owners.get(keyHash) ?? null;
        if (owner) {
          this.known.set(keyHash, { owner, fetchedAt });
          this.unknown.delete(keyHash);
        } else {
          this.known.delete(keyHash);
          this.unknown.set(keyHash, fetchedAt);
        }
        for (const waiter of waiters) waiter.resolve(owner);
      }
    } catch (error) {
      // Not remembered: the next request asks again.
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
