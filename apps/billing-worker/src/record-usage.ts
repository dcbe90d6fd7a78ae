import type { PrismaClient } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

/**
 * Records one priced request, exactly once, in one transaction: the usage row (unique request id; a repeat inserts
 * nothing), its ledger entry, and the account's debt raised by the same amount. Returns false for a repeat.
 * The worker never prices anything: the event carries its cost.
 */
export async function recordUsage(prisma: PrismaClient, event: MeteringEvent): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.usageRecord.createMany({
      skipDuplicates: true,
      data: [
        {
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
          event,
        },
      ],
    });
    if (inserted.count === 0) return false;
    await tx.ledgerEntry.create({
      data: { accountId: event.accountId, kind: 'usage', amount: event.cost.total, requestId: event.requestId, description: `${event.model} (${event.status})` },
    });
    await tx.account.update({ where: { id: event.accountId }, data: { debt: { increment: event.cost.total } } });
    return true;
  });
}
