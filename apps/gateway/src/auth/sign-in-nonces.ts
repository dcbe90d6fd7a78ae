import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Where sign-in nonces live in Redis (shared by every replica: a nonce issued by one is consumed by another). */
const NONCE_PREFIX = 'tollgate:sign-in-nonce:';

/** A nonce as EIP-4361 wants it (alphanumeric, ≥ 8 characters); ours are 128 random bits in hex. */
export const NONCE_PATTERN = /^[A-Za-z0-9]{8,128}$/;

/**
 * Single-use sign-in nonces for wallet sign-in (`GET /v1/authorize/nonce`): stored in Redis with a short TTL and
 * consumed with GETDEL, so of two sign-ins racing with one nonce exactly one wins, and an expired one is gone.
 */
export class SignInNonces {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /** A fresh nonce and when it stops being accepted. */
  async issue(): Promise<{ nonce: string; expiresAt: Date }> {
    const nonce = randomBytes(16).toString('hex');
    await this.redis.set(NONCE_PREFIX + nonce, '1', 'EX', this.ttlSeconds);
    return { nonce, expiresAt: new Date(Date.now() + this.ttlSeconds * 1000) };
  }

  /** True once for a nonce that was issued and has not expired; false for a reused, expired or made-up one. */
  async consume(nonce: string): Promise<boolean> {
    if (!NONCE_PATTERN.test(nonce)) return false;
    return (await this.redis.getdel(NONCE_PREFIX + nonce)) !== null;
  }
}
