import type { PrismaClient } from './prisma-client';

/** An account whose recorded debt is not the sum of its ledger entries. */
export interface DebtMismatch {
  accountId: string;
  name: string;
  debt: string;
  ledgerSum: string;
}

/**
 * Checks the ledger invariant for every account: debt = Σ ledger entries. Computed by Postgres in NUMERIC, exactly.
 * Returns the accounts that differ (none when the books balance) and how many were checked.
 */
export async function reconcileDebts(prisma: PrismaClient): Promise<{ checked: number; mismatches: DebtMismatch[] }> {
  const rows = await prisma.$queryRaw<Array<{ id: string; name: string; debt: string; ledger_sum: string; matches: boolean }>>`
    SELECT a.id::text AS id, a.name, a.debt::text AS debt, COALESCE(l.total, 0)::text AS ledger_sum,
           a.debt = COALESCE(l.total, 0) AS matches
    FROM accounts a
    LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id) l ON l.account_id = a.id
    ORDER BY a.created_at, a.id`;
  return {
    checked: rows.length,
    mismatches: rows
      .filter((row) => !row.matches)
      .map((row) => ({ accountId: row.id, name: row.name, debt: stripZeros(row.debt), ledgerSum: stripZeros(row.ledger_sum) })),
  };
}

function stripZeros(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

/** An account whose recorded debt is above its credit limit: it was served more than it was allowed. */
export interface OverLimitAccount {
  accountId: string;
  name: string;
  debt: string;
  creditLimit: string;
  /** debt − credit limit. */
  over: string;
}

/** Every account whose debt exceeds its credit limit, by how much (exact NUMERIC arithmetic in Postgres). */
export async function findAccountsOverLimit(prisma: PrismaClient): Promise<OverLimitAccount[]> {
  const rows = await prisma.$queryRaw<Array<{ id: string; name: string; debt: string; credit_limit: string; over: string }>>`
    SELECT id::text AS id, name, debt::text AS debt, credit_limit::text AS credit_limit, (debt - credit_limit)::text AS over
    FROM accounts WHERE debt > credit_limit ORDER BY debt - credit_limit DESC, id`;
  return rows.map((row) => ({ accountId: row.id, name: row.name, debt: stripZeros(row.debt), creditLimit: stripZeros(row.credit_limit), over: stripZeros(row.over) }));
}
