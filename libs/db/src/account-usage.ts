import type { PrismaClient } from './prisma-client';

/** An account's standing: what it owes and what it used, money as decimal strings. */
export interface AccountUsage {
  accountId: string;
  name: string;
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
  const totals = await prisma.usageRecord.aggregate({
    where: { accountId },
    _count: { _all: true },
    _sum: {
      inputTokens: true,
      outputTokens: true,
      reasoningTokens: true,
      cacheReadTokens: true,
      cacheWriteTokens: true,
      baseCost: true,
      commission: true,
      totalCost: true,
    },
  });
  const sum = totals._sum;
  const tokens = {
    input: sum.inputTokens ?? 0,
    output: sum.outputTokens ?? 0,
    reasoning: sum.reasoningTokens ?? 0,
    cacheRead: sum.cacheReadTokens ?? 0,
    cacheWrite: sum.cacheWriteTokens ?? 0,
    total: 0,
  };
  tokens.total = tokens.input + tokens.output + tokens.reasoning + tokens.cacheRead + tokens.cacheWrite;
  return {
    accountId: account.id,
    name: account.name,
    creditLimit: account.creditLimit.toFixed(),
    debt: account.debt.toFixed(),
    requests: totals._count._all,
    tokens,
    cost: {
      base: sum.baseCost?.toFixed() ?? '0',
      commission: sum.commission?.toFixed() ?? '0',
      total: sum.totalCost?.toFixed() ?? '0',
    },
  };
}
