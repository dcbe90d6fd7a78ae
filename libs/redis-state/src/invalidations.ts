import type { Redis } from 'ioredis';

/** The Redis pub/sub channel on which operators' changes reach every gateway replica's key cache. */
export const INVALIDATION_CHANNEL = 'tollgate:invalidate';

/** What changed: a key (revoked, its limits) or an account (suspended, resumed, its limits or credit limit). */
export type Invalidation = { apiKeyId: string } | { accountId: string };

/** Tells every replica to drop what it caches about a key or account; resolves to the number of replicas told. */
export function publishInvalidation(redis: Redis, invalidation: Invalidation): Promise<number> {
  return redis.publish(INVALIDATION_CHANNEL, JSON.stringify(invalidation));
}

/** Reads a message of the channel; null for anything that is not an invalidation. */
export function parseInvalidation(message: string): Invalidation | null {
  try {
    const value = JSON.parse(message) as Record<string, unknown>;
    if (typeof value['apiKeyId'] === 'string') return { apiKeyId: value['apiKeyId'] };
    if (typeof value['accountId'] === 'string') return { accountId: value['accountId'] };
  } catch {
    // not JSON: ignored
  }
  return null;
}
