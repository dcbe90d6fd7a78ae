import { z } from 'zod';
import { accountOfKey, adminRevokeKey, adminSetKeyLimits, adminUpdateAccount, getLimits, listKeys, type PrismaClient } from '@tollgate/db';
import type { Invalidation } from '@tollgate/redis-state';
import { cliActor } from './cli-actor';
import { creditLimitSchema, type CommandResult } from './commands';

/** Tells every gateway replica to drop what it caches; resolves to how many were told. */
export type Notify = (invalidation: Invalidation) => Promise<number>;

const uuid = z.uuid();
const usage = (output: string): CommandResult => ({ output, exitCode: 2 });

/**
 * A per-minute limit as typed: a whole number > 0, `unlimited` (stored as 0: no limit, whatever the default) or
 * `default` (the stored limit is removed: RATE_LIMIT_RPM/TPM apply). Undefined when not given.
 */
function parseLimit(name: string, value: string | undefined): { ok: true; value: number | null | undefined } | { ok: false; error: string } {
  if (value === undefined) return { ok: true, value: undefined };
  if (value === 'default') return { ok: true, value: null };
  if (value === 'unlimited') return { ok: true, value: 0 };
  const number = Number(value);
  if (Number.isInteger(number) && number > 0 && number <= 2_147_483_647) return { ok: true, value: number };
  return { ok: false, error: `--${name} ${value}: must be a whole number > 0, 'unlimited' or 'default'` };
}

/** Publishes an invalidation; a Redis that cannot be reached only delays the change (the key cache's TTL). */
async function announce(notify: Notify, invalidation: Invalidation): Promise<string> {
  try {
    const replicas = await notify(invalidation);
    return `${replicas} gateway replica(s) told at once`;
  } catch (error) {
    return `WARNING: Redis could not be told (${error instanceof Error ? error.message : String(error)}); gateways see the change within KEY_CACHE_TTL_MS`;
  }
}

/** `tollgate limits set --account ID|--key KEY_ID [--rpm N] [--tpm N] [--credit-limit USD]`. */
export async function limitsSetCommand(
  prisma: PrismaClient,
  notify: Notify,
  options: { account?: string; key?: string; rpm?: string; tpm?: string; creditLimit?: string; json: boolean },
): Promise<CommandResult> {
  if ((options.account === undefined) === (options.key === undefined)) return usage('give exactly one of --account ID or --key KEY_ID');
  const id = options.account ?? options.key ?? '';
  if (!uuid.safeParse(id).success) return usage(`${options.account ? '--account' : '--key'} ${id}: not an id (a UUID)`);
  const rpm = parseLimit('rpm', options.rpm);
  const tpm = parseLimit('tpm', options.tpm);
  if (!rpm.ok) return usage(rpm.error);
  if (!tpm.ok) return usage(tpm.error);
  if (options.creditLimit !== undefined) {
    if (options.key) return usage('--credit-limit applies to an account: use --account');
    if (!creditLimitSchema.safeParse(options.creditLimit).success) return usage(`--credit-limit ${options.creditLimit}: must be a decimal amount in USD, e.g. 25.00`);
  }
  if (rpm.value === undefined && tpm.value === undefined && options.creditLimit === undefined) return usage('nothing to set: give --rpm, --tpm or --credit-limit');
  const change = { rpm: rpm.value, tpm: tpm.value };
  // Audited as the OS user running the command, like every operator write.
  const stored = options.account
    ? await adminUpdateAccount(prisma, cliActor(), id, { ...change, creditLimit: options.creditLimit }).then((account) => account && { rpm: account.rpm, tpm: account.tpm, creditLimit: account.creditLimit })
    : await adminSetKeyLimits(prisma, cliActor(), id, change).then((key) => key && { rpm: key.rpm, tpm: key.tpm });
  if (!stored) return { output: `no ${options.account ? 'account' : 'key'} ${id}`, exitCode: 1 };
  const told = await announce(notify, options.account ? { accountId: id } : { apiKeyId: id });
  if (options.json) return { output: JSON.stringify({ [options.account ? 'accountId' : 'apiKeyId']: id, ...stored }), exitCode: 0 };
  return { output: `${options.account ? 'Account' : 'Key'} ${id}: ${describeLimits(stored)}\n${told}`, exitCode: 0 };
}

const shown = (limit: number | null) => (limit === null ? 'default' : limit === 0 ? 'unlimited' : String(limit));
const describeLimits = (limits: { rpm: number | null; tpm: number | null; creditLimit?: string }) =>
  `rpm ${shown(limits.rpm)}, tpm ${shown(limits.tpm)}${limits.creditLimit === undefined ? '' : `, credit limit $${limits.creditLimit}`}`;

/** `tollgate limits show --account ID|--key KEY_ID`: the stored limits of an account and its keys. */
export async function limitsShowCommand(prisma: PrismaClient, options: { account?: string; key?: string; json: boolean }): Promise<CommandResult> {
  if ((options.account === undefined) === (options.key === undefined)) return usage('give exactly one of --account ID or --key KEY_ID');
  const id = options.account ?? options.key ?? '';
  if (!uuid.safeParse(id).success) return usage(`${options.account ? '--account' : '--key'} ${id}: not an id (a UUID)`);
  const accountId = options.account ?? (await accountOfKey(prisma, id));
  const limits = accountId ? await getLimits(prisma, accountId) : null;
  if (!limits) return { output: `no ${options.account ? 'account' : 'key'} ${id}`, exitCode: 1 };
  if (options.json) return { output: JSON.stringify(limits), exitCode: 0 };
  return {
    output: [
      `Account ${limits.accountId} (${limits.name})${limits.suspended ? ' SUSPENDED' : ''}: ${describeLimits(limits)}`,
      ...limits.keys.map((key) => `  key ${key.apiKeyId} (${key.prefix}…): ${describeLimits(key)}`),
      "  ('default' = RATE_LIMIT_RPM / RATE_LIMIT_TPM of the gateway, unlimited when unset)",
    ].join('\n'),
    exitCode: 0,
  };
}

/** `tollgate accounts suspend|resume ID`: refused at once (403 account_suspended) on every replica, or served again. */
export async function suspendCommand(prisma: PrismaClient, notify: Notify, options: { account: string; suspended: boolean }): Promise<CommandResult> {
  if (!uuid.safeParse(options.account).success) return usage(`${options.account}: not an account id (a UUID)`);
  if (!(await adminUpdateAccount(prisma, cliActor(), options.account, { suspended: options.suspended }))) return { output: `no account ${options.account}`, exitCode: 1 };
  const told = await announce(notify, { accountId: options.account });
  return { output: `Account ${options.account} ${options.suspended ? 'suspended' : 'resumed'}; ${told}`, exitCode: 0 };
}

/** `tollgate keys revoke KEY_ID`: the key stops working on every replica at once. */
export async function revokeKeyCommand(prisma: PrismaClient, notify: Notify, options: { key: string }): Promise<CommandResult> {
  if (!uuid.safeParse(options.key).success) return usage(`${options.key}: not a key id (a UUID; see tollgate keys list)`);
  const revoked = await adminRevokeKey(prisma, cliActor(), options.key);
  if (!revoked) return { output: `no key ${options.key}`, exitCode: 1 };
  const told = await announce(notify, { apiKeyId: options.key });
  return { output: `Key ${options.key} ${revoked.already ? 'was already revoked' : 'revoked'}; ${told}`, exitCode: 0 };
}

/** `tollgate keys list --account ID`: prefix, name, created, last used, revoked, limits — never the key. */
export async function listKeysCommand(prisma: PrismaClient, options: { account: string; json: boolean }): Promise<CommandResult> {
  if (!uuid.safeParse(options.account).success) return usage(`--account ${options.account}: not an account id (a UUID)`);
  const keys = await listKeys(prisma, options.account);
  if (options.json) return { output: JSON.stringify(keys), exitCode: 0 };
  if (keys.length === 0) return { output: `no keys for account ${options.account}`, exitCode: 0 };
  return {
    output: keys
      .map(
        (key) =>
          `${key.id}  ${key.prefix}…  ${key.name ?? '-'}  created ${key.createdAt}  last used ${key.lastUsedAt ?? 'never'}${key.revokedAt ? `  REVOKED ${key.revokedAt}` : ''}${key.expiresAt ? `  expires ${key.expiresAt}` : ''}${key.models.length > 0 ? `  models ${key.models.join(',')}` : ''}${key.spendCap ? `  cap $${key.spendCap}` : ''}`,
      )
      .join('\n'),
    exitCode: 0,
  };
}
