import type { FinishReason, GeneratedToolCall } from '@tollgate/providers';
import type { Cost, Usage } from '@tollgate/schemas';
import type { CompletionOutcome } from '../completion/generate-completion';

/** OpenAI finish reasons in Anthropic's words. */
export function toAnthropicStopReason(reason: FinishReason): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Usage in Anthropic's shape (input excludes cache reads/writes, as Anthropic counts it), plus the cost. */
export function toAnthropicUsage(usage: Usage, cost: Cost) {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens + usage.reasoningTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    estimated: usage.source === 'estimated',
    cost,
  };
}

/** A tool call's JSON arguments as the object Anthropic's `input` must be (the raw text kept if it is not JSON). */
export function toolInput(call: Pick<GeneratedToolCall, 'arguments'>): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(call.arguments);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { unparsed_arguments: call.arguments };
  }
}

/** A non-streaming completion as an Anthropic `message`. */
export function toAnthropicMessage(outcome: CompletionOutcome, id: string) {
  const { result } = outcome;
  const content: Array<Record<string, unknown>> = [];
  if (result.text) content.push({ type: 'text', text: result.text });
  for (const call of result.toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call) });
  if (content.length === 0) content.push({ type: 'text', text: '' });
  return {
    id,
    type: 'message' as const,
    role: 'assistant' as const,
    model: outcome.entry.id,
    content,
    stop_reason: toAnthropicStopReason(result.finishReason),
    stop_sequence: null,
    usage: toAnthropicUsage(outcome.usage, outcome.cost),
  };
}
