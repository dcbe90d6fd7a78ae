/**
 * Where an account's hot-path state lives in Redis. Every key of one account carries the account id as its hash tag
 * (`{...}`), so one Lua script may touch them all on a Redis Cluster too.
 * - `funds`: a hash — `committed` (the ledger's debt as the billing worker last committed it, nano-USD) and its
 *   `version` (the account row's debt version), `reserved` (sum of the holds), `pending` (sum of costs settled but
 *   not yet committed), and one field per hold (`h:<request id>`) and per pending cost (`p:<request id>`);
 * - `holds`: a sorted set of request ids scored by their hold's deadline (ms), to purge lapsed holds;
 * - `log:<scope>` / `tokens:<scope>`: the rate-limit window of a scope (the account, or one key): request ids scored
 *   by admission time (ms), and each one's tokens with their running total (`_total`).
 */
export function accountStateKeys(accountId: string) {
  const tag = `tollgate:{${accountId}}`;
  return {
    funds: `${tag}:funds`,
    holds: `${tag}:holds`,
    log: (scope: string) => `${tag}:log:${scope}`,
    tokens: (scope: string) => `${tag}:tokens:${scope}`,
  };
}

/** The scope of an account-wide limit; a key's scope is its id. */
export const ACCOUNT_SCOPE = 'account';
