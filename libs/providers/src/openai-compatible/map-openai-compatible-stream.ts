import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';
import type { FinishReason, StreamPart } from '../chat-model';
import type { SseStreamMapper } from '../http/map-sse-stream';
import { ProviderError } from '../provider-error';
import { openAiCompatibleContentSchema, splitOpenAiCompatibleContent } from './map-openai-compatible-content';
import { mapOpenAiCompatibleFinishReason } from './map-openai-compatible-finish-reason';
import { mapOpenAiCompatibleUsage, openAiCompatibleUsageSchema } from './map-openai-compatible-usage';

const chunkSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            delta: z
              .object({
                content: openAiCompatibleContentSchema,
                reasoning_content: z.string().nullish(),
                reasoning: z.string().nullish(),
                tool_calls: z
                  .array(
                    z
                      .object({
                        index: z.number().int().nonnegative().nullish(),
                        id: z.string().nullish(),
                        function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).loose().nullish(),
                      })
                      .loose(),
                  )
                  .nullish(),
              })
              .loose()
              .nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .default([]),
    usage: openAiCompatibleUsageSchema.nullish(),
    x_groq: z.object({ usage: openAiCompatibleUsageSchema.nullish() }).loose().nullish(),
  })
  .loose();

/** An error sent in place of a chunk after the stream started (`code` is often absent: zod 4 requires even unknown keys). */
const errorChunkSchema = z
  .object({
    error: z.union([
      z.object({ message: z.string().optional(), type: z.string().nullish(), code: z.unknown().optional() }).loose(),
      z.string().transform((message) => ({ message, type: undefined })),
    ]),
  })
  .loose();

/**
 * A stateful mapper from OpenAI-style stream chunks (the `data:` payloads) to contract parts. Its state — finish
 * reason and usage seen so far — lives in this closure; `finish()` yields the closing part.
 */
export function createOpenAiCompatibleStreamMapper(provider: string) {
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  /** Mistral sends whole tool calls without `index`: number them in order of appearance. */
  let nextToolIndex = 0;

  /**
   * Where a tool call delta belongs: its `index` when given; without one, a delta carrying an id starts the next
   * call and one without continues the latest.
   */
  function toolIndex(call: { index?: number | null; id?: string | null }): number {
    const index = call.index ?? ((call.id || nextToolIndex === 0) ? nextToolIndex : nextToolIndex - 1);
    nextToolIndex = Math.max(nextToolIndex, index + 1);
    return index;
  }

  function map(data: string): StreamPart[] {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return [errorPart(`${provider} sent a stream chunk that is not JSON`)];
    }
    const upstreamError = errorChunkSchema.safeParse(json);
    if (upstreamError.success) {
      const message = `${provider} stream error: ${upstreamError.data.error.message ?? 'unknown error'}`;
      return [errorPart(message, { upstreamCode: upstreamError.data.error.type ?? undefined, reachedModel: false })];
    }
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) return [errorPart(`${provider} sent a stream chunk tollgate could not read: ${parsed.error.issues[0]?.message}`)];
    const chunk = parsed.data;
    const reportedUsage = chunk.usage ?? chunk.x_groq?.usage;
    if (reportedUsage) usage = mapOpenAiCompatibleUsage(reportedUsage);
    const parts: StreamPart[] = [];
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      const content = splitOpenAiCompatibleContent(delta?.content);
      const reasoning = delta?.reasoning_content || delta?.reasoning || content.reasoning;
      if (reasoning) parts.push({ type: 'reasoning-delta', text: reasoning });
      if (content.text) parts.push({ type: 'text-delta', text: content.text });
      for (const call of delta?.tool_calls ?? []) {
        // Continuation deltas may repeat `"name": ""` (Mistral): an empty id or name is no id or name.
        parts.push({
          type: 'tool-call-delta',
          index: toolIndex(call),
          id: call.id || undefined,
          name: call.function?.name || undefined,
          argumentsDelta: call.function?.arguments ?? '',
        });
      }
      if (choice.finish_reason) finishReason = mapOpenAiCompatibleFinishReason(choice.finish_reason);
    }
    return parts;
  }

  /**
   * A failing stream. A malformed or cut-off one may have been generated all the same (`reachedModel`); an error the
   * provider reports itself says it failed, and stays not retryable because the event gives no status to judge by.
   */
  function errorPart(message: string, failure: { upstreamCode?: string; reachedModel: boolean } = { reachedModel: true }): StreamPart {
    const error = new ProviderError({ provider, message, statusCode: 502, isRetryable: false, ...failure });
    return { type: 'error', error, usage };
  }

  /** The closing part once the upstream stream ended: `finish`, or an error when it stopped without a finish reason. */
  function finish(): StreamPart[] {
    if (finishReason === undefined) return [errorPart(`${provider} stream ended before the model finished`)];
    return [{ type: 'finish', finishReason, usage }];
  }

  return { map, finish, usageSoFar: () => usage } satisfies SseStreamMapper;
}
