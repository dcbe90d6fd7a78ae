import { completionTokens, promptTokens, type Cost, type Usage } from '@tollgate/schemas';

/** Usage in OpenAI's shape, with every billed class and the price the caller pays (`cost`, decimal strings). */
export function toOpenAiUsage(usage: Usage, cost: Cost) {
  const prompt = promptTokens(usage);
  const completion = completionTokens(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens, cache_write_tokens: usage.cacheWriteTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    estimated: usage.source === 'estimated',
    cost,
  };
}
