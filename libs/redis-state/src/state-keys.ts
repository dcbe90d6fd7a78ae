/**
 * Where an account's hot-path state lives in Redis. Every key of one account carries the account id as its hash tag
 * (`{...}`), so one Lua script may touch them all on a Redis Cluster too.
 * - `funds`: a hash — `committed` (the ledger's debt as the billing worker last committed it, nano-USD) and its
 *   `version` (the account row's debt version). Only a copy of Postgres: when it is lost it is seeded again;
 * - `pending`: a hash — each cost settled but not yet committed (request id → nano-USD) and their `_total`. Kept
 *   apart from `funds`, so that losing or reseeding the committed debt never forgets money still in the queue;
 * - `holds`: a sorted set of request ids scored by their hold's deadline (ms), to purge lapsed holds, and `held`:
 *   each hold's amount (request id → nano-USD) and their `_total`;
 * - `log:<scope>` / `tokens:<scope>`: the rate-limit window of a scope (the account, or one key): request ids scored
 *   by admission time (ms), and each one's tokens with their running total (`_total`).
 * - `key:<id>:…`: the same four for a key with a spending cap of its own (and only for such a key): `funds` holds
 *   the key's committed spend (`committed`, nano-USD: Σ of its usage rollups) with the account's debt version it
 *   was read at, `pending`, `holds` and `held` the key's share of the account's. They sit under the account's hash
 *   tag, so admission checks the account's funds and the key's cap in one script.
 */
export function accountStateKeys(accountId: string) {
  const tag = `tollgate:{${accountId}}`;
  return {
    funds: `${tag}:funds`,
    pending: `${tag}:pending`,
    holds: `${tag}:holds`,
    held: `${tag}:held`,
    log: (scope: string) => `${tag}:log:${scope}`,
    tokens: (scope: string) => `${tag}:tokens:${scope}`,
    /** The spending state of one capped key of the account. */
    key: (apiKeyId: string) => ({
      funds: `${tag}:key:${apiKeyId}:funds`,
      pending: `${tag}:key:${apiKeyId}:pending`,
      holds: `${tag}:key:${apiKeyId}:holds`,
      held: `${tag}:key:${apiKeyId}:held`,
    }),
  };
}

/** The scope of an account-wide limit; a key's scope is its id. */
export const ACCOUNT_SCOPE = 'account';
