import type { PrismaClient } from '@tollgate/db';
import type { Invalidation } from '@tollgate/redis-state';
import type { Logger } from 'pino';
import type { AccessTokens } from '../auth/access-tokens';

/** What the admin API needs. */
export interface AdminDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** The operators' bearer token; unset = the admin API refuses every request. */
  adminToken?: string;
  /** tollgate's own JWTs: one whose scope contains `admin` is let in too (when JWT_* settings are configured). */
  accessTokens?: Pick<AccessTokens, 'verify'>;
  /**
   * Tells every gateway replica (this one included) to drop what it caches of an account or key. Must not throw: a
   * Redis that cannot be told only delays the change until KEY_CACHE_TTL_MS.
   */
  invalidate(invalidation: Invalidation): Promise<void>;
  /**
   * Publishes an account's committed debt from Postgres to the funds view (after a payment lowered it). Must not
   * throw: until it is published the view keeps the higher debt, which can only refuse more, never let more through.
   */
  refreshFunds(accountId: string): Promise<void>;
  /**
   * The model catalog the gateway serves: a key's allowlist names its models, checked and stored as catalog ids.
   * Absent = ids are checked for their shape only.
   */
  catalog?: { find(name: string): { id: string } | undefined };
}
