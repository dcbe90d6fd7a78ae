import type { PrismaClient } from './prisma-client';

/** A capped key's committed spend and the account's debt version it was read at. */
export interface CommittedKeySpend {
  accountId: string;
  /** USD, a decimal string: Σ of the key's daily rollups (total cost, commission included). */
  spend: string;
  /** The key's account's debt version in the same snapshot: every usage commit of the key raises it. */
  version: bigint;
}

/**
 * A key's committed spend for the gateways' view of its cap, read in ONE statement (one snapshot), so the spend and
 * the version agree: every batch that adds to the key's rollups raises its account's debt version in the same
 * transaction. Null for an unknown key. The rollups are never pruned by retention, so the sum is the key's lifetime
 * spend.
 */
export async function getCommittedKeySpend(prisma: PrismaClient, apiKeyId: string): Promise<CommittedKeySpend | null> {
  const rows = await prisma.$queryRaw<Array<{ account_id: string; spend: { toFixed(): string }; debt_version: bigint }>>`
    SELECT k.account_id::text AS account_id, a.debt_version,
      coalesce((SELECT sum(d.total_cost) FROM usage_daily AS d WHERE d.account_id = k.account_id AND d.api_key_id = k.id), 0) AS spend
    FROM api_keys AS k JOIN accounts AS a ON a.id = k.account_id
    WHERE k.id = ${apiKeyId}::uuid`;
  const row = rows[0];
  return row ? { accountId: row.account_id, spend: row.spend.toFixed(), version: BigInt(row.debt_version) } : null;
}
