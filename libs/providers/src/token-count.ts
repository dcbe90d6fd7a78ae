import type { ChatCompletionRequest } from '@tollgate/schemas';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/** Tokens per message of chat framing (role markers), as OpenAI counts them. */
const TOKENS_PER_MESSAGE = 3;

/** Tokens of a text under o200k_base (GPT-4o's tokenizer): exact for OpenAI, a close estimate for others. */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countO200k(text);
}

/** The text the model reads from a request: message contents, tool calls and tool definitions. */
function requestText(request: ChatCompletionRequest): string[] {
  const texts: string[] = [];
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) for (const part of content) if (part.type === 'text') texts.push(part.text);
    if (message.role === 'assistant') for (const call of message.tool_calls ?? []) texts.push(call.function.name, call.function.arguments);
  }
  for (const tool of request.tools ?? []) texts.push(JSON.stringify(tool.function));
  return texts;
}

/** Prompt tokens of a request, counted the way OpenAI frames chat messages (images are not counted). */
export function countRequestTokens(request: ChatCompletionRequest): number {
  const text = requestText(request).reduce((sum, part) => sum + countTextTokens(part), 0);
  return text + request.messages.length * TOKENS_PER_MESSAGE + TOKENS_PER_MESSAGE;
}
