import { getAccountView, type AccountView } from './account-directory';
import { displayPrefix, generateApiKey, hashApiKey, SPEND_TOKEN_PREFIX } from './api-key-secret';
import { recordAudit } from './audit';
import type { PrismaClient } from './prisma-client';

/**
 * Operators' writes to accounts and keys, each in one transaction with its audit row (who, what, before, after):
 * the admin API and the CLI both go through these, so every change is audited the same way.
 */

/** A key as operators see it: never the key itself. */
export interface KeyView {
  id: string;
  accountId: string;
  prefix: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  rpm: number | null;
  tpm: number | null;
  /** Catalog ids the key may use; empty = every model. */
  models: string[];
  /** The most the key may spend in all (USD decimal string); null = no cap of its own. */
  spendCap: string | null;
}

function keyView(key: {
  id: string;
  accountId: string;
  displayPrefix: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  allowedModels: string[];
  spendCap: { toFixed(): string } | null;
}): KeyView {
  return {
    id: key.id,
    accountId: key.accountId,
    prefix: key.displayPrefix,
    name: key.name,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    rpm: key.rpmLimit,
    tpm: key.tpmLimit,
    models: key.allowedModels,
    spendCap: key.spendCap?.toFixed() ?? null,
  };
}

/** An account's keys, oldest first. */
export async function listKeys(prisma: PrismaClient, accountId: string): Promise<KeyView[]> {
  return (await prisma.apiKey.findMany({ where: { accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map(keyView);
}

/**
 * Creates an account (credit limit USD, optional per-minute limits) with its first key, shown once. A spend token is
 * the same with the `tgst_` prefix: its account's credit limit is the prepaid amount, and it may expire.
 */
export async function adminCreateAccount(
  prisma: PrismaClient,
  actor: string,
  input: { name: string; creditLimit: string; rpm?: number | null; tpm?: number | null; keyName?: string; spendToken?: boolean; expiresAt?: Date },
): Promise<{ account: AccountView; key: KeyView; apiKey: string }> {
  const apiKey = generateApiKey(input.spendToken ? SPEND_TOKEN_PREFIX : undefined);
  const ids = await prisma.$transaction(async (tx) => {
    const account = await tx.account.create({ data: { name: input.name, creditLimit: input.creditLimit, rpmLimit: input.rpm, tpmLimit: input.tpm } });
    const key = await tx.apiKey.create({
      data: { accountId: account.id, keyHash: hashApiKey(apiKey), displayPrefix: displayPrefix(apiKey), name: input.keyName, expiresAt: input.expiresAt },
    });
    await recordAudit(tx, {
      actor,
      action: 'account.create',
      targetType: 'account',
      targetId: account.id,
      before: null,
      after: { name: account.name, creditLimit: account.creditLimit.toFixed(), rpm: account.rpmLimit, tpm: account.tpmLimit, firstKey: key.id },
    });
    return { accountId: account.id, key };
  });
  return { account: (await getAccountView(prisma, ids.accountId)) as AccountView, key: keyView(ids.key), apiKey };
}

/** What an operator may change on an account; absent fields stay as they are. */
export interface AccountChange {
  name?: string;
  creditLimit?: string;
  rpm?: number | null;
  tpm?: number | null;
  suspended?: boolean;
}

/**
 * Changes an account (name, credit limit, limits, suspension) and audits it; null when there is no such account. The
 * row is locked while it is read and changed, so the audit's "before" is exactly what was replaced.
 */
export async function adminUpdateAccount(prisma: PrismaClient, actor: string, accountId: string, change: AccountChange): Promise<AccountView | null> {
  const changed = await prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM accounts WHERE id = ${accountId}::uuid FOR NO KEY UPDATE`;
    if (locked.length === 0) return false;
    const before = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { name: true, creditLimit: true, rpmLimit: true, tpmLimit: true, suspendedAt: true } });
    const after = await tx.account.update({
      where: { id: accountId },
      data: {
        name: change.name,
        creditLimit: change.creditLimit,
        rpmLimit: change.rpm,
        tpmLimit: change.tpm,
        suspendedAt: change.suspended === undefined ? undefined : change.suspended ? (before.suspendedAt ?? new Date()) : null,
      },
      select: { name: true, creditLimit: true, rpmLimit: true, tpmLimit: true, suspendedAt: true },
    });
    const shown = (state: typeof before) => ({ name: state.name, creditLimit: state.creditLimit.toFixed(), rpm: state.rpmLimit, tpm: state.tpmLimit, suspended: state.suspendedAt !== null });
    const action = change.suspended === undefined ? 'account.update' : change.suspended ? 'account.suspend' : 'account.resume';
    await recordAudit(tx, { actor, action, targetType: 'account', targetId: accountId, before: shown(before), after: shown(after) });
    return true;
  });
  return changed ? getAccountView(prisma, accountId) : null;
}

/**
 * Issues another key for an account (the key is returned once); null when there is no such account. `models` are
 * catalog ids (the callers check them: the admin API against the catalog, the CLI their shape), `spendCap` a USD
 * decimal string.
 */
export async function adminIssueKey(
  prisma: PrismaClient,
  actor: string,
  accountId: string,
  input: { name?: string; expiresAt?: Date; models?: readonly string[]; spendCap?: string },
): Promise<{ key: KeyView; apiKey: string } | null> {
  const apiKey = generateApiKey();
  return prisma.$transaction(async (tx) => {
    const exists = await tx.account.findUnique({ where: { id: accountId }, select: { id: true } });
    if (!exists) return null;
    const key = await tx.apiKey.create({
      data: {
        accountId,
        keyHash: hashApiKey(apiKey),
        displayPrefix: displayPrefix(apiKey),
        name: input.name,
        expiresAt: input.expiresAt,
        allowedModels: [...new Set(input.models ?? [])],
        spendCap: input.spendCap,
      },
    });
    const view = keyView(key);
    await recordAudit(tx, { actor, action: 'key.create', targetType: 'key', targetId: key.id, before: null, after: view });
    return { key: view, apiKey };
  });
}

/** Revokes a key; null when there is no such key, `already` when it was revoked before (nothing changes then). */
export async function adminRevokeKey(prisma: PrismaClient, actor: string, apiKeyId: string): Promise<{ key: KeyView; already: boolean } | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id: apiKeyId } });
    if (!before) return null;
    if (before.revokedAt) return { key: keyView(before), already: true };
    const after = await tx.apiKey.update({ where: { id: apiKeyId }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { actor, action: 'key.revoke', targetType: 'key', targetId: apiKeyId, before: keyView(before), after: keyView(after) });
    return { key: keyView(after), already: false };
  });
}

/** Sets a key's own per-minute limits (absent fields stay) and audits it; null when there is no such key. */
export async function adminSetKeyLimits(prisma: PrismaClient, actor: string, apiKeyId: string, change: { rpm?: number | null; tpm?: number | null }): Promise<KeyView | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id: apiKeyId } });
    if (!before) return null;
    const after = await tx.apiKey.update({ where: { id: apiKeyId }, data: { rpmLimit: change.rpm, tpmLimit: change.tpm } });
    await recordAudit(tx, { actor, action: 'key.limits', targetType: 'key', targetId: apiKeyId, before: { rpm: before.rpmLimit, tpm: before.tpmLimit }, after: { rpm: after.rpmLimit, tpm: after.tpmLimit } });
    return keyView(after);
  });
}
