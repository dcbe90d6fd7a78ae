import type { FinishReason, GenerateResult, GeneratedToolCall, SettingWarning } from '../chat-model';
import { ProviderError } from '../provider-error';
import { malformedGoogleResponse } from './google-error';
import { googleResponseSchema, type GooglePart, type GoogleResponse } from './google-response-schema';
import { mapGoogleFinishReason } from './map-google-finish-reason';
import { hasGoogleTokenCounts, mapGoogleUsage } from './map-google-usage';

/** The id of a tool call Gemini sent without one: its ordinal among the response's calls. */
export function googleToolCallId(index: number): string {
  return `call_${index}`;
}

/** Reads a GenerateContentResponse (a body or a stream chunk); a malformed one is returned as a 502 ProviderError. */
export function readGoogleResponse(json: unknown, provider: string): GoogleResponse | ProviderError {
  const parsed = googleResponseSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return malformedGoogleResponse(provider, `${issue?.path.join('.')}: ${issue?.message}`);
}

/** The finish reason of a response: a blocked prompt is filtered content, else the candidate's reason. */
export function googleResponseFinishReason(response: GoogleResponse, hasToolCalls: boolean): FinishReason | undefined {
  const reason = response.candidates?.[0]?.finishReason;
  if (reason) return mapGoogleFinishReason(reason, hasToolCalls);
  if (response.promptFeedback?.blockReason) return 'content_filter';
  return undefined;
}

function mapToolCalls(parts: readonly GooglePart[]): GeneratedToolCall[] {
  const calls: GeneratedToolCall[] = [];
  for (const part of parts) {
    const call = part.functionCall;
    if (!call?.name) continue;
    calls.push({ id: call.id ?? googleToolCallId(calls.length), name: call.name, arguments: JSON.stringify(call.args ?? {}) });
  }
  return calls;
}

/**
 * Maps a GenerateContentResponse to the contract's result: the first candidate's text parts joined (thought parts
 * apart, as reasoning), its function calls as tool calls, the finish reason, and the usage.
 */
export function mapGoogleResponse(json: unknown, input: { provider: string; warnings: SettingWarning[] }): GenerateResult {
  const response = readGoogleResponse(json, input.provider);
  if (response instanceof ProviderError) throw response;
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  const text = parts.filter((part) => part.text && !part.thought).map((part) => part.text).join('');
  const reasoning = parts.filter((part) => part.text && part.thought).map((part) => part.text).join('');
  const toolCalls = mapToolCalls(parts);
  const finishReason = googleResponseFinishReason(response, toolCalls.length > 0);
  if (finishReason === undefined) throw malformedGoogleResponse(input.provider, 'the response has no finish reason');
  return {
    providerResponseId: response.responseId ?? undefined,
    text: text || null,
    reasoning: reasoning || undefined,
    toolCalls,
    finishReason,
    usage: hasGoogleTokenCounts(response.usageMetadata) ? mapGoogleUsage(response.usageMetadata) : undefined,
    warnings: input.warnings,
  };
}
