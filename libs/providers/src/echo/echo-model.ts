import type { ChatCompletionRequest, ChatMessage } from '@tollgate/schemas';
import type { CallOptions, ChatModel, FinishReason, GenerateResult, StreamPart } from '../chat-model';
import { estimateRequestTokens, estimateTextTokens } from '../token-count';

/** The provider name of the built-in echo model. */
export const ECHO_PROVIDER = 'tollgate';

/**
 * A built-in model that answers with the caller's last message, so the gateway works without provider keys.
 * It reports usage estimated with the o200k tokenizer (capped, see token-count.ts) and honours the output budget
 * (`CallOptions.maxOutputTokens`, finish reason `length`), as every adapter does.
 */
export class EchoModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider = ECHO_PROVIDER;

  constructor(
    readonly upstreamModelId = 'echo',
    /** Pause between streamed words, to make streaming visible in demos. */
    private readonly wordDelayMs = 0,
  ) {}

  async generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult> {
    const { words, finishReason } = answerWords(request, options.maxOutputTokens);
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
    const { words, finishReason } = answerWords(request, options.maxOutputTokens);
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
  const content = messages.at(-1)?.content; // no message at all answers with nothing rather than a TypeError
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '[image]')).join(' ');
}

const WHITESPACE = /\s/;

/** Whether a UTF-16 code unit is whitespace as /\s/ has it; ASCII is decided without a regex (this runs per character). */
function isWhitespace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return WHITESPACE.test(text[index]);
}

/**
 * The words of a text, each with its leading whitespace (' beta'), the way BPE tokenizers split text; trailing
 * whitespace is no word. A scan rather than a regex like /\s*\S+/g, which backtracks quadratically over a long run
 * of whitespace.
 */
function* wordsOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let index = start;
    while (index < text.length && isWhitespace(text, index)) index += 1;
    if (index === text.length) return;
    while (index < text.length && !isWhitespace(text, index)) index += 1;
    yield text.slice(start, index);
    start = index;
  }
}

/** More characters than any o200k token holds: the echo reads at most this many per token of its budget. */
const MAX_CHARACTERS_PER_TOKEN = 64;

/**
 * The answer split into words, cut at the output budget. Only the first `budget × MAX_CHARACTERS_PER_TOKEN`
 * characters of the message are read, so a 4 MiB message costs no more than the answer it can give; an answer cut
 * there ends with `length`, as one cut at the budget does.
 */
function answerWords(request: ChatCompletionRequest, budget: number): { words: string[]; finishReason: FinishReason } {
  const message = lastMessageText(request.messages);
  const readable = budget * MAX_CHARACTERS_PER_TOKEN;
  const kept: string[] = [];
  let tokens = 0;
  for (const word of wordsOf(message.length > readable ? message.slice(0, readable) : message)) {
    tokens += estimateTextTokens(word);
    if (tokens > budget) return { words: kept, finishReason: 'length' };
    kept.push(word);
  }
  return { words: kept, finishReason: message.length > readable ? 'length' : 'stop' };
}

function usageOf(request: ChatCompletionRequest, answer: string) {
  return {
    inputTokens: estimateRequestTokens(request),
    outputTokens: estimateTextTokens(answer),
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    source: 'reported' as const,
  };
}
