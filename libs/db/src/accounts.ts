import { displayPrefix, generateApiKey, hashApiKey, SPEND_TOKEN_PREFIX } from './api-key-secret';
import type { Prisma, PrismaClient } from './prisma-client';

export interface CreatedAccount {
  account: { id: string; name: string; creditLimit: string };
  apiKeyId: string;
  /** The plaintext key: returned once, never stored. */
  apiKey: string;
}

/**
 * Creates an account with a credit limit (USD decimal string) and its first API key, in one transaction. A spend
 * token is the same thing with the `tgst_` prefix: its account's credit limit is the prepaid amount, and it may
 * expire.
 */
export async function createAccountWithKey(
  prisma: PrismaClient,
  input: { name: string; creditLimit: string; keyName?: string; spendToken?: boolean; expiresAt?: Date },
): Promise<CreatedAccount> {
  const apiKey = generateApiKey(input.spendToken ? SPEND_TOKEN_PREFIX : undefined);
  return prisma.$transaction(async (tx) => {
    const account = await tx.account.create({ data: { name: input.name, creditLimit: input.creditLimit } });
    const key = await tx.apiKey.create({
      data: { accountId: account.id, keyHash: hashApiKey(apiKey), displayPrefix: displayPrefix(apiKey), name: input.keyName, expiresAt: input.expiresAt },
    });
    return {
      account: { id: account.id, name: account.name, creditLimit: account.creditLimit.toFixed() },
      apiKeyId: key.id,
      apiKey,
    };
  });
}

/** What authentication and admission need to know about a presented key. */
export interface KeyOwner {
  apiKeyId: string;
  accountId: string;
  revoked: boolean;
  expiresAt: Date | null;
  creditLimit: string;
  /** The account is suspended: every request is refused. */
  suspended: boolean;
  /** Per-minute limits stored for the key and its account; null = the configured default. */
  limits: { keyRpm: number | null; keyTpm: number | null; accountRpm: number | null; accountTpm: number | null };
  /** Catalog ids the key may use; empty = every model. */
  allowedModels: string[];
  /** The most the key may spend in all (USD decimal string); null = only the account's funds bound it. */
  spendCap: string | null;
}

const KEY_OWNER_SELECT = {
  id: true,
  keyHash: true,
  accountId: true,
  revokedAt: true,
  expiresAt: true,
  rpmLimit: true,
  tpmLimit: true,
  allowedModels: true,
  spendCap: true,
  account: { select: { creditLimit: true, suspendedAt: true, rpmLimit: true, tpmLimit: true } },
} as const;

/** Looks keys up by their hashes, in one query; a hash with no key is absent from the map. */
export async function findKeyOwners(prisma: PrismaClient, keyHashes: readonly string[]): Promise<Map<string, KeyOwner>> {
  const keys = await prisma.apiKey.findMany({ where: { keyHash: { in: [...keyHashes] } }, select: KEY_OWNER_SELECT });
  return new Map(keys.map((key) => [key.keyHash, keyOwner(key)]));
}

/** A key id is a UUID: anything else (a forged token claim) is no key, and is never sent to Postgres as one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Looks keys up by their ids (a token exchanged for a key names it), in one query; an unknown id is absent. */
export async function findKeyOwnersById(prisma: PrismaClient, apiKeyIds: readonly string[]): Promise<Map<string, KeyOwner>> {
  const ids = apiKeyIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return new Map();
  const keys = await prisma.apiKey.findMany({ where: { id: { in: ids } }, select: KEY_OWNER_SELECT });
  return new Map(keys.map((key) => [key.id, keyOwner(key)]));
}

function keyOwner(key: Prisma.ApiKeyGetPayload<{ select: typeof KEY_OWNER_SELECT }>): KeyOwner {
  return {
    apiKeyId: key.id,
    accountId: key.accountId,
    revoked: key.revokedAt !== null,
    expiresAt: key.expiresAt,
    creditLimit: key.account.creditLimit.toFixed(),
    suspended: key.account.suspendedAt !== null,
    limits: { keyRpm: key.rpmLimit, keyTpm: key.tpmLimit, accountRpm: key.account.rpmLimit, accountTpm: key.account.tpmLimit },
    allowedModels: key.allowedModels,
    spendCap: key.spendCap?.toFixed() ?? null,
  };
}

/** Looks a key up by its hash; null when no such key exists. */
export async function findKeyOwner(prisma: PrismaClient, keyHash: string): Promise<KeyOwner | null> {
  return (await findKeyOwners(prisma, [keyHash])).get(keyHash) ?? null;
}

/** An account's committed debt (decimal string; '0' for an unknown account) and its version. */
export async function getCommittedDebt(prisma: PrismaClient, accountId: string): Promise<{ debt: string; version: bigint }> {
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { debt: true, debtVersion: true } });
  return { debt: account?.debt.toFixed() ?? '0', version: account?.debtVersion ?? 0n };
}
