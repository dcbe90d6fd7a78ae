import type { ChatCompletionRequest, ChatMessage } from '@tollgate/schemas';
import type { SettingWarning } from '../../../chat-model';
import { UnsupportedSettingError } from '../../../provider-error';

/** One turn of an Acme conversation: text only. */
export interface AcmeTurn {
  speaker: 'system' | 'user' | 'assistant';
  text: string;
}

/** Acme's request body. */
export interface AcmeRequestBody {
  engine: string;
  turns: AcmeTurn[];
  /** The output budget the gateway reserved. */
  max_new_tokens: number;
  temperature?: number;
  stream: boolean;
}

/** Fields that steer the gateway itself and are never forwarded (the output limits became the reserved budget). */
const GATEWAY_FIELDS = new Set<string>(['models', 'stream', 'stream_options', 'model', 'max_tokens', 'max_completion_tokens', 'plugins', 'messages']);

/** A message's text; Acme takes no images and no tool calls, which would change the question if dropped: refused. */
function turnOf(message: ChatMessage, provider: string): AcmeTurn {
  if (message.role === 'tool' || (message.role === 'assistant' && message.tool_calls)) {
    throw new UnsupportedSettingError('messages[].tool_calls', `tool calls are not supported by ${provider}`);
  }
  const content = message.content ?? '';
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  const text = parts.map((part) => {
    if (part.type !== 'text') throw new UnsupportedSettingError('messages[].content', `images are not supported by ${provider}`);
    return part.text;
  });
  return { speaker: message.role, text: text.join('') };
}

/**
 * The Acme body for a request: its turns, the output budget as `max_new_tokens`, `temperature`; any other setting is
 * dropped with a warning (refused in strict mode), tools always refused.
 */
export function mapAcmeRequest(
  request: ChatCompletionRequest,
  input: { provider: string; upstreamModelId: string; maxOutputTokens: number; stream: boolean; strict?: boolean },
): { body: AcmeRequestBody; warnings: SettingWarning[] } {
  const warnings: SettingWarning[] = [];
  if (request.tools) throw new UnsupportedSettingError('tools', `tools are not supported by ${input.provider}`);
  for (const [setting, value] of Object.entries(request)) {
    if (GATEWAY_FIELDS.has(setting) || setting === 'temperature' || value === undefined) continue;
    if (input.strict) throw new UnsupportedSettingError(setting, `${setting} is not supported by ${input.provider}`);
    warnings.push({ setting, message: `${setting} is not supported by ${input.provider} and was not sent` });
  }
  const body: AcmeRequestBody = {
    engine: input.upstreamModelId,
    turns: request.messages.map((message) => turnOf(message, input.provider)),
    max_new_tokens: input.maxOutputTokens,
    stream: input.stream,
  };
  if (request.temperature !== undefined && request.temperature !== null) body.temperature = request.temperature;
  return { body, warnings };
}
