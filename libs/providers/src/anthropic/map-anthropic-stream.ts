import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';
import type { FinishReason, SettingWarning, StreamPart } from '../chat-model';
import type { SseStreamMapper } from '../http/map-sse-stream';
import { ProviderError } from '../provider-error';
import { anthropicErrorBodySchema, mapAnthropicStreamError } from './anthropic-error';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { anthropicUsageSchema, mapAnthropicUsage, mergeAnthropicUsage } from './map-anthropic-usage';

/** Every event is read by `type` first; types Anthropic may add later are ignored, as its docs ask. */
const eventSchema = z.object({ type: z.string() }).loose();
const blockIndex = z.number().int().nonnegative();

const messageStartSchema = z
  .object({ message: z.object({ id: z.string().nullish(), usage: anthropicUsageSchema.nullish() }).loose() })
  .loose();
const blockStartSchema = z.object({ index: blockIndex, content_block: z.object({ type: z.string() }).loose() }).loose();
const textBlockSchema = z.object({ text: z.string().nullish() }).loose();
const thinkingBlockSchema = z.object({ thinking: z.string().nullish() }).loose();
const toolUseBlockSchema = z.object({ id: z.string(), name: z.string() }).loose();
const blockDeltaSchema = z.object({ index: blockIndex, delta: z.object({ type: z.string() }).loose() }).loose();
const textDeltaSchema = z.object({ text: z.string() }).loose();
const thinkingDeltaSchema = z.object({ thinking: z.string() }).loose();
const inputJsonDeltaSchema = z.object({ partial_json: z.string() }).loose();
const blockStopSchema = z.object({ index: blockIndex }).loose();
const messageDeltaSchema = z
  .object({ delta: z.object({ stop_reason: z.string().nullish() }).loose(), usage: anthropicUsageSchema.nullish() })
  .loose();

/** A tool call being streamed, keyed by its content block index. */
interface OpenToolCall {
  /** The call's ordinal among the response's tool calls: the contract's `index`. */
  index: number;
  /** Whether any argument text was streamed; a call without any gets `{}` so its arguments stay valid JSON. */
  hasArguments: boolean;
}

/**
 * A stateful mapper from Messages API stream events (the `data:` payloads) to contract parts. Its state lives in
 * this closure: whether `stream-start` was sent, the usage so far (input and cache classes from `message_start`,
 * output from `message_delta`, whose counts win when it repeats the others), the finish reason, and the open tool
 * calls. `stream-start` comes with `message_start` (it carries the response id), or before the first content part
 * when that event is missing; an `error` before it is left for the stream driver (mapSseStream) to throw, as
 * nothing was sent yet.
 */
export function createAnthropicStreamMapper(provider: string, warnings: SettingWarning[]) {
  let started = false;
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  let stopped = false;
  const toolCalls = new Map<number, OpenToolCall>();

  function map(data: string): StreamPart[] {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return [errorPart(`${provider} sent a stream event that is not JSON`)];
    }
    const event = eventSchema.safeParse(json);
    if (!event.success) return [errorPart(`${provider} sent a stream event tollgate could not read: ${event.error.issues[0]?.message}`)];
    const parts = mapEvent(event.data);
    if (!started && parts.some((part) => part.type !== 'error' && part.type !== 'stream-start')) return [startPart(), ...parts];
    return parts;
  }

  function mapEvent(event: z.infer<typeof eventSchema>): StreamPart[] {
    switch (event.type) {
      case 'message_start':
        return read(messageStartSchema, event, (start) => {
          if (started) return []; // a repeated message_start (seen in the wild) neither restarts nor re-counts
          if (start.message.usage) usage = mapAnthropicUsage(start.message.usage);
          return [startPart(start.message.id ?? undefined)];
        });
      case 'content_block_start':
        return read(blockStartSchema, event, (start) => mapBlockStart(start.index, start.content_block));
      case 'content_block_delta':
        return read(blockDeltaSchema, event, (delta) => mapBlockDelta(delta.index, delta.delta));
      case 'content_block_stop':
        return read(blockStopSchema, event, (stop) => mapBlockStop(stop.index));
      case 'message_delta':
        return read(messageDeltaSchema, event, (delta) => {
          if (delta.delta.stop_reason) finishReason = mapAnthropicFinishReason(delta.delta.stop_reason);
          if (delta.usage) usage = usage ? mergeAnthropicUsage(usage, delta.usage) : mapAnthropicUsage(delta.usage);
          return [];
        });
      case 'message_stop':
        stopped = true;
        return [];
      case 'error':
        return read(anthropicErrorBodySchema, event, (body) => [{ type: 'error', error: mapAnthropicStreamError(provider, body), usage }]);
      default:
        return []; // ping, and event types added after this adapter was written
    }
  }

  function mapBlockStart(index: number, block: { type: string }): StreamPart[] {
    switch (block.type) {
      case 'text':
        return read(textBlockSchema, block, (text) => (text.text ? [{ type: 'text-delta', text: text.text }] : []));
      case 'thinking':
        return read(thinkingBlockSchema, block, (thinking) => (thinking.thinking ? [{ type: 'reasoning-delta', text: thinking.thinking }] : []));
      case 'tool_use':
        return read(toolUseBlockSchema, block, (tool) => {
          const call: OpenToolCall = { index: toolCalls.size, hasArguments: false };
          toolCalls.set(index, call);
          return [{ type: 'tool-call-delta', index: call.index, id: tool.id, name: tool.name, argumentsDelta: '' }];
        });
      default:
        return []; // redacted thinking, server tools: nothing the contract carries
    }
  }

  function mapBlockDelta(index: number, delta: { type: string }): StreamPart[] {
    switch (delta.type) {
      case 'text_delta':
        return read(textDeltaSchema, delta, (text) => (text.text ? [{ type: 'text-delta', text: text.text }] : []));
      case 'thinking_delta':
        return read(thinkingDeltaSchema, delta, (thinking) => (thinking.thinking ? [{ type: 'reasoning-delta', text: thinking.thinking }] : []));
      case 'input_json_delta':
        return read(inputJsonDeltaSchema, delta, (json) => {
          const call = toolCalls.get(index);
          if (!call || json.partial_json === '') return []; // server tool input, or an empty first delta
          call.hasArguments = true;
          return [{ type: 'tool-call-delta', index: call.index, argumentsDelta: json.partial_json }];
        });
      default:
        return []; // signature_delta, citations_delta, ...
    }
  }

  /** A tool call that streamed no argument text takes none: `{}`, as the non-streaming path reports it. */
  function mapBlockStop(index: number): StreamPart[] {
    const call = toolCalls.get(index);
    if (!call || call.hasArguments) return [];
    call.hasArguments = true;
    return [{ type: 'tool-call-delta', index: call.index, argumentsDelta: '{}' }];
  }

  /** Parses one event (or block) with its schema; a malformed one becomes an error part. */
  function read<T>(schema: z.ZodType<T>, value: unknown, onValue: (parsed: T) => StreamPart[]): StreamPart[] {
    const parsed = schema.safeParse(value);
    if (!parsed.success) return [errorPart(`${provider} sent a stream event tollgate could not read: ${parsed.error.issues[0]?.message}`)];
    return onValue(parsed.data);
  }

  function startPart(providerResponseId?: string): StreamPart {
    started = true;
    return providerResponseId ? { type: 'stream-start', warnings, providerResponseId } : { type: 'stream-start', warnings };
  }

  /** A malformed or cut-off stream after Anthropic's 200: the model may have generated, so never retried. */
  function errorPart(message: string): StreamPart {
    return { type: 'error', error: new ProviderError({ provider, message, statusCode: 502, reachedModel: true }), usage };
  }

  /** The closing part once the upstream stream ended: `finish`, or an error when `message_stop` never came. */
  function finish(): StreamPart[] {
    if (!stopped) return [errorPart(`${provider} stream ended before message_stop`)];
    return [{ type: 'finish', finishReason: finishReason ?? 'stop', usage }];
  }

  return {
    map,
    finish,
    /** `stream-start` comes with `message_start` (it carries the response id), or before the first content part. */
    startsItself: true,
    /** Whether `message_stop` arrived: nothing more belongs to this response. */
    hasStopped: () => stopped,
    usageSoFar: () => usage,
  } satisfies SseStreamMapper;
}
