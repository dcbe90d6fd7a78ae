import type { CatalogEntry, SettingWarning, StreamPart } from '@tollgate/providers';
import { ProviderError } from '@tollgate/providers';
import type { ChatCompletionRequest, Cost, MeteringStatus, Usage } from '@tollgate/schemas';
import type { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';
import type { Reservation } from '../admission/admission-guard';
import { admitRequest } from './admit-request';
import { attemptModels } from './attempt-models';
import type { CompletionContext, CompletionDeps } from './completion-deps';
import { estimateUsage } from './estimate-usage';
import { meterCompletion } from './meter-completion';
import { meterFailedAttempts } from './meter-failed-attempts';
import { abortedByShutdown } from '../shutdown/drain';

/** What a metered stream yields: the provider's deltas, then one closing part carrying usage and cost. */
export type CompletionPart =
  | Extract<StreamPart, { type: 'text-delta' | 'reasoning-delta' | 'tool-call-delta' }>
  | { type: 'finish'; finishReason: Extract<StreamPart, { type: 'finish' }>['finishReason']; usage: Usage; cost: Cost }
  | { type: 'error'; error: GatewayError; usage: Usage; cost: Cost };

/** A stream that the upstream has accepted: headers may now be written. */
export interface CompletionStream {
  entry: CatalogEntry;
  warnings: SettingWarning[];
  parts: AsyncGenerator<CompletionPart>;
  /**
   * Ends the stream in whatever state it is — read to its end, stopped halfway, or never started: stops the upstream
   * and meters what was generated if that has not happened yet, then resolves once the event is queued. Idempotent;
   * every route calls it in `finally`, so no path leaves a stream unmetered or its reservation held.
   */
  close(): Promise<void>;
}

/**
 * Opens a stream on the first candidate model that accepts it (retries and fallbacks happen here, before any byte
 * reaches the caller), then yields its parts. The request is metered exactly once when the stream ends, whichever
 * way: `ok` with the provider's usage; `partial` when the provider failed mid-stream, the caller went away or the
 * gateway's shutdown deadline cut it (usage so far, estimated from the text when the provider reported none). A
 * stream cut by the deadline ends with an error part (the caller gets an SSE error event, not a reset).
 */
export async function streamCompletion(deps: CompletionDeps, request: ChatCompletionRequest, callerContext: CompletionContext): Promise<CompletionStream> {
  // The shutdown deadline stops the stream like the caller leaving would; the signal's reason tells them apart.
  const context = deps.drain ? { ...callerContext, signal: AbortSignal.any([callerContext.signal, deps.drain.deadline]) } : callerContext;
  // Past the deadline nothing new starts: it would be cut before its first byte (and billed for its prompt).
  if (deps.drain?.deadline.aborted) throw deps.drain.deadline.reason;
  // Counted from admission until metered: the producer is closed only after the last of them.
  const end = deps.drain?.begin() ?? (() => undefined);
  try {
    const stream = await openStream(deps, request, context);
    const { close } = stream;
    return {
      ...stream,
      async close() {
        try {
          await close();
        } finally {
          end();
        }
      },
    };
  } catch (error) {
    end();
    throw error;
  }
}

async function openStream(deps: CompletionDeps, request: ChatCompletionRequest, context: CompletionContext): Promise<CompletionStream> {
  const { candidates, reservation } = await admitRequest(deps, request, context);
  let opened;
  try {
    opened = await attemptModels(deps, candidates, { requestId: context.requestId, accountId: context.caller.accountId, caller: context.signal, attempt: context.signal, observation: context.observation }, async (candidate, model) => {
      const options = { signal: context.signal, requestId: context.requestId, strict: context.strict, maxOutputTokens: candidate.maxOutputTokens };
      const iterator = model.stream(request, options)[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.type !== 'stream-start') {
        const error = first.done ? undefined : first.value.type === 'error' ? first.value.error : undefined;
        await iterator.return?.(undefined);
        throw error ?? new ProviderError({ provider: model.provider, message: `${model.provider} stream did not start`, statusCode: 502 });
      }
      return { iterator, start: first.value };
    });
  } catch (error) {
    const cause = await meterFailedAttempts(deps, request, context, { error, reservation, streamed: true });
    await reservation.release();
    throw abortedByShutdown(context.signal) ? context.signal.reason : cause;
  }
  const { entry, value, providerKey } = opened;
  return { entry, warnings: value.start.warnings, ...meteredParts(deps, request, context, { entry, providerKey }, value.iterator, reservation) };
}

/** The parts of an opened stream and the `close()` that guarantees it is metered once. */
function meteredParts(
  deps: CompletionDeps,
  request: ChatCompletionRequest,
  context: CompletionContext,
  served: { entry: CatalogEntry; providerKey?: string },
  iterator: AsyncIterator<StreamPart>,
  reservation: Reservation,
): Pick<CompletionStream, 'parts' | 'close'> {
  const { entry, providerKey } = served;
  const firstByteAt = Date.now();
  let generated = '';
  let metered: Promise<Cost> | undefined;
  /** The request's one metering: later calls return the first one's cost. */
  const meter = (status: MeteringStatus, usage: Usage | undefined, errorCode?: string): Promise<Cost> =>
    (metered ??= meterCompletion(deps, context, { entry, providerKey, usage: usage ?? estimateUsage(request, generated), status, streamed: true, reservation, firstByteAt, errorCode }));
  /** Why a stopped stream stopped: the shutdown deadline, or else the caller going away. */
  const stopCode = () => (abortedByShutdown(context.signal) ? 'gateway_shutdown' : 'client_disconnected');
  /** The consumer stopped reading (client disconnected, or the socket cut at shutdown): stop the upstream and bill what was generated. */
  const abandon = async () => {
    if (metered) return;
    await iterator.return?.(undefined);
    await meter('partial', undefined, stopCode());
  };
  /** The closing part of a stream cut by the shutdown deadline: what was generated, billed `partial`. */
  const shutdownPart = async (reported: Usage | undefined): Promise<CompletionPart> => {
    const usage = reported ?? estimateUsage(request, generated);
    return { type: 'error', error: context.signal.reason as GatewayError, usage, cost: await meter('partial', usage, 'gateway_shutdown') };
  };

  async function* parts(): AsyncGenerator<CompletionPart> {
    try {
      for (;;) {
        const next = await iterator.next();
        if (context.signal.aborted) {
          // Whatever the adapter made of the abort, it is a disconnect or the shutdown deadline, billed as generated.
          const reported = next.done || next.value.type !== 'error' ? undefined : next.value.usage;
          if (abortedByShutdown(context.signal)) yield await shutdownPart(reported);
          else await meter('partial', reported, 'client_disconnected');
          return;
        }
        if (next.done) {
          const error = toGatewayError(new ProviderError({ provider: entry.provider, message: `${entry.provider} stream ended early`, statusCode: 502 }));
          deps.logger.warn({ requestId: context.requestId, accountId: context.caller.accountId, provider: entry.provider, model: entry.id }, error.message);
          const usage = estimateUsage(request, generated);
          yield { type: 'error', error, usage, cost: await meter('partial', usage, 'stream_ended_early') };
          return;
        }
        const part = next.value;
        if (part.type === 'text-delta' || part.type === 'reasoning-delta') generated += part.text;
        if (part.type === 'tool-call-delta') generated += (part.name ?? '') + part.argumentsDelta;
        if (part.type === 'finish') {
          const usage = part.usage ?? estimateUsage(request, generated);
          yield { type: 'finish', finishReason: part.finishReason, usage, cost: await meter('ok', usage) };
          return;
        }
        if (part.type === 'error') {
          const usage = part.usage ?? estimateUsage(request, generated);
          const error = toGatewayError(part.error);
          deps.logger.warn({ err: part.error, requestId: context.requestId, accountId: context.caller.accountId, provider: entry.provider, model: entry.id }, `stream failed mid-way: ${error.message}`);
          yield { type: 'error', error, usage, cost: await meter('partial', usage, error.code ?? 'upstream_error') };
          return;
        }
        if (part.type !== 'stream-start') yield part;
      }
    } catch (error) {
      if (metered) throw error;
      if (abortedByShutdown(context.signal)) {
        yield await shutdownPart(undefined);
        return;
      }
      // The caller went away (abort) or the upstream broke in a way the adapter did not catch.
      await meter('partial', undefined, context.signal.aborted ? 'client_disconnected' : 'stream_failed');
      if (!context.signal.aborted) throw error;
    } finally {
      await abandon();
    }
  }

  const generator = parts();
  return {
    parts: generator,
    async close() {
      // Returning a generator that never started skips its body (and its `finally`): abandon() covers that too.
      if (!metered) await generator.return(undefined);
      await abandon();
      await metered;
    },
  };
}
