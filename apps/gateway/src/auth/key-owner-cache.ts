import type { KeyOwner } from '@tollgate/db';

interface CacheSlot {
  owner: KeyOwner | null;
  expiresAt: number;
}

/**
 * In-process cache of key-hash → owner lookups with a short TTL, so the hot path does not query Postgres per
 * request. Unknown keys are cached too (briefly), so a flood of bad keys cannot flood Postgres; concurrent requests
 * with the same key share one lookup. A failed lookup (Postgres unreachable or slow) is not cached: it rejects,
 * and the caller is answered 503 `database_unavailable`. Bounded in size: the oldest entry goes first.
 */
export class KeyOwnerCache {
  private readonly slots = new Map<string, CacheSlot>();
  private readonly pending = new Map<string, Promise<KeyOwner | null>>();

  constructor(
    private readonly lookup: (keyHash: string) => Promise<KeyOwner | null>,
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(keyHash: string): Promise<KeyOwner | null> {
    const slot = this.slots.get(keyHash);
    if (slot && slot.expiresAt > this.now()) return slot.owner;
    const inFlight = this.pending.get(keyHash);
    if (inFlight) return inFlight;
    const lookup = this.load(keyHash).finally(() => this.pending.delete(keyHash));
    this.pending.set(keyHash, lookup);
    return lookup;
  }

  private async load(keyHash: string): Promise<KeyOwner | null> {
    const owner = await this.lookup(keyHash);
    const ttl = owner ? this.ttlMs : Math.min(this.ttlMs, 5_000);
    this.slots.delete(keyHash);
    this.slots.set(keyHash, { owner, expiresAt: this.now() + ttl });
    if (this.slots.size > this.maxEntries) this.slots.delete(this.slots.keys().next().value as string);
    return owner;
  }
}
