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
  /**
   * True when the mapper sends `stream-start` itself, as one of its parts (Anthropic: with `message_start`, which
   * carries the response id); the stream has started once it did. Otherwise the driver sends it on the first
   * upstream event.
   */
  readonly startsItself?: boolean;
  /** Whether the upstream said its response is complete (Anthropic's `message_stop`): nothing after it is read. */
  hasStopped?(): boolean;
}

/**
 * The contract stream of an SSE response, the one driver of every adapter's stream. `stream-start` comes with the
 * first upstream event (or when the mapper sends it, see `startsItself`), not with the upstream's 200: until then a
 * failure (an error event, a body that ends or stalls) is thrown, so the gateway can still answer with an HTTP status
 * (and retry or fall back when the error allows it). After it, failures are an `error` part carrying the usage seen
 * so far. Aborts by the caller are rethrown as they are.
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
      let parts = mapper.map(event.data);
      if (!started) {
        // Before the stream starts, an error part is thrown: the caller has been sent nothing yet.
        const startAt = mapper.startsItself ? parts.findIndex((part) => part.type === 'stream-start') : -1;
        const failure = parts.slice(0, startAt === -1 ? parts.length : startAt).find((part) => part.type === 'error');
        if (failure?.type === 'error') throw failure.error;
        if (!mapper.startsItself) parts = [{ type: 'stream-start', warnings: input.warnings }, ...parts];
        started = !mapper.startsItself || startAt !== -1;
      }
      for (const part of parts) {
        yield part;
        if (part.type === 'error') return;
      }
      if (mapper.hasStopped?.()) break;
    }
    if (!started && !mapper.startsItself) {
      // The provider answered 200 and went quiet: it may have generated all the same, so this is not retried.
      throw new ProviderError({ provider, message: `${provider} stream ended before any event`, statusCode: 502, reachedModel: true });
    }
    const closing = mapper.finish();
    const failure = closing.find((part) => part.type === 'error');
    if (!started && failure?.type === 'error') throw failure.error;
    yield* closing;
  } catch (error) {
    const mapped = toProviderError(provider, error);
    if (!(mapped instanceof ProviderError) || !started) throw mapped; // aborted by the caller, or nothing sent yet
    yield { type: 'error', error: mapped, usage: mapper.usageSoFar() };
  } finally {
    input.response.body.destroy();
  }
}
