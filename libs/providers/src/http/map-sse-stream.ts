import type { Usage } from '@tollgate/schemas';
import type { SettingWarning, StreamPart } from '../chat-model';
import { ProviderError } from '../provider-error';
import { readSseEvents } from './sse-events';
import { toProviderError, type UpstreamResponse } from './upstream-http';

/** A provider's stateful mapper from SSE `data:` payloads to contract parts. */
export interface SseStreamMapper {
  map(data: string): StreamPart[];
  /** The closing part(s) once the upstream stream ended. */
  finish(): StreamPart[];
  usageSoFar(): Usage | undefined;
}

/**
 * The contract stream of a `data:`-only SSE response (OpenAI-compatible, Gemini). `stream-start` is yielded on the
 * first upstream event, not on the upstream's 200: until then a failure (an error event, a body that ends or stalls)
 * is thrown, so the gateway can still answer with an HTTP status (and retry or fall back when the error allows it). After it, failures are an
 * `error` part carrying the usage seen so far. Aborts by the caller are rethrown as they are.
 */
export async function* mapSseStream(input: {
  provider: string;
  response: UpstreamResponse;
  warnings: SettingWarning[];
  mapper: SseStreamMapper;
  /** A payload that ends the stream (OpenAI's `[DONE]`). */
  endMarker?: string;
}): AsyncGenerator<StreamPart> {
  const { provider, mapper } = input;
  let started = false;
  try {
    for await (const event of readSseEvents(input.response.body)) {
      if (event.data === input.endMarker) break;
      const parts = mapper.map(event.data);
      if (!started) {
        const failure = parts.find((part) => part.type === 'error');
        if (failure?.type === 'error') throw failure.error;
        started = true;
        yield { type: 'stream-start', warnings: input.warnings };
      }
      for (const part of parts) {
        yield part;
        if (part.type === 'error') return;
      }
    }
    if (!started) {
      // The provider answered 200 and went quiet: it may have generated all the same, so this is not retried.
      throw new ProviderError({ provider, message: `${provider} stream ended before any event`, statusCode: 502, reachedModel: true });
    }
    yield* mapper.finish();
  } catch (error) {
    const mapped = toProviderError(provider, error);
    if (!(mapped instanceof ProviderError) || !started) throw mapped; // aborted by the caller, or nothing sent yet
    yield { type: 'error', error: mapped, usage: mapper.usageSoFar() };
  } finally {
    input.response.body.destroy();
  }
}
