import type { CatalogEntry, GenerateResult } from '@tollgate/providers';
import type { ChatCompletionRequest, Cost, Usage } from '@tollgate/schemas';
import { admitRequest } from './admit-request';
import { attemptModels } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';
import { meterFailedAttempts } from './meter-failed-attempts';

/** A finished non-streaming completion, priced and metered. */
export interface CompletionOutcome {
  entry: CatalogEntry;
  result: GenerateResult;
  usage: Usage;
  cost: Cost;
}

/**
 * Serves a non-streaming request: tries the candidate models, then meters the one request exactly once — `ok` with
 * the provider's usage, `partial` with an estimate when the caller left before the answer, `error` (nothing used)
 * when a provider was reached but failed.
 */
export async function generateCompletion(
  deps: CompletionDeps,
  request: ChatCompletionRequest,
  context: CompletionContext,
): Promise<CompletionOutcome> {
  const { candidates, reservation } = await admitRequest(deps, request, context);
  try {
    const { entry, value: result } = await attemptModels(deps, candidates, context.signal, (_entry, model) =>
      model.generate(request, { signal: context.signal, requestId: context.requestId, strict: context.strict }),
    );
    const usage = result.usage ?? estimateUsage(request, (result.text ?? '') + result.toolCalls.map((call) => call.arguments).join(''));
    const cost = await meterCompletion(deps, context, { entry, usage, status: 'ok', streamed: false, reservation });
    return { entry, result, usage, cost };
  } catch (error) {
    throw await meterFailedAttempts(deps, request, context, { error, reservation, streamed: false });
  } finally {
    await reservation.release(); // no-op once metered
  }
}
