import { ProviderError, ProviderUnavailableError, type CatalogEntry, type ChatModel } from '@tollgate/providers';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CompletionDeps } from './completion-deps';

/** Longest wait a provider's retry-after may impose before we fall back instead. */
const MAX_RETRY_AFTER_MS = 10_000;

/** Why the attempts ended without a success: the last error, and the last model that was tried. */
export class AttemptsFailedError extends Error {
  override readonly name = 'AttemptsFailedError';
  constructor(
    readonly lastError: unknown,
    /** Set when some provider was reached (the request may then have cost something). */
    readonly lastEntry: CatalogEntry | undefined,
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

/**
 * Runs `attempt` on each candidate model until one succeeds: retryable upstream errors (408/409/429/5xx, network)
 * are retried with exponential backoff (honouring retry-after), then the next model is tried. A non-retryable
 * upstream error that blames the request (4xx) ends the attempts at once: another model would refuse it too.
 * Only what happens before the first byte reaches the caller is retried; `attempt` must resolve at that point.
 */
export async function attemptModels<T>(
  deps: CompletionDeps,
  candidates: readonly CatalogEntry[],
  signal: AbortSignal,
  attempt: (entry: CatalogEntry, model: ChatModel) => Promise<T>,
): Promise<{ entry: CatalogEntry; value: T }> {
  let lastError: unknown;
  let lastReached: CatalogEntry | undefined;
  for (const entry of candidates) {
    let model: ChatModel;
    try {
      model = deps.registry.resolve(entry.id).model;
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      lastError = error;
      continue;
    }
    for (let attemptNumber = 1; attemptNumber <= deps.maxAttempts; attemptNumber += 1) {
      try {
        return { entry, value: await attempt(entry, model) };
      } catch (error) {
        // The caller left mid-attempt (however the adapter reported the abort): the request was already sent and
        // the provider may bill it, so this model counts as reached.
        if (signal.aborted) throw new AttemptsFailedError(error, entry);
        if (!(error instanceof ProviderError)) throw new AttemptsFailedError(error, lastReached);
        lastError = error;
        if (error.statusCode !== 0) lastReached = entry;
        deps.logger.warn({ provider: entry.provider, model: entry.id, status: error.statusCode, attempt: attemptNumber }, error.message);
        if (!error.isRetryable) {
          if (error.statusCode >= 400 && error.statusCode < 500) throw new AttemptsFailedError(error, lastReached);
          break;
        }
        if (attemptNumber === deps.maxAttempts || signal.aborted) break;
        const delay = error.retryAfterMs ?? deps.retryBaseDelayMs * 2 ** (attemptNumber - 1) * (0.5 + Math.random() / 2);
        if (delay > MAX_RETRY_AFTER_MS) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (signal.aborted) break; // left while we waited: the next try would be sent for no one
      }
    }
    if (signal.aborted) break;
  }
  throw new AttemptsFailedError(lastError, lastReached);
}
