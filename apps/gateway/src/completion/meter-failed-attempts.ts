import { emptyUsage, type ChatCompletionRequest } from '@tollgate/schemas';
import { toGatewayError } from '../errors/to-gateway-error';
import type { Reservation } from '../admission/admission-guard';
import { AttemptsFailedError } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';
import { abortedByShutdown } from '../shutdown/drain';

/**
 * When no model answered: meters the request once if a provider was reached — `partial` with the prompt estimated
 * when the model may have generated (the caller left mid-attempt, or the attempt timed out or broke after the
 * request was sent: the provider has it and bills it), `error` at no cost when the provider answered with an
 * error — and returns the error the caller should see.
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
    const billed = error.mayHaveGenerated;
    await meterCompletion(deps, context, {
      entry: error.lastEntry,
      providerKey: error.lastKey,
      usage: billed ? estimateUsage(request, '') : emptyUsage('estimated'),
      status: billed ? 'partial' : 'error',
      streamed: input.streamed,
      reservation: input.reservation,
      errorCode: abortedByShutdown(context.signal) ? 'gateway_shutdown' : context.signal.aborted ? 'client_disconnected' : (toGatewayError(cause).code ?? 'upstream_error'),
    });
  }
  return cause;
}
