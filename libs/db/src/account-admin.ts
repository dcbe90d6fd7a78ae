import type { PrismaClient } from './prisma-client';

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
