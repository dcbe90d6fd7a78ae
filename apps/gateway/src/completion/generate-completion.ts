import type { CatalogEntry, GenerateResult } from '@tollgate/providers';
import { emptyUsage, type ChatCompletionRequest, type Cost, type Usage } from '@tollgate/schemas';
import { toGatewayError } from '../errors/to-gateway-error';
import { admitRequest } from './admit-request';
import { attemptModels, AttemptsFailedError } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';

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
    const cause = error instanceof AttemptsFailedError ? error.lastError : error;
    if (error instanceof AttemptsFailedError && error.lastEntry) {
      const abandoned = context.signal.aborted;
      // The provider may bill a request the caller abandoned: charge the prompt, estimated.
      const usage = abandoned ? estimateUsage(request, '') : emptyUsage('estimated');
      await meterCompletion(deps, context, {
        entry: error.lastEntry,
        usage,
        status: abandoned ? 'partial' : 'error',
        streamed: false,
        reservation,
        errorCode: abandoned ? 'client_disconnected' : (toGatewayError(cause).code ?? 'upstream_error'),
      });
    }
    throw cause;
  } finally {
    await reservation.release(); // no-op once metered
  }
}
