import type { ChatCompletionRequest, ChatMessage } from '@tollgate/schemas';
import type { CallOptions, ChatModel, FinishReason, GenerateResult, StreamPart } from '../chat-model';
import { countRequestTokens, countTextTokens } from '../token-count';

/** The provider name of the built-in echo model. */
export const ECHO_PROVIDER = 'tollgate';

/**
 * A built-in model that answers with the caller's last message, so the gateway works without provider keys.
 * It reports usage counted with the o200k tokenizer and honours `max_tokens` (finish reason `length`).
 */
export class EchoModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider = ECHO_PROVIDER;

  constructor(
    readonly upstreamModelId = 'echo',
    /** Pause between streamed words, to make streaming visible in demos. */
    private readonly wordDelayMs = 0,
  ) {}

  async generate(request: ChatCompletionRequest, _options: CallOptions): Promise<GenerateResult> {
    const { words, finishReason } = answerWords(request);
    const text = words.join('');
    return {
      text,
      toolCalls: [],
      finishReason,
      usage: usageOf(request, text),
      warnings: [],
    };
  }

  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const { words, finishReason } = answerWords(request);
    yield { type: 'stream-start', warnings: [] };
    for (const word of words) {
      if (options.signal.aborted) return;
      if (this.wordDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.wordDelayMs));
      yield { type: 'text-delta', text: word };
    }
    yield { type: 'finish', finishReason, usage: usageOf(request, words.join('')) };
  }
}

function lastMessageText(messages: ChatMessage[]): string {
  const last = messages[messages.length - 1];
  const content = last.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '[image]')).join(' ');
}

/** The answer split into words (each keeps its trailing whitespace), cut at the token limit. */
function answerWords(request: ChatCompletionRequest): { words: string[]; finishReason: FinishReason } {
  // Words keep their leading whitespace (' beta'), the way BPE tokenizers split text.
  const words = lastMessageText(request.messages).match(/\s*\S+/g) ?? [];
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (limit === undefined) return { words, finishReason: 'stop' };
  const kept: string[] = [];
  let tokens = 0;
  for (const word of words) {
    tokens += countTextTokens(word);
    if (tokens > limit) return { words: kept, finishReason: 'length' };
    kept.push(word);
  }
  return { words: kept, finishReason: 'stop' };
}

function usageOf(request: ChatCompletionRequest, answer: string) {
  return {
    inputTokens: countRequestTokens(request),
    outputTokens: countTextTokens(answer),
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    source: 'reported' as const,
  };
}
