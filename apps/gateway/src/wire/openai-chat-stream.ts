import type { CompletionPart } from '../completion/stream-completion';
import { toOpenAiUsage } from './openai-usage';

/**
 * Turns metered completion parts into OpenAI `chat.completion.chunk` objects (or the error object sent mid-stream).
 * Same `id` on every chunk; `delta.role` only in the first; `finish_reason` in the last content chunk; a final
 * usage chunk with empty `choices` when the caller asked for `stream_options.include_usage`.
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
        const chunks: object[] = [chunk({}, part.finishReason)];
        if (input.includeUsage) {
          chunks.push({ id: input.id, object: 'chat.completion.chunk', created: input.created, model: input.model, choices: [], usage: toOpenAiUsage(part.usage, part.cost) });
        }
        return chunks;
      }
      case 'error':
        return [{ error: { message: part.error.message, type: part.error.type, code: part.error.code } }];
    }
  };
}
