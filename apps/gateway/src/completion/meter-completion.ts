import { priceUsage } from '@tollgate/billing';
import type { CatalogEntry } from '@tollgate/providers';
import type { Cost, MeteringEvent, MeteringStatus, Usage } from '@tollgate/schemas';
import type { Reservation } from '../funds/funds-guard';
import type { CompletionContext, CompletionDeps } from './completion-deps';

/**
 * Prices a finished request at its catalog prices and emits its one metering event. Returns the cost the caller is
 * shown, which is exactly what the ledger will record. Resolves once the event is queued or spooled.
 */
export async function meterCompletion(
  deps: CompletionDeps,
  context: CompletionContext,
  input: {
    entry: CatalogEntry;
    usage: Usage;
    status: MeteringStatus;
    streamed: boolean;
    reservation: Reservation;
    firstByteAt?: number;
    errorCode?: string;
  },
): Promise<Cost> {
  const cost = priceUsage(input.usage, input.entry.prices, deps.commissionRate);
  await input.reservation.settle(cost.total);
  const started = context.startedAt.getTime();
  const event: MeteringEvent = {
    version: 1,
    requestId: context.requestId,
    clientRequestId: context.clientRequestId,
    accountId: context.caller.accountId,
    apiKeyId: context.caller.apiKeyId,
    authMethod: context.caller.authMethod,
    model: input.entry.id,
    provider: input.entry.provider,
    usage: input.usage,
    prices: input.entry.prices,
    commissionRate: deps.commissionRate,
    cost,
    status: input.status,
    streamed: input.streamed,
    errorCode: input.errorCode,
    timings: {
      startedAt: context.startedAt.toISOString(),
      firstByteMs: input.firstByteAt === undefined ? undefined : Math.max(0, input.firstByteAt - started),
      durationMs: Math.max(0, Date.now() - started),
    },
  };
  await deps.producer.emit(event);
  return cost;
}
