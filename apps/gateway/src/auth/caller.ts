import type { KeyOwner } from '@tollgate/db';
import type { AuthMethod } from '@tollgate/schemas';

/** Who is calling, as established by authentication; kept on `res.locals.caller`. */
export interface Caller {
  accountId: string;
  apiKeyId: string | null;
  authMethod: AuthMethod;
  /** The wallet the caller proved it holds (a wallet JWT, an x402 payment): recorded with its usage. */
  walletAddress?: string;
  creditLimit: string;
  expiresAt: Date | null;
  /** Per-minute limits stored for the key and the account (null = the configured default). */
  limits: KeyOwner['limits'];
}

/** Limits of a caller that has no stored ones (the configured defaults apply). */
export const DEFAULT_LIMITS: KeyOwner['limits'] = { keyRpm: null, keyTpm: null, accountRpm: null, accountTpm: null };
