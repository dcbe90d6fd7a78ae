import type { Usage } from '@tollgate/schemas';
import type { FinishReason, StreamPart } from '../chat-model';
import { ProviderError } from '../provider-error';
import { malformedGoogleResponse } from './google-error';
import { createPartialArgsAccumulator } from './google-partial-args';
import type { GoogleFunctionCall, GooglePart } from './google-response-schema';
import { mapGoogleFinishReason } from './map-google-finish-reason';
import { googleToolCallId, readGoogleResponse } from './map-google-response';
import { hasGoogleTokenCounts, mapGoogleUsage } from './map-google-usage';

/** A function call whose arguments Gemini is still streaming (`willContinue`). */
interface OpenToolCall {
  index: number;
  id: string;
  name: string;
  accumulator: ReturnType<typeof createPartialArgsAccumulator>;
}

/**
 * A stateful mapper from Gemini stream chunks (the `data:` payloads, each a GenerateContentResponse) to contract
 * parts. Its state — finish reason, the last reported usage, the tool calls so far — lives in this closure.
 *
 * A function call usually arrives whole and becomes one `tool-call-delta` with id, name and all the arguments. When
 * Gemini streams a call's arguments (a head with `willContinue`, pieces in `partialArgs`, an empty `{}` closing it),
 * the pieces are assembled here and the call is emitted once, when it closes: the pieces address JSON paths, not
 * text, so emitting the assembled object is the only way to keep the concatenated deltas valid JSON.
 */
export function createGoogleStreamMapper(provider: string) {
  let rawFinishReason: string | undefined;
  let blocked = false;
  let usage: Usage | undefined;
  let toolCallCount = 0;
  let openCall: OpenToolCall | undefined;

  function errorPart(error: ProviderError): StreamPart {
    return { type: 'error', error, usage };
  }

  function toolCallDelta(call: { index: number; id: string; name: string }, args: unknown): StreamPart {
    return { type: 'tool-call-delta', index: call.index, id: call.id, name: call.name, argumentsDelta: JSON.stringify(args ?? {}) };
  }

  function nextCall(functionCall: GoogleFunctionCall, name: string) {
    const index = toolCallCount++;
    return { index, id: functionCall.id ?? googleToolCallId(index), name };
  }

  /** Emits the call being streamed, if any. */
  function closeOpenCall(): StreamPart[] {
    if (!openCall) return [];
    const call = openCall;
    openCall = undefined;
    return [toolCallDelta(call, call.accumulator.args())];
  }

  function mapFunctionCall(functionCall: GoogleFunctionCall): StreamPart[] {
    const parts: StreamPart[] = [];
    if (functionCall.name) {
      parts.push(...closeOpenCall());
      const call = nextCall(functionCall, functionCall.name);
      if (!functionCall.willContinue) return [...parts, toolCallDelta(call, functionCall.args)];
      openCall = { ...call, accumulator: createPartialArgsAccumulator() };
    }
    if (functionCall.partialArgs?.length) {
      if (!openCall) return [...parts, errorPart(malformedGoogleResponse(provider, 'function call arguments without a function call'))];
      const unreadable = openCall.accumulator.apply(functionCall.partialArgs);
      if (unreadable !== undefined) return [...parts, errorPart(malformedGoogleResponse(provider, `function call argument path ${unreadable}`))];
    }
    if (!functionCall.willContinue) parts.push(...closeOpenCall());
    return parts;
  }

  function mapPart(part: GooglePart): StreamPart[] {
    if (part.functionCall) return mapFunctionCall(part.functionCall);
    if (!part.text) return [];
    return [{ type: part.thought ? 'reasoning-delta' : 'text-delta', text: part.text }];
  }

  function map(data: string): StreamPart[] {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return [errorPart(malformedGoogleResponse(provider, 'a stream chunk is not JSON'))];
    }
    const chunk = readGoogleResponse(json, provider);
    if (chunk instanceof ProviderError) return [errorPart(chunk)];
    if (hasGoogleTokenCounts(chunk.usageMetadata)) usage = mapGoogleUsage(chunk.usageMetadata);
    if (chunk.promptFeedback?.blockReason) blocked = true;
    const candidate = chunk.candidates?.[0];
    const parts: StreamPart[] = [];
    for (const part of candidate?.content?.parts ?? []) {
      for (const mapped of mapPart(part)) {
        parts.push(mapped);
        if (mapped.type === 'error') return parts;
      }
    }
    if (candidate?.finishReason) rawFinishReason = candidate.finishReason;
    return parts;
  }

  function finishReason(): FinishReason | undefined {
    if (rawFinishReason) return mapGoogleFinishReason(rawFinishReason, toolCallCount > 0);
    return blocked ? 'content_filter' : undefined;
  }

  /**
   * The closing parts once the upstream stream ended: a call still being streamed, then `finish` — or an error
   * when Gemini stopped without a finish reason (the answer may be cut short).
   */
  function finish(): StreamPart[] {
    const reason = finishReason();
    if (reason === undefined) {
      const message = `${provider} stream ended before the model finished`;
      return [errorPart(new ProviderError({ provider, message, statusCode: 502, reachedModel: true }))];
    }
    return [...closeOpenCall(), { type: 'finish', finishReason: reason, usage }];
  }

  return { map, finish, usageSoFar: () => usage };
}
