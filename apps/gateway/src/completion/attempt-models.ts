import { performance } from 'node:perf_hooks';
import { isKeyFault, ProviderError, ProviderUnavailableError, type CatalogEntry, type ChatModel, type KeyPool, type ProviderKey } from '@tollgate/providers';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CompletionDeps } from './completion-deps';
import type { RequestObservation } from '../observability/request-observer';
import { endWithError, startUpstreamSpan } from '../observability/tracing';

/** Longest wait a provider's retry-after may impose before we fall back instead. */
const MAX_RETRY_AFTER_MS = 10_000;

/** A model that may serve the request, with the output budget admission computed (and reserved) for it. */
export interface Candidate {
  entry: CatalogEntry;
  /** Sent upstream as the model's output limit: exactly the figure the reservation was sized from. */
  maxOutputTokens: number;
}

/** Why the attempts ended without a success: the last error, and the last model that was tried. */
export class AttemptsFailedError extends Error {
  override readonly name = 'AttemptsFailedError';
  constructor(
    readonly lastError: unknown,
    /** Set when some provider was reached (the request may then have cost something). */
    readonly lastEntry: CatalogEntry | undefined,
    /**
     * True when the last model may have generated (and will bill) output: the caller left mid-attempt, or the
     * attempt timed out or broke after the request was sent. Such a request is billed for its prompt.
     */
    readonly mayHaveGenerated = false,
    /** The name of the provider key of the last try that reached a provider (see MeteringEvent.providerKey). */
    readonly lastKey?: string,
  ) {
    super(lastError instanceof Error ? lastError.message : String(lastError));
  }
}

/**
 * The models a request may be served by, in order: `model`, then its `models` fallbacks (deduplicated). Every name
 * is resolved first, so an unknown fallback is a 400 before anything is called.
 */
export function candidateModels(deps: CompletionDeps, request: ChatCompletionRequest): CatalogEntry[] {
  const names = [request.model, ...(request.models ?? [])];
  const entries: CatalogEntry[] = [];
  for (const name of names) {
    const entry = deps.registry.catalog.find(name);
    if (!entry) deps.registry.resolve(name); // throws UnknownModelError naming it
    else if (!entries.includes(entry)) entries.push(entry);
  }
  return entries;
}

/** False when the candidate's provider has keys and every one of them is benched right now (or it has none). */
function hasUnbenchedKey(deps: CompletionDeps, candidate: Candidate): boolean {
  try {
    return !deps.registry.keysFor(candidate.entry)?.allBenched();
  } catch {
    return false; // not configured: cannot serve, so no reason to leave benched keys untried
  }
}

/** True when no candidate after the index-th has a provider with an unbenched key: its benched keys are the last resort. */
function isLastResort(deps: CompletionDeps, candidates: readonly Candidate[], index: number): boolean {
  for (let later = index + 1; later < candidates.length; later += 1) if (hasUnbenchedKey(deps, candidates[later])) return false;
  return true;
}

/**
 * Runs `attempt` on each candidate model until one succeeds: upstream errors that prove nothing was generated and
 * may pass (408/409/429/5xx answers, connections that could not be opened) are retried with exponential backoff
 * (honouring retry-after), then the next model is tried. Nothing is tried again once the request may have reached
 * a model — a timeout or broken connection after it was sent, or the caller leaving — since every further try would
 * be a generation the provider bills. A non-retryable error that blames the request (4xx) ends the attempts at
 * once: another model would refuse it too. Only what happens before the first byte reaches the caller is retried;
 * `attempt` must resolve at that point.
 *
 * Each try takes the next key of the provider's rotation (see KeyPool). An answer that blames the key — 401/403 (the
 * key is refused) or 429 (its limit) — moves the try at once, without waiting and without spending a retry, to
 * another key of the same provider that this request has not tried; once every key has failed, a 429 is retried as
 * above (keys that were benched meanwhile sit out) and a 401/403 falls back to the next model. Benched keys are left
 * out, and a model whose provider has every key benched is skipped — unless no later candidate has an unbenched
 * key: then its benched keys are tried anyway (after its unbenched ones), since a key may have recovered and a paying
 * caller would rather be served than refused untried.
 */
export async function attemptModels<T>(
  deps: CompletionDeps,
  candidates: readonly Candidate[],
  run: {
    /** The gateway's request id, for the log lines of each failed try. */
    requestId: string;
    /** The paying account, for the log lines of this request. */
    accountId: string;
    /** Aborted when the caller leaves: no further try is started for no one. */
    caller: AbortSignal;
    /** The signal the attempts run under (a non-streaming call is not cut when the caller leaves). */
    attempt: AbortSignal;
    /** The request's observation: its trace span parents one span per upstream try. */
    observation?: RequestObservation;
  },
  attempt: (candidate: Candidate, model: ChatModel) => Promise<T>,
): Promise<{ entry: CatalogEntry; value: T; providerKey?: string }> {
  const signal = run.caller;
  let lastError: unknown;
  let lastReached: CatalogEntry | undefined;
  let lastKey: string | undefined;
  for (const [index, candidate] of candidates.entries()) {
    const { entry } = candidate;
    let keys: KeyPool | undefined;
    try {
      keys = deps.registry.keysFor(entry); // undefined when it needs none; throws ProviderUnavailableError when it has none
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      lastError = error;
      continue;
    }
    const lastResort = keys !== undefined && isLastResort(deps, candidates, index);
    if (keys && !lastResort && keys.allBenched()) continue;
    /** The keys that failed this request with a key fault in this round of tries (made on the first such failure). */
    let refusedKeys: Set<ProviderKey> | undefined;
    for (let attemptNumber = 1; attemptNumber <= deps.maxAttempts; attemptNumber += 1) {
      const key = keys ? (keys.pick(refusedKeys) ?? (lastResort ? keys.pick(refusedKeys, true) : undefined)) : undefined;
      if (keys && !key) break; // every key left is benched: the next model
      const model = deps.registry.modelFor(entry, key);
      const attemptStarted = performance.now();
      const parentSpan = run.observation?.span;
      const span = deps.tracer && parentSpan ? startUpstreamSpan(deps.tracer, parentSpan, entry.provider, entry.id, attemptNumber) : undefined;
      try {
        const value = await attempt(candidate, model);
        if (key) keys?.succeeded(key);
        deps.metrics?.upstreamServed(entry.provider, entry.id, (performance.now() - attemptStarted) / 1000);
        span?.end();
        return { entry, value, providerKey: key?.name };
      } catch (error) {
        if (span) {
          if (error instanceof ProviderError && error.statusCode) span.setAttribute('http.response.status_code', error.statusCode);
          endWithError(span, error);
        }
        const providerError = error instanceof ProviderError ? error : undefined;
        // An abort however the adapter reported it (no upstream status), or a timeout / broken connection after
        // the request was sent: the model may be generating, and the provider bills it.
        const aborted = run.attempt.aborted && !providerError?.statusCode;
        if (aborted || providerError?.reachedModel) {
          deps.logger.warn({ requestId: run.requestId, accountId: run.accountId, provider: entry.provider, model: entry.id, providerKey: key?.name, attempt: attemptNumber, aborted }, `not retried: ${String((error as Error)?.message ?? error)}`);
          throw new AttemptsFailedError(error, entry, true, key?.name);
        }
        if (!providerError) throw new AttemptsFailedError(error, lastReached, false, lastKey);
        lastError = providerError;
        if (providerError.statusCode !== 0) {
          lastReached = entry;
          lastKey = key?.name;
        }
        deps.logger.warn({ requestId: run.requestId, accountId: run.accountId, provider: entry.provider, model: entry.id, providerKey: key?.name, status: providerError.statusCode, attempt: attemptNumber }, providerError.message);
        if (keys && key && isKeyFault(providerError)) {
          keys.failed(key, providerError);
          (refusedKeys ??= new Set()).add(key);
          if (signal.aborted) break;
          if (keys.hasKeyLeft(refusedKeys, lastResort)) {
            attemptNumber -= 1; // another key of this provider, at once: not a retry
            deps.metrics?.keySwitched(entry.provider);
            continue;
          }
          refusedKeys.clear(); // every key has failed once: a new round
          if (providerError.statusCode !== 429) break; // every key is refused: another provider may serve it
        }
        if (!providerError.isRetryable) {
          if (providerError.statusCode >= 400 && providerError.statusCode < 500) throw new AttemptsFailedError(providerError, lastReached, false, lastKey);
          break;
        }
        if (attemptNumber === deps.maxAttempts || signal.aborted) break;
        const delay = providerError.retryAfterMs ?? deps.retryBaseDelayMs * 2 ** (attemptNumber - 1) * (0.5 + Math.random() / 2);
        if (delay > MAX_RETRY_AFTER_MS) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (signal.aborted) break; // left while we waited: the next try would be sent for no one
        deps.metrics?.retried(entry.provider, entry.id);
      }
    }
    if (signal.aborted) break;
    if (candidate !== candidates[candidates.length - 1]) deps.metrics?.fellBack(entry.id);
  }
  throw new AttemptsFailedError(lastError, lastReached, false, lastKey);
}
