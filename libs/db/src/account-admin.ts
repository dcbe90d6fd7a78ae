import type { PrismaClient } from './prisma-client';

/** Per-minute limits as stored; null = the configured default applies. */
export interface StoredLimits {
  rpm: number | null;
  tpm: number | null;
}

/** Sets an account's limits (and credit limit); only the given fields change. Null when there is no such account. */
export async function setAccountLimits(
  prisma: PrismaClient,
  accountId: string,
  change: { rpm?: number | null; tpm?: number | null; creditLimit?: string },
): Promise<(StoredLimits & { creditLimit: string }) | null> {
  const updated = await prisma.account.updateMany({
    where: { id: accountId },
    data: { rpmLimit: change.rpm, tpmLimit: change.tpm, creditLimit: change.creditLimit },
  });
  if (updated.count === 0) return null;
  const account = await prisma.account.findUniqueOrThrow({ where: { id: accountId }, select: { rpmLimit: true, tpmLimit: true, creditLimit: true } });
  return { rpm: account.rpmLimit, tpm: account.tpmLimit, creditLimit: account.creditLimit.toFixed() };
}

/** Sets a key's own limits; only the given fields change. Null when there is no such key. */
export async function setKeyLimits(prisma: PrismaClient, apiKeyId: string, change: { rpm?: number | null; tpm?: number | null }): Promise<StoredLimits | null> {
  const updated = await prisma.apiKey.updateMany({ where: { id: apiKeyId }, data: { rpmLimit: change.rpm, tpmLimit: change.tpm } });
  if (updated.count === 0) return null;
  const key = await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKeyId }, select: { rpmLimit: true, tpmLimit: true } });
  return { rpm: key.rpmLimit, tpm: key.tpmLimit };
}

/** An account's stored limits and its keys' (null when there is no such account). */
export async function getLimits(prisma: PrismaClient, accountId: string) {
  const account = await prisma.account.findUnique({
    where: { id: accountId },
    select: { id: true, name: true, creditLimit: true, rpmLimit: true, tpmLimit: true, suspendedAt: true, apiKeys: { select: { id: true, displayPrefix: true, rpmLimit: true, tpmLimit: true }, orderBy: { createdAt: 'asc' } } },
  });
  if (!account) return null;
  return {
    accountId: account.id,
    name: account.name,
    creditLimit: account.creditLimit.toFixed(),
    suspended: account.suspendedAt !== null,
    rpm: account.rpmLimit,
    tpm: account.tpmLimit,
    keys: account.apiKeys.map((key) => ({ apiKeyId: key.id, prefix: key.displayPrefix, rpm: key.rpmLimit, tpm: key.tpmLimit })),
  };
}

/** The account that owns a key (null when there is no such key). */
export async function accountOfKey(prisma: PrismaClient, apiKeyId: string): Promise<string | null> {
  return (await prisma.apiKey.findUnique({ where: { id: apiKeyId }, select: { accountId: true } }))?.accountId ?? null;
}

/** Suspends or resumes an account; false when there is no such account. */
export async function setAccountSuspended(prisma: PrismaClient, accountId: string, suspended: boolean): Promise<boolean> {
  const updated = await prisma.account.updateMany({ where: { id: accountId }, data: { suspendedAt: suspended ? new Date() : null } });
  return updated.count === 1;
}
