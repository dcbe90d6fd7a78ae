import type { CompletionOutcome } from '../completion/generate-completion';
import { toOpenAiUsage } from './openai-usage';

/**
 * A non-streaming completion as an OpenAI `chat.completion` object, plus a top-level `cost` (the price the caller
 * pays, a decimal string equal to `usage.cost.total`) as Router402's server adds it: its clients read it there.
 */
export function toOpenAiChatCompletion(outcome: CompletionOutcome, input: { id: string; created: number }) {
  const { result } = outcome;
  const toolCalls = result.toolCalls.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: input.id,
    object: 'chat.completion' as const,
    created: input.created,
    model: outcome.entry.id,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: result.text,
          refusal: null,
          ...(result.reasoning ? { reasoning_content: result.reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: result.finishReason,
      },
    ],
    usage: toOpenAiUsage(outcome.usage, outcome.cost),
    cost: outcome.cost.total,
  };
}
