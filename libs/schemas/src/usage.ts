import { z } from 'zod';

const tokenCount = z.number().int().nonnegative();

/**
 * Tokens of one request, split by the class each is billed at. The classes do not overlap:
 * - `inputTokens`: prompt tokens billed at the plain input price (cache reads and writes excluded);
 * - `outputTokens`: generated tokens billed at the output price (reasoning excluded);
 * - `reasoningTokens`: thinking tokens (billed at the reasoning price, or the output price when the model has none);
 * - `cacheReadTokens` / `cacheWriteTokens`: prompt tokens served from / written to the provider's prompt cache.
 * `source` says whether the provider reported the counts or the gateway estimated them (e.g. an aborted stream).
 */
export const usageSchema = z.object({
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  reasoningTokens: tokenCount,
  cacheReadTokens: tokenCount,
  cacheWriteTokens: tokenCount,
  source: z.enum(['reported', 'estimated']),
});
export type Usage = z.infer<typeof usageSchema>;

/** Usage with every class at zero: the starting point when a provider reported nothing yet. */
export function emptyUsage(source: Usage['source'] = 'reported'): Usage {
  return { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source };
}

/** Prompt tokens in OpenAI's sense (all input classes together). */
export function promptTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

/** Completion tokens in OpenAI's sense (visible output plus reasoning). */
export function completionTokens(usage: Usage): number {
  return usage.outputTokens + usage.reasoningTokens;
}
