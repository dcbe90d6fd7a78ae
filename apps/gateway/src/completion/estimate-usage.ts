import { countRequestTokens, countTextTokens } from '@tollgate/providers';
import type { ChatCompletionRequest, Usage } from '@tollgate/schemas';

/**
 * Usage counted by the gateway when the provider reported none (an aborted stream, a provider that omits usage):
 * the prompt and what was generated so far, with the o200k tokenizer, flagged `estimated`.
 */
export function estimateUsage(request: ChatCompletionRequest, generated: string): Usage {
  return {
    inputTokens: countRequestTokens(request),
    outputTokens: countTextTokens(generated),
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    source: 'estimated',
  };
}
