import { estimateRequestTokens, InvalidOutputBudgetError, outputBudget, type CatalogEntry } from '@tollgate/providers';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import type { Reservation } from '../admission/admission-guard';
import { worstCaseCost } from '../funds/worst-case-cost';
import { candidateModels, type Candidate } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { assertModelsAllowed } from './model-allowlist';
import { refusedForDebt } from '../x402/x402-gate';

/** What admission decided: the models that may serve the request, each with its output budget, and the hold. */
export interface Admission {
  candidates: Candidate[];
  reservation: Reservation;
}

/** The output budget of one candidate; a caller's value that conflicts or exceeds the model's maximum is a 400. */
function budgetFor(request: ChatCompletionRequest, entry: CatalogEntry): number {
  try {
    return outputBudget(request, entry);
  } catch (error) {
    if (error instanceof InvalidOutputBudgetError) throw invalidRequest(error.message, error.param, 'invalid_max_tokens');
    throw error;
  }
}

/**
 * Admission: resolves the candidate models (400 for an unknown one, 403 for one outside the key's allowlist),
 * computes each one's output budget ONCE (the number reserved is the number sent upstream), then takes the
 * request's place in the caller's rate limits (its tokens estimated as the prompt's estimate plus the largest output
 * budget) and reserves its worst-case cost against the caller's funds — one atomic step: 429 over a limit, 402 when
 * the funds do not cover it. The reservation is settled when the request is metered.
 */
export async function admitRequest(deps: CompletionDeps, request: ChatCompletionRequest, context: CompletionContext): Promise<Admission> {
  const { candidates, worstCaseUsd } = priceWorstCase(deps, request);
  assertModelsAllowed(context.caller, candidates.map((candidate) => candidate.entry));
  const reservation = await deps.admission.admit({
    caller: context.caller,
    requestId: context.requestId,
    worstCaseUsd,
    estimateTokens: () => estimateRequestTokens(request) + Math.max(...candidates.map((candidate) => candidate.maxOutputTokens)),
    onLimits: (state) => context.reportLimits(state),
  }).catch((error: unknown) => {
    if (deps.metrics && error instanceof GatewayError) deps.metrics.refused(error.code ?? error.type);
    return refusedForDebt(context.caller, error); // a wallet's refusal for funds asks for its debt over x402
  });
  return { candidates, reservation };
}

/** The candidate models with their output budgets, and the most the request can cost (what admission reserves). */
export function priceWorstCase(deps: CompletionDeps, request: ChatCompletionRequest): { candidates: Candidate[]; worstCaseUsd: string } {
  const candidates = candidateModels(deps, request).map((entry) => ({ entry, maxOutputTokens: budgetFor(request, entry) }));
  return { candidates, worstCaseUsd: worstCaseCost(request, candidates, deps.commissionRate) };
}
