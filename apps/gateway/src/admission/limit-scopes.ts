import { ACCOUNT_SCOPE, type ScopeLimits } from '@tollgate/redis-state';
import type { Caller } from '../auth/caller';

/** Per-minute limits from configuration, for keys and accounts without their own (0 = unlimited). */
export interface DefaultLimits {
  rpm: number;
  tpm: number;
}

/**
 * The scopes whose limits apply to a caller: its key and its account, each with its stored limits or else the
 * configured defaults. A scope without any limit is left out (nothing is counted for it).
 */
export function limitScopes(caller: Caller, defaults: DefaultLimits): ScopeLimits[] {
  const scopes: ScopeLimits[] = [];
  const add = (scope: string, rpm: number | null, tpm: number | null) => {
    const limits = { scope, rpm: rpm ?? defaults.rpm, tpm: tpm ?? defaults.tpm };
    if (limits.rpm > 0 || limits.tpm > 0) scopes.push(limits);
  };
  if (caller.apiKeyId) add(caller.apiKeyId, caller.limits.keyRpm, caller.limits.keyTpm);
  add(ACCOUNT_SCOPE, caller.limits.accountRpm, caller.limits.accountTpm);
  return scopes;
}
