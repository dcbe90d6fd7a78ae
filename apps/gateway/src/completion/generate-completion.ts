import type { CatalogEntry, GenerateResult } from '@tollgate/providers';
import type { ChatCompletionRequest, Cost, Usage } from '@tollgate/schemas';
import { admitRequest } from './admit-request';
import { attemptModels } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';
import { meterFailedAttempts } from './meter-failed-attempts';
import { abortedByShutdown } from '../shutdown/drain';

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
 * The shutdown deadline does cut the upstream call (the process must end): the request is then billed `partial` for
 * its prompt and answered 503 gateway_shutting_down.
 */
export async function generateCompletion(deps: CompletionDeps, request: ChatCompletionRequest, context: CompletionContext): Promise<CompletionOutcome> {
  // Past the deadline nothing new starts: it would be cut before its first byte (and billed for its prompt).
  if (deps.drain?.deadline.aborted) throw deps.drain.deadline.reason;
  // Counted from admission until metered: the producer is closed only after the last of them.
  const end = deps.drain?.begin();
  try {
    return await generateOnce(deps, request, context);
  } finally {
    end?.();
  }
}

async function generateOnce(deps: CompletionDeps, request: ChatCompletionRequest, context: CompletionContext): Promise<CompletionOutcome> {
  const { candidates, reservation } = await admitRequest(deps, request, context);
  const deadline = deps.drain?.deadline ?? NEVER;
  try {
    const { entry, value: result, providerKey } = await attemptModels(deps, candidates, { requestId: context.requestId, accountId: context.caller.accountId, caller: context.signal, attempt: deadline, observation: context.observation }, (candidate, model) =>
      model.generate(request, {
        // Its own signal following the deadline: every call listening to the one shared deadline directly would put
        // one listener per call in flight on it (Node's "possible memory leak" warning past ten).
        signal: AbortSignal.any([deadline]),
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
      providerKey,
      usage,
      status: abandoned ? 'partial' : 'ok',
      errorCode: abandoned ? 'client_disconnected' : undefined,
      streamed: false,
      reservation,
    });
    return { entry, result, usage, cost };
  } catch (error) {
    const cause = await meterFailedAttempts(deps, request, deadline.aborted ? { ...context, signal: deadline } : context, { error, reservation, streamed: false });
    throw abortedByShutdown(deadline) ? deadline.reason : cause;
  } finally {
    await reservation.release(); // no-op once metered
  }
}
