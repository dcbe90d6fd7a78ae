import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';

const tokenCount = z.number().int().nonnegative().nullish();

/** Anthropic's `usage` object; in stream events every field may be missing or null. */
export const anthropicUsageSchema = z
  .object({
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    cache_read_input_tokens: tokenCount,
    cache_creation_input_tokens: tokenCount,
  })
  .loose();
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/**
 * Anthropic's counts map one to one: `input_tokens` already excludes cache reads and writes. Thinking tokens are
 * part of `output_tokens` and billed at the output price; Anthropic does not report them apart, so
 * `reasoningTokens` stays 0.
 */
export function mapAnthropicUsage(usage: AnthropicUsage): Usage {
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    reasoningTokens: 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    source: 'reported',
  };
}

/** Usage updated by a later report: the fields it carries win, the others are kept. */
export function mergeAnthropicUsage(base: Usage, update: AnthropicUsage): Usage {
  return {
    ...base,
    inputTokens: update.input_tokens ?? base.inputTokens,
    outputTokens: update.output_tokens ?? base.outputTokens,
    cacheReadTokens: update.cache_read_input_tokens ?? base.cacheReadTokens,
    cacheWriteTokens: update.cache_creation_input_tokens ?? base.cacheWriteTokens,
  };
}
