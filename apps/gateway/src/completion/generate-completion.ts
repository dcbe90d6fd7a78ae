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

/** Never aborted: a non-streaming call is read to its end (bounded by the upstream timeouts and body limit). */
const NEVER = new AbortController().signal;

/**
 * Serves a non-streaming request: tries the candidate models, each with the output budget admission reserved for
 * it, then meters the one request exactly once — `ok` with the provider's usage; `partial` when the caller left
 * before the answer (the upstream call is not cut: the provider finishes and bills the whole answer, so it is read
 * to its end and billed at the usage it reports); `error` (nothing used) when a provider was reached but failed.
 */
export async function generateCompletion(
  deps: CompletionDeps,
  request: ChatCompletionRequest,
  context: CompletionContext,
): Promise<CompletionOutcome> {
  const { candidates, reservation } = await admitRequest(deps, request, context);
  try {
    const { entry, value: result } = await attemptModels(deps, candidates, { requestId: context.requestId, caller: context.signal, attempt: NEVER }, (candidate, model) =>
      model.generate(request, {
        signal: NEVER,
        requestId: context.requestId,
        strict: context.strict,
        maxOutputTokens: candidate.maxOutputTokens,
        firstByteTimeoutMs: deps.generateTimeoutMs,
      }),
    );
    const usage = result.usage ?? estimateUsage(request, (result.text ?? '') + result.toolCalls.map((call) => call.arguments).join(''));
    const abandoned = context.signal.aborted;
    const cost = await meterCompletion(deps, context, {
      entry,
      usage,
      status: abandoned ? 'partial' : 'ok',
      errorCode: abandoned ? 'client_disconnected' : undefined,
      streamed: false,
      reservation,
    });
    return { entry, result, usage, cost };
  } catch (error) {
    throw await meterFailedAttempts(deps, request, context, { error, reservation, streamed: false });
  } finally {
    await reservation.release(); // no-op once metered
  }
}
