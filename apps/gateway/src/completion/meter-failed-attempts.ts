import { emptyUsage, type ChatCompletionRequest } from '@tollgate/schemas';
import { toGatewayError } from '../errors/to-gateway-error';
import type { Reservation } from '../funds/funds-guard';
import { AttemptsFailedError } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';

/**
 * When no model answered: meters the request once if a provider was reached — `partial` with the prompt estimated
 * when the caller left (the provider already has the request and may bill it), `error` at no cost otherwise — and
 * returns the error the caller should see.
 */
export async function meterFailedAttempts(
  deps: CompletionDeps,
  request: ChatCompletionRequest,
  context: CompletionContext,
  input: { error: unknown; reservation: Reservation; streamed: boolean },
): Promise<unknown> {
  const { error } = input;
  const cause = error instanceof AttemptsFailedError ? error.lastError : error;
  if (error instanceof AttemptsFailedError && error.lastEntry) {
    const abandoned = context.signal.aborted;
    await meterCompletion(deps, context, {
      entry: error.lastEntry,
      usage: abandoned ? estimateUsage(request, '') : emptyUsage('estimated'),
      status: abandoned ? 'partial' : 'error',
      streamed: input.streamed,
      reservation: input.reservation,
      errorCode: abandoned ? 'client_disconnected' : (toGatewayError(cause).code ?? 'upstream_error'),
    });
  }
  return cause;
}
