import { normalizeDecimal } from './numeric-text';
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
      .map((row) => ({ accountId: row.id, name: row.name, debt: normalizeDecimal(row.debt), ledgerSum: normalizeDecimal(row.ledger_sum) })),
  };
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
  return rows.map((row) => ({ accountId: row.id, name: row.name, debt: normalizeDecimal(row.debt), creditLimit: normalizeDecimal(row.credit_limit), over: normalizeDecimal(row.over) }));
}

/** An account whose usage ledger entries do not add up to its daily rollups (`usage_daily`). */
export interface RollupMismatch {
  accountId: string;
  name: string;
  /** Σ ledger entries of kind `usage`. */
  usageLedger: string;
  /** Σ `usage_daily.total_cost`. */
  rollupTotal: string;
}

/**
 * Every account whose Σ usage ledger entries ≠ Σ daily rollup totals. The worker writes both in one statement, and
 * retention deletes neither, so any difference is a bug or a hand edit; usage queries read the rollups, so they would
 * disagree with the debt.
 */
export async function reconcileUsageRollups(prisma: PrismaClient): Promise<RollupMismatch[]> {
  const rows = await prisma.$queryRaw<Array<{ id: string; name: string; usage_ledger: string; rollup_total: string }>>`
    WITH ledger AS (SELECT account_id, SUM(amount) AS total FROM ledger_entries WHERE kind = 'usage' GROUP BY account_id),
         rollups AS (SELECT account_id, SUM(total_cost) AS total FROM usage_daily GROUP BY account_id)
    SELECT a.id::text AS id, a.name, COALESCE(ledger.total, 0)::text AS usage_ledger, COALESCE(rollups.total, 0)::text AS rollup_total
    FROM accounts a
    LEFT JOIN ledger ON ledger.account_id = a.id
    LEFT JOIN rollups ON rollups.account_id = a.id
    WHERE COALESCE(ledger.total, 0) <> COALESCE(rollups.total, 0)
    ORDER BY a.created_at, a.id`;
  return rows.map((row) => ({ accountId: row.id, name: row.name, usageLedger: normalizeDecimal(row.usage_ledger), rollupTotal: normalizeDecimal(row.rollup_total) }));
}

/** An account whose payments of one kind and the ledger entries of that kind disagree. */
export interface PaymentMismatch {
  accountId: string;
  name: string;
  kind: 'topup' | 'settlement';
  /** Σ payment amounts of this kind (positive). */
  payments: string;
  /** −Σ ledger entries of this kind (the entries are negative, so this is comparable with `payments`). */
  ledger: string;
  /** Ledger entries of this kind with no payment, or whose payment is of another account, kind or amount. */
  entriesWithoutPayment: number;
  /** Payments with no ledger entry of their own account, kind and (negated) amount. */
  paymentsWithoutEntry: number;
}

/**
 * Per account and payment kind: Σ payments = −Σ ledger entries of that kind, and every top-up or settlement entry is
 * one payment's own entry (same account, kind, amount negated) and every payment has one. Checking entries one by one
 * as well as the sums catches a missing entry that another, unrelated one happens to balance.
 */
export async function reconcilePayments(prisma: PrismaClient): Promise<PaymentMismatch[]> {
  const rows = await prisma.$queryRaw<
    Array<{ id: string; name: string; kind: 'topup' | 'settlement'; payments: string; ledger: string; entries_without_payment: number; payments_without_entry: number }>
  >`
    WITH paid AS (
      SELECT p.account_id, p.kind, SUM(p.amount) AS total,
        COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ledger_entries l
          WHERE l.payment_id = p.id AND l.account_id = p.account_id AND l.kind = p.kind AND l.amount = -p.amount)) AS unmatched
      FROM payments p GROUP BY p.account_id, p.kind
    ), booked AS (
      SELECT l.account_id, l.kind, -SUM(l.amount) AS total,
        COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM payments p
          WHERE p.id = l.payment_id AND p.account_id = l.account_id AND p.kind = l.kind AND p.amount = -l.amount)) AS unmatched
      FROM ledger_entries l WHERE l.kind IN ('topup', 'settlement') GROUP BY l.account_id, l.kind
    )
    SELECT a.id::text AS id, a.name, k.kind, COALESCE(paid.total, 0)::text AS payments, COALESCE(booked.total, 0)::text AS ledger,
      COALESCE(booked.unmatched, 0)::int AS entries_without_payment, COALESCE(paid.unmatched, 0)::int AS payments_without_entry
    FROM (SELECT account_id, kind FROM paid UNION SELECT account_id, kind FROM booked) k
    JOIN accounts a ON a.id = k.account_id
    LEFT JOIN paid ON paid.account_id = k.account_id AND paid.kind = k.kind
    LEFT JOIN booked ON booked.account_id = k.account_id AND booked.kind = k.kind
    WHERE COALESCE(paid.total, 0) <> COALESCE(booked.total, 0) OR COALESCE(paid.unmatched, 0) > 0 OR COALESCE(booked.unmatched, 0) > 0
    ORDER BY a.created_at, a.id, k.kind`;
  return rows.map((row) => ({
    accountId: row.id,
    name: row.name,
    kind: row.kind,
    payments: normalizeDecimal(row.payments),
    ledger: normalizeDecimal(row.ledger),
    entriesWithoutPayment: row.entries_without_payment,
    paymentsWithoutEntry: row.payments_without_entry,
  }));
}
