import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';

export const openAiCompatibleUsageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative().default(0),
    completion_tokens: z.number().int().nonnegative().default(0),
    total_tokens: z.number().int().nonnegative().optional(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().int().nonnegative().nullish() }).nullish(),
    /** DeepSeek's own name for cached prompt tokens. */
    prompt_cache_hit_tokens: z.number().int().nonnegative().nullish(),
    /** Some Together.ai models report cached prompt tokens at the top level. */
    cached_tokens: z.number().int().nonnegative().nullish(),
  })
  .loose();
export type OpenAiCompatibleUsage = z.infer<typeof openAiCompatibleUsageSchema>;

/**
 * Splits OpenAI-style usage into billed classes. `prompt_tokens` includes cached tokens. OpenAI counts reasoning
 * inside `completion_tokens`; some compatible providers (xAI) report it beside it — told apart by `total_tokens`.
 */
export function mapOpenAiCompatibleUsage(usage: OpenAiCompatibleUsage): Usage {
  // Providers that report cached tokens in two places (DeepSeek) agree; one that leaves a place at 0 must not hide the other.
  const cached = Math.max(
    usage.prompt_tokens_details?.cached_tokens ?? 0,
    usage.prompt_cache_hit_tokens ?? 0,
    usage.cached_tokens ?? 0,
  );
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  // Counted inside, reasoning cannot exceed completion_tokens; counted beside, total_tokens includes it on top.
  const reasoningReportedApart =
    reasoning > 0 &&
    (reasoning > usage.completion_tokens || usage.total_tokens === usage.prompt_tokens + usage.completion_tokens + reasoning);
  const cacheRead = Math.min(cached, usage.prompt_tokens);
  return {
    inputTokens: usage.prompt_tokens - cacheRead,
    outputTokens: reasoningReportedApart ? usage.completion_tokens : Math.max(0, usage.completion_tokens - reasoning),
    reasoningTokens: reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: 0,
    source: 'reported',
  };
}
