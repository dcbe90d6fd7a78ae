import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
} from '@tollgate/schemas';
import { invalidRequest } from '../errors/gateway-error';

type ToolResultBlock = Extract<AnthropicContentBlock, { type: 'tool_result' }>;

function imagePart(block: Extract<AnthropicContentBlock, { type: 'image' }>): ContentPart {
  const url = block.source.type === 'url' ? block.source.url : `data:${block.source.media_type};base64,${block.source.data}`;
  return { type: 'image_url', image_url: { url } };
}

function toolResultText(block: ToolResultBlock, index: number): string {
  if (block.content === undefined) return '';
  if (typeof block.content === 'string') return block.content;
  return block.content
    .map((part) => {
      if (part.type === 'text') return part.text;
      throw invalidRequest('Images inside tool_result blocks are not supported; send the image in a user text/image block.', `messages[${index}].content`);
    })
    .join('\n');
}

/** One Anthropic user turn: its tool results become `tool` messages (first, as OpenAI expects), the rest one user message. */
function mapUserTurn(message: AnthropicMessage, index: number): ChatMessage[] {
  if (typeof message.content === 'string') return [{ role: 'user', content: message.content }];
  const mapped: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of message.content) {
    if (block.type === 'tool_result') mapped.push({ role: 'tool', tool_call_id: block.tool_use_id, content: toolResultText(block, index) });
    else if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block));
    else if (block.type === 'image_url') parts.push(block);
    else throw invalidRequest(`A user message cannot contain a ${block.type} block.`, `messages[${index}].content`);
  }
  if (parts.length > 0) mapped.push({ role: 'user', content: parts.every((part) => part.type === 'text') && parts.length === 1 ? (parts[0] as { text: string }).text : parts });
  return mapped;
}

/** One Anthropic assistant turn: text blocks joined, tool_use blocks as tool calls; thinking is not forwarded. */
function mapAssistantTurn(message: AnthropicMessage, index: number): ChatMessage {
  if (typeof message.content === 'string') return { role: 'assistant', content: message.content };
  const text: string[] = [];
  const toolCalls: NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']> = [];
  for (const block of message.content) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
    else if (block.type === 'thinking' || block.type === 'redacted_thinking') continue;
    else throw invalidRequest(`An assistant message cannot contain a ${block.type} block.`, `messages[${index}].content`);
  }
  // The schema refuses such a turn already; a turn that arrived empty must never be forwarded.
  if (text.length === 0 && toolCalls.length === 0) {
    throw invalidRequest(`Invalid value for 'messages[${index}].content': an assistant message needs a text or tool_use block.`, `messages[${index}].content`);
  }
  return { role: 'assistant', content: text.length > 0 ? text.join('') : null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

function mapToolChoice(choice: AnthropicMessagesRequest['tool_choice']): Pick<ChatCompletionRequest, 'tool_choice' | 'parallel_tool_calls'> {
  if (!choice) return {};
  const parallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    case 'none':
      return { tool_choice: 'none' };
  }
}

/**
 * An Anthropic Messages request as the gateway's internal (OpenAI-shaped) request, so that one provider contract
 * serves both APIs: a Claude model goes back to Anthropic through its adapter, any other model through its own.
 */
export function fromAnthropicRequest(request: AnthropicMessagesRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (typeof request.system === 'string' && request.system.length > 0) messages.push({ role: 'system', content: request.system });
  if (Array.isArray(request.system) && request.system.length > 0) {
    messages.push({ role: 'system', content: request.system.map((block) => ({ type: 'text' as const, text: block.text })) });
  }
  request.messages.forEach((message, index) => {
    if (message.role === 'user') messages.push(...mapUserTurn(message, index));
    else messages.push(mapAssistantTurn(message, index));
  });
  if (!messages.some((message) => message.role === 'user' || message.role === 'assistant')) {
    throw invalidRequest(`Invalid value for 'messages': must include a user or assistant message besides tool results.`, 'messages');
  }
  return {
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
    ...(request.stream !== undefined ? { stream: request.stream } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { top_p: request.top_p } : {}),
    ...(request.top_k !== undefined ? { top_k: request.top_k } : {}),
    ...(request.stop_sequences?.length ? { stop: request.stop_sequences } : {}),
    ...(request.metadata?.user_id ? { user: request.metadata.user_id } : {}),
    ...(request.tools?.length
      ? { tools: request.tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.input_schema } })) }
      : {}),
    ...mapToolChoice(request.tool_choice),
  };
}
