import type { CatalogEntry } from '@tollgate/providers';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { Reservation } from '../funds/funds-guard';
import { worstCaseCost } from '../funds/worst-case-cost';
import { candidateModels } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';

/**
 * Admission: resolves the candidate models (400 for an unknown one) and reserves the request's worst-case cost
 * against the caller's funds (402 when it does not fit). The reservation is settled when the request is metered.
 */
export async function admitRequest(
  deps: CompletionDeps,
  request: ChatCompletionRequest,
  context: CompletionContext,
): Promise<{ candidates: CatalogEntry[]; reservation: Reservation }> {
  const candidates = candidateModels(deps, request);
  const reservation = await deps.funds.reserve({
    accountId: context.caller.accountId,
    creditLimit: context.caller.creditLimit,
    worstCaseUsd: worstCaseCost(request, candidates, deps.commissionRate),
  });
  return { candidates, reservation };
}
