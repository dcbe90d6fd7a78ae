import { sumDecimals } from '@tollgate/billing';
import type { PrismaClient } from '@tollgate/db';
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

/**
 * Records priced requests, each exactly once, in ONE transaction: the usage rows (unique request id: a repeat, in
 * the batch or from an earlier one, inserts nothing), a ledger entry for each row actually inserted, and each
 * account's debt raised by the sum of its inserted totals (accounts updated in id order, so concurrent batches
 * cannot deadlock). Returns the request ids that were newly recorded. The worker never prices anything: the events
 * carry their cost.
 */
export async function recordUsageBatch(prisma: PrismaClient, events: readonly MeteringEvent[]): Promise<Set<string>> {
  const unique = [...new Map(events.map((event) => [event.requestId, event])).values()];
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.usageRecord.createManyAndReturn({
      data: unique.map(usageRow),
      skipDuplicates: true,
      select: { requestId: true },
    });
    const recorded = new Set(inserted.map((row) => row.requestId));
    const newEvents = unique.filter((event) => recorded.has(event.requestId));
    if (newEvents.length === 0) return recorded;
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
    for (const accountId of [...totalsByAccount.keys()].sort()) {
      await tx.account.update({ where: { id: accountId }, data: { debt: { increment: sumDecimals(totalsByAccount.get(accountId) ?? []) } } });
    }
    return recorded;
  });
}

/** Records one priced request exactly once; false when it was already recorded. */
export async function recordUsage(prisma: PrismaClient, event: MeteringEvent): Promise<boolean> {
  return (await recordUsageBatch(prisma, [event])).has(event.requestId);
}
