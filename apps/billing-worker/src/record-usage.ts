import { sumDecimals } from '@tollgate/billing';
import type { Prisma, PrismaClient } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

function usageRow(event: MeteringEvent) {
  return {
    requestId: event.requestId,
    accountId: event.accountId,
    apiKeyId: event.apiKeyId,
    authMethod: event.authMethod,
    model: event.model,
    provider: event.provider,
    status: event.status,
    streamed: event.streamed,
    inputTokens: event.usage.inputTokens,
    outputTokens: event.usage.outputTokens,
    reasoningTokens: event.usage.reasoningTokens,
    cacheReadTokens: event.usage.cacheReadTokens,
    cacheWriteTokens: event.usage.cacheWriteTokens,
    usageSource: event.usage.source,
    baseCost: event.cost.base,
    commission: event.cost.commission,
    totalCost: event.cost.total,
    startedAt: new Date(event.timings.startedAt),
    durationMs: event.timings.durationMs,
    exceededReservation: event.exceededReservation ?? false,
    event,
  };
}

/** An account's debt as committed by a batch, with the request ids of the batch that belong to it. */
export interface CommittedDebt {
  accountId: string;
  debt: string;
  version: bigint;
  requestIds: string[];
}

/** What a batch committed: the request ids newly recorded, and the debt of every account it touched. */
export interface BatchResult {
  recorded: Set<string>;
  committed: CommittedDebt[];
}

/**
 * Records priced requests, each exactly once, in ONE transaction: the usage rows (unique request id: a repeat, in
 * the batch or from an earlier one, inserts nothing), a ledger entry for each row actually inserted, and each
 * account's debt raised by the sum of its inserted totals (accounts updated in id order, so concurrent batches
 * cannot deadlock; each update raises the debt's version). Returns the request ids newly
 * recorded and, for every account of the batch (repeats included: their costs are committed too), its debt and
 * version as of this commit — for the gateway's view of funds. The worker never prices anything: the events carry
 * their cost.
 */
export async function recordUsageBatch(prisma: PrismaClient, events: readonly MeteringEvent[]): Promise<BatchResult> {
  const unique = [...new Map(events.map((event) => [event.requestId, event])).values()];
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.usageRecord.createManyAndReturn({
      data: unique.map(usageRow),
      skipDuplicates: true,
      select: { requestId: true },
    });
    const recorded = new Set(inserted.map((row) => row.requestId));
    const newEvents = unique.filter((event) => recorded.has(event.requestId));
    const updated = newEvents.length > 0 ? await recordLedger(tx, newEvents) : [];
    // Accounts of repeats only were not updated: their debt is read (rare: a redelivered job).
    const unread = [...new Set(unique.map((event) => event.accountId))].filter((id) => !updated.some((account) => account.id === id));
    const read = unread.length > 0 ? await tx.account.findMany({ where: { id: { in: unread } }, select: { id: true, debt: true, debtVersion: true } }) : [];
    const committed = [...updated, ...read].map((account) => ({
      accountId: account.id,
      debt: account.debt.toFixed(),
      version: account.debtVersion,
      requestIds: unique.filter((event) => event.accountId === account.id).map((event) => event.requestId),
    }));
    return { recorded, committed };
  });
}

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Ledger entries and debts (and their versions) for newly recorded events; returns the accounts as updated. */
async function recordLedger(tx: Transaction, newEvents: MeteringEvent[]) {
  await tx.ledgerEntry.createMany({
    data: newEvents.map((event) => ({
      accountId: event.accountId,
      kind: 'usage',
      amount: event.cost.total,
      requestId: event.requestId,
      description: `${event.model} (${event.status})`,
    })),
  });
  const totalsByAccount = new Map<string, string[]>();
  for (const event of newEvents) totalsByAccount.set(event.accountId, [...(totalsByAccount.get(event.accountId) ?? []), event.cost.total]);
  // Two statements whatever the number of accounts: lock their rows in id order (so concurrent batches cannot
  // deadlock; NO KEY UPDATE, the lock an UPDATE of non-key columns takes, so the foreign-key checks of other batches'
  // inserts, which take KEY SHARE, do not conflict with it), then raise every debt and its version at once.
  const accountIds = [...totalsByAccount.keys()].sort();
  const amounts = accountIds.map((accountId) => sumDecimals(totalsByAccount.get(accountId) ?? []));
  await tx.$queryRaw`SELECT id FROM accounts WHERE id = ANY(${accountIds}::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
  const updated = await tx.$queryRaw<Array<{ id: string; debt: Prisma.Decimal; debt_version: bigint }>>`
    UPDATE accounts AS a SET debt = a.debt + v.amount, debt_version = a.debt_version + 1
    FROM unnest(${accountIds}::uuid[], ${amounts}::numeric[]) AS v(id, amount)
    WHERE a.id = v.id
    RETURNING a.id::text AS id, a.debt, a.debt_version`;
  return updated.map((row) => ({ id: row.id, debt: row.debt, debtVersion: BigInt(row.debt_version) }));
}

/** Records one priced request exactly once; false when it was already recorded. */
export async function recordUsage(prisma: PrismaClient, event: MeteringEvent): Promise<boolean> {
  return (await recordUsageBatch(prisma, [event])).recorded.has(event.requestId);
}

