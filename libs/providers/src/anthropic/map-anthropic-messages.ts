import type { ChatCompletionRequest, ChatMessage, ContentPart } from '@tollgate/schemas';
import { ProviderError } from '../provider-error';

/** A text block, in messages and in `system`. */
export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}

/** An image block: a URL Anthropic fetches itself, or the bytes inline. */
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'url'; url: string } | { type: 'base64'; media_type: string; data: string };
}

/** A tool call the assistant made earlier in the conversation. */
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The result of a tool call, sent back in a user message. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | AnthropicTextBlock[];
}

export type AnthropicContentBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

/** One turn of an Anthropic conversation; roles alternate. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/**
 * Reports a setting Anthropic cannot honour (`problem` says why, e.g. `seed is not supported by anthropic`): the
 * request mapper turns it into a warning, or throws UnsupportedSettingError in strict mode.
 */
export type ReportUnsupported = (setting: string, problem: string) => void;

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is;

/**
 * The conversation in Anthropic's shape: system messages lifted into `system` (in order, one text block per part),
 * tool results moved into user turns, and consecutive turns of the same role merged, since Anthropic requires
 * user and assistant turns to alternate.
 */
export function mapAnthropicMessages(
  messages: ChatCompletionRequest['messages'],
  input: { provider: string; report: ReportUnsupported },
): { system?: AnthropicTextBlock[]; messages: AnthropicMessage[] } {
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessage[] = [];
  let reportedName = false;
  for (const message of messages) {
    if (message.role !== 'tool' && message.name !== undefined && !reportedName) {
      input.report('messages.name', `messages[].name is not supported by ${input.provider}`);
      reportedName = true;
    }
    if (message.role === 'system') system.push(...nonEmpty(textBlocks(message.content)));
    else turns.push(mapTurn(message, input));
  }
  return { ...(system.length > 0 ? { system } : {}), messages: mergeConsecutiveTurns(turns) };
}

function mapTurn(message: Exclude<ChatMessage, { role: 'system' }>, input: { provider: string; report: ReportUnsupported }): AnthropicMessage {
  switch (message.role) {
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? message.content : message.content.map((part) => mapUserPart(part, input)),
      };
    case 'assistant':
      return { role: 'assistant', content: mapAssistantContent(message, input.provider) };
    case 'tool':
      return {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id,
            content: typeof message.content === 'string' ? message.content : textBlocks(message.content),
          },
        ],
      };
  }
}

function mapUserPart(part: ContentPart, input: { provider: string; report: ReportUnsupported }): AnthropicContentBlock {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto') {
    input.report('image_url.detail', `image_url.detail is not supported by ${input.provider}`);
  }
  return mapImage(part.image_url.url);
}

/** An http(s) URL is passed for Anthropic to fetch; a `data:image/...;base64,` URL is sent inline. */
export function mapImage(url: string): AnthropicImageBlock {
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1].toLowerCase(), data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function mapAssistantContent(message: Extract<ChatMessage, { role: 'assistant' }>, provider: string): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = message.content == null ? [] : nonEmpty(textBlocks(message.content));
  for (const call of message.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.id, call.function.arguments, provider) });
  }
  return blocks;
}

/**
 * Anthropic takes a tool call's input as a JSON object, where OpenAI keeps the text the model wrote. Empty text is a
 * call without arguments; text that is not a JSON object cannot be sent, and is refused rather than replaced.
 */
export function parseToolArguments(callId: string, text: string, provider: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError({
      provider,
      message: `${provider} needs the arguments of tool call ${callId} to be a JSON object`,
      statusCode: 400,
      isRetryable: false,
      upstreamCode: 'invalid_tool_arguments',
    });
  }
  return parsed as Record<string, unknown>;
}

function textBlocks(content: string | ReadonlyArray<{ text: string }>): AnthropicTextBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content.map((part) => ({ type: 'text', text: part.text }));
}

/** Anthropic refuses empty text blocks; an empty text carries nothing, so it is left out. */
function nonEmpty<T extends AnthropicContentBlock>(blocks: T[]): T[] {
  return blocks.filter((block) => block.type !== 'text' || block.text.length > 0);
}

function asBlocks(content: AnthropicMessage['content']): AnthropicContentBlock[] {
  return typeof content === 'string' ? nonEmpty(textBlocks(content)) : content;
}

/**
 * Merges consecutive turns of the same role (e.g. several tool results, or tool results then the user's next
 * question). In a merged user turn the tool results come first, as Anthropic requires.
 */
export function mergeConsecutiveTurns(turns: readonly AnthropicMessage[]): AnthropicMessage[] {
  const merged: AnthropicMessage[] = [];
  for (const turn of turns) {
    const previous = merged.at(-1);
    if (!previous || previous.role !== turn.role) {
      merged.push(turn);
      continue;
    }
    const content = [...asBlocks(previous.content), ...asBlocks(turn.content)];
    merged[merged.length - 1] = { role: turn.role, content: turn.role === 'user' ? toolResultsFirst(content) : content };
  }
  return merged;
}

function toolResultsFirst(blocks: AnthropicContentBlock[]): AnthropicContentBlock[] {
  return [...blocks.filter((block) => block.type === 'tool_result'), ...blocks.filter((block) => block.type !== 'tool_result')];
}
