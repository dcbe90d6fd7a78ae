import { displayPrefix, generateApiKey, hashApiKey, SPEND_TOKEN_PREFIX } from './api-key-secret';
import type { PrismaClient } from './prisma-client';

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

/** What authentication needs to know about a presented key. */
export interface KeyOwner {
  apiKeyId: string;
  accountId: string;
  revoked: boolean;
  expiresAt: Date | null;
  creditLimit: string;
}

/** Looks a key up by its hash; null when no such key exists. */
export async function findKeyOwner(prisma: PrismaClient, keyHash: string): Promise<KeyOwner | null> {
  const key = await prisma.apiKey.findUnique({
    where: { keyHash },
    select: { id: true, accountId: true, revokedAt: true, expiresAt: true, account: { select: { creditLimit: true } } },
  });
  if (!key) return null;
  return {
    apiKeyId: key.id,
    accountId: key.accountId,
    revoked: key.revokedAt !== null,
    expiresAt: key.expiresAt,
    creditLimit: key.account.creditLimit.toFixed(),
  };
}

/** Marks a key revoked; returns false when it did not exist or was already revoked. */
export async function revokeApiKey(prisma: PrismaClient, apiKeyId: string): Promise<boolean> {
  const result = await prisma.apiKey.updateMany({ where: { id: apiKeyId, revokedAt: null }, data: { revokedAt: new Date() } });
  return result.count === 1;
}

/** An account's recorded debt as a decimal string ('0' for an unknown account). */
export async function getAccountDebt(prisma: PrismaClient, accountId: string): Promise<string> {
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { debt: true } });
  return account?.debt.toFixed() ?? '0';
}
