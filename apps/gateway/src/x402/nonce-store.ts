import type { Redis } from 'ioredis';

/** How long past validBefore a nonce stays remembered: clock skew between this gateway and the chain. */
const MARGIN_SECONDS = 3_600;
/** A far-future validBefore is remembered a year; past that the ledger's idempotency key still refuses its replay. */
const MAX_TTL_SECONDS = 365 * 24 * 3_600;

const nonceKey = (caip2: string, from: string, nonce: string) => `tollgate:x402:nonce:${caip2}:${from.toLowerCase()}:${nonce.toLowerCase()}`;

/**
 * Claims an authorization's nonce for one use, atomically across replicas (SET NX), remembered until its validBefore
 * (plus a margin): after that the authorization is void on-chain anyway. False when it was used before. A Redis
 * error propagates (the payment is refused, never accepted twice).
 */
export async function claimNonce(redis: Redis, input: { caip2: string; from: string; nonce: string; validBefore: bigint; nowSeconds: number }): Promise<boolean> {
  const remaining = input.validBefore - BigInt(input.nowSeconds) + BigInt(MARGIN_SECONDS);
  const ttlSeconds = remaining > BigInt(MAX_TTL_SECONDS) ? MAX_TTL_SECONDS : Math.max(1, Number(remaining));
  const reply = await redis.set(nonceKey(input.caip2, input.from, input.nonce), String(input.nowSeconds), 'EX', ttlSeconds, 'NX');
  return reply === 'OK';
}

/** Forgets a claimed nonce whose payment did not go through (a facilitator that failed), so the client may retry it. */
export async function releaseNonce(redis: Redis, input: { caip2: string; from: string; nonce: string }): Promise<void> {
  await redis.del(nonceKey(input.caip2, input.from, input.nonce));
}
