import type { Usage } from '@tollgate/schemas';
import type { GoogleUsageMetadata } from './google-response-schema';

/** Whether the metadata carries token counts at all (stream chunks before the end may carry none). */
export function hasGoogleTokenCounts(metadata: GoogleUsageMetadata | null | undefined): metadata is GoogleUsageMetadata {
  return metadata != null && (metadata.promptTokenCount != null || metadata.candidatesTokenCount != null);
}

/**
 * Gemini's counts as tollgate's billed classes. `promptTokenCount` includes the cached tokens, so they are taken
 * out of the plain input; `candidatesTokenCount` excludes the thinking tokens, which come apart in
 * `thoughtsTokenCount`; `toolUsePromptTokenCount` (prompts of Google's built-in tools) is billed as input.
 */
export function mapGoogleUsage(metadata: GoogleUsageMetadata): Usage {
  const prompt = metadata.promptTokenCount ?? 0;
  const cacheRead = Math.min(metadata.cachedContentTokenCount ?? 0, prompt);
  return {
    inputTokens: prompt - cacheRead + (metadata.toolUsePromptTokenCount ?? 0),
    outputTokens: metadata.candidatesTokenCount ?? 0,
    reasoningTokens: metadata.thoughtsTokenCount ?? 0,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: 0,
    source: 'reported',
  };
}
