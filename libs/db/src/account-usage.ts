import type { PrismaClient } from './prisma-client';
import { usageTotals } from './usage-report';

/** An account's standing: what it owes and what it used, money as decimal strings. */
export interface AccountUsage {
  accountId: string;
  name: string;
  /** The wallet the account belongs to (lower-case), if any. */
  walletAddress: string | null;
  creditLimit: string;
  debt: string;
  requests: number;
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number; total: number };
  cost: { base: string; commission: string; total: string };
}

/** Debt and usage totals of one account; null when the account does not exist. */
export async function getAccountUsage(prisma: PrismaClient, accountId: string): Promise<AccountUsage | null> {
  const account = await prisma.account.findUnique({ where: { id: accountId } });
  if (!account) return null;
  // From the daily rollups: raw usage rows may have been deleted by retention (USAGE_RETENTION_DAYS).
  const { requests, tokens, cost } = await usageTotals(prisma, { accountId });
  return {
    accountId: account.id,
    name: account.name,
    walletAddress: account.walletAddress,
    creditLimit: account.creditLimit.toFixed(),
    debt: account.debt.toFixed(),
    requests,
    tokens,
    cost,
  };
}
