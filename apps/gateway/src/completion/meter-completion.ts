import { compareDecimals, priceUsage } from '@tollgate/billing';
import { pricesFor, type CatalogEntry } from '@tollgate/providers';
import { promptTokens, type Cost, type MeteringEvent, type MeteringStatus, type Usage } from '@tollgate/schemas';
import type { Reservation } from '../admission/admission-guard';
import type { CompletionContext, CompletionDeps } from './completion-deps';

/**
 * Prices a finished request at its catalog prices (the tier its prompt reached), settles the reservation to that
 * cost (which stays counted as pending until the worker commits it) and then emits its one metering event — in that
 * order on one Redis connection, so that the worker can never commit a cost before the funds view counts it as
 * pending. Returns the cost the caller is shown, which is exactly what the ledger will record. A provider that
 * reported more than the reservation covered is billed what it reported, and the event says so.
 */
export async function meterCompletion(
  deps: CompletionDeps,
  context: CompletionContext,
  input: {
    entry: CatalogEntry;
    /** The name of the provider key that served it (see MeteringEvent.providerKey). */
    providerKey?: string;
    usage: Usage;
    status: MeteringStatus;
    streamed: boolean;
    reservation: Reservation;
    firstByteAt?: number;
    errorCode?: string;
  },
): Promise<Cost> {
  const prices = pricesFor(input.entry, promptTokens(input.usage));
  const cost = priceUsage(input.usage, prices, deps.commissionRate);
  const exceededReservation = compareDecimals(cost.total, input.reservation.worstCaseUsd) > 0;
  if (exceededReservation) {
    deps.logger.warn(
      { requestId: context.requestId, accountId: context.caller.accountId, model: input.entry.id, reserved: input.reservation.worstCaseUsd, cost: cost.total, usage: input.usage },
      'usage exceeded the reservation: billed as reported',
    );
  }
  const started = context.startedAt.getTime();
  const event: MeteringEvent = {
    version: 1,
    requestId: context.requestId,
    clientRequestId: context.clientRequestId,
    accountId: context.caller.accountId,
    apiKeyId: context.caller.apiKeyId,
    authMethod: context.caller.authMethod,
    ...(context.caller.walletAddress ? { walletAddress: context.caller.walletAddress } : {}),
    model: input.entry.id,
    provider: input.entry.provider,
    ...(input.providerKey ? { providerKey: input.providerKey } : {}),
    usage: input.usage,
    prices,
    commissionRate: deps.commissionRate,
    cost,
    status: input.status,
    streamed: input.streamed,
    errorCode: input.errorCode,
    ...(exceededReservation ? { exceededReservation } : {}),
    timings: {
      startedAt: context.startedAt.toISOString(),
      firstByteMs: input.firstByteAt === undefined ? undefined : Math.max(0, input.firstByteAt - started),
      durationMs: Math.max(0, Date.now() - started),
    },
  };
  // One round trip for both: the settle is written to Redis now, the event's job after it on the same connection
  // (the queue and the funds view share it), and Redis runs a connection's commands in order — so the pending cost
  // is counted before the job exists, without waiting for the settle's answer first.
  const settled = input.reservation.settle(cost.total, promptTokens(input.usage) + input.usage.outputTokens);
  if (context.observation) {
    context.observation.model = input.entry.id;
    context.observation.provider = input.entry.provider;
    context.observation.cost = cost.total;
    context.observation.usage = input.usage;
  }
  deps.metrics?.metered(input.entry.id, input.usage, cost, input.streamed && input.firstByteAt !== undefined ? (input.firstByteAt - started) / 1000 : undefined);
  await deps.producer.emit(event);
  await settled;
  return cost;
}
