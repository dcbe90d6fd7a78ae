import { estimateRequestTokens, estimateTextTokens } from '@tollgate/providers';
import type { ChatCompletionRequest, Usage } from '@tollgate/schemas';

/**
 * Usage counted by the gateway when the provider reported none (an aborted stream, a provider that omits usage):
 * the prompt and what was generated so far, estimated with the o200k tokenizer over a capped sample (linear in the
 * size of the text, whatever the caller sent), flagged `estimated`.
 */
export function estimateUsage(request: ChatCompletionRequest, generated: string): Usage {
  return {
    inputTokens: estimateRequestTokens(request),
    outputTokens: estimateTextTokens(generated),
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    source: 'estimated',
  };
}
