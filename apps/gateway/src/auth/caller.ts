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
  /**
   * Catalog ids the caller's key may use (empty = every model); undefined = a caller without a key (L402, x402,
   * a wallet JWT), which no allowlist restricts.
   */
  allowedModels?: readonly string[];
  /** The key's own spending cap (USD decimal string); null or undefined = only the account's funds bound it. */
  spendCap?: string | null;
}

/** The per-key policy a caller authenticated by a key carries: its model allowlist and its spending cap. */
export function keyPolicy(owner: Pick<KeyOwner, 'allowedModels' | 'spendCap'>): Pick<Caller, 'allowedModels' | 'spendCap'> {
  return { allowedModels: owner.allowedModels, spendCap: owner.spendCap };
}

/** Limits of a caller that has no stored ones (the configured defaults apply). */
export const DEFAULT_LIMITS: KeyOwner['limits'] = { keyRpm: null, keyTpm: null, accountRpm: null, accountTpm: null };
