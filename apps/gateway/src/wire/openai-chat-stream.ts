import type { CompletionPart } from '../completion/stream-completion';
import { toOpenAiUsage } from './openai-usage';

/**
 * Turns metered completion parts into OpenAI `chat.completion.chunk` objects (or the error object sent mid-stream).
 * Same `id` on every chunk; `delta.role` only in the first; `finish_reason` in the last content chunk. Usage (with
 * its `cost`) comes once: with `stream_options.include_usage`, as OpenAI sends it — a final chunk of its own with
 * empty `choices`; without it, on the chunk that carries `finish_reason`, as Router402's chunk table has it (its
 * clients read usage there; OpenAI's SDK accepts `usage` on any chunk).
 */
export function createOpenAiChunkMapper(input: { id: string; created: number; model: string; includeUsage: boolean }) {
  let roleSent = false;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => {
    const withRole = roleSent ? delta : { role: 'assistant', ...delta };
    roleSent = true;
    return {
      id: input.id,
      object: 'chat.completion.chunk' as const,
      created: input.created,
      model: input.model,
      choices: [{ index: 0, delta: withRole, logprobs: null, finish_reason: finishReason }],
    };
  };

  return function map(part: CompletionPart): object[] {
    switch (part.type) {
      case 'text-delta':
        return [chunk({ content: part.text })];
      case 'reasoning-delta':
        return [chunk({ reasoning_content: part.text })];
      case 'tool-call-delta':
        return [
          chunk({
            tool_calls: [
              {
                index: part.index,
                ...(part.id ? { id: part.id, type: 'function' } : {}),
                function: { ...(part.name ? { name: part.name } : {}), arguments: part.argumentsDelta },
              },
            ],
          }),
        ];
      case 'finish': {
        const usage = toOpenAiUsage(part.usage, part.cost);
        if (!input.includeUsage) return [{ ...chunk({}, part.finishReason), usage }];
        return [chunk({}, part.finishReason), { id: input.id, object: 'chat.completion.chunk', created: input.created, model: input.model, choices: [], usage }];
      }
      case 'error':
        return [{ error: { message: part.error.message, type: part.error.type, code: part.error.code } }];
    }
  };
}
