import type { KeyOwner, PrismaClient } from '@tollgate/db';

/** What authentication and admission need to know about an account a JWT names (no key involved). */
export interface AccountOwner {
  accountId: string;
  /** Always null: the cache shares KeyOwnerCache's invalidations, where a key id never matches an account. */
  apiKeyId: null;
  creditLimit: string;
  suspended: boolean;
  walletAddress: string | null;
  /** The account's per-minute limits; a JWT has no key, so the key's are null (the configured default). */
  limits: KeyOwner['limits'];
}

/** An account id is a UUID: anything else (a forged `sub`) is no account, and is never sent to Postgres as one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Looks accounts up by id, in one query; an id with no account is absent from the map. */
export async function findAccountOwners(prisma: PrismaClient, accountIds: readonly string[]): Promise<Map<string, AccountOwner>> {
  const ids = accountIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return new Map();
  const accounts = await prisma.account.findMany({
    where: { id: { in: ids } },
    select: { id: true, creditLimit: true, suspendedAt: true, walletAddress: true, rpmLimit: true, tpmLimit: true },
  });
  return new Map(
    accounts.map((account) => [
      account.id,
      {
        accountId: account.id,
        apiKeyId: null,
        creditLimit: account.creditLimit.toFixed(),
        suspended: account.suspendedAt !== null,
        walletAddress: account.walletAddress,
        limits: { keyRpm: null, keyTpm: null, accountRpm: account.rpmLimit, accountTpm: account.tpmLimit },
      },
    ]),
  );
}
