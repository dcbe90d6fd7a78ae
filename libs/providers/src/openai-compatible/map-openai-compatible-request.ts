import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { SettingWarning } from '../chat-model';
import { UnsupportedSettingError } from '../provider-error';
import type { OpenAiCompatibleQuirks } from './openai-compatible-api';
import { mapOpenAiCompatibleMessages } from './map-openai-compatible-messages';

/**
 * Fields that steer the gateway itself and are never forwarded. The caller's output limits are among them: the
 * gateway turned them into the output budget it reserved, and that budget is what goes upstream. `plugins` are
 * OpenRouter's, reported unsupported by the gateway before any provider is chosen.
 */
const GATEWAY_FIELDS = new Set<keyof ChatCompletionRequest>(['models', 'stream', 'stream_options', 'model', 'max_tokens', 'max_completion_tokens', 'plugins']);

/**
 * The upstream request body for an OpenAI-compatible provider: the caller's request with the upstream model id,
 * the output budget (`maxOutputTokens`) under the provider's field for it, the provider's spelling of renamed
 * fields, unsupported fields dropped (each reported as a warning, or refused when `strict`), the conversation in the
 * shape the provider accepts, and usage requested on streams where the provider takes the option.
 */
export function mapOpenAiCompatibleRequest(
  request: ChatCompletionRequest,
  input: {
    upstreamModelId: string;
    stream: boolean;
    quirks: OpenAiCompatibleQuirks;
    provider: string;
    /** The output budget the gateway reserved; sent as is. */
    maxOutputTokens: number;
    strict?: boolean;
  },
): { body: Record<string, unknown>; warnings: SettingWarning[] } {
  const { quirks, provider } = input;
  const warnings: SettingWarning[] = [];
  /** A setting that cannot be sent: refused in strict mode, else dropped with a warning saying why. */
  const report = (setting: string, reason = `${setting} is not supported by ${provider}`) => {
    if (input.strict) throw new UnsupportedSettingError(setting, reason);
    warnings.push({ setting, message: `${reason} and was not sent` });
  };
  const body: Record<string, unknown> = { model: input.upstreamModelId, [quirks.maxTokensField]: input.maxOutputTokens };
  for (const [key, value] of Object.entries(request) as Array<[keyof ChatCompletionRequest, unknown]>) {
    if (GATEWAY_FIELDS.has(key) || value === undefined) continue;
    if (quirks.unsupportedSettings.includes(key)) {
      report(key);
      continue;
    }
    if (key === 'messages') {
      body['messages'] = mapOpenAiCompatibleMessages(request.messages, quirks, (setting) => report(setting));
      continue;
    }
    body[quirks.renamedSettings?.[key] ?? key] = value;
  }
  if (request.tool_choice === 'required' && quirks.requiredToolChoice) body['tool_choice'] = quirks.requiredToolChoice;
  if (input.stream) {
    body['stream'] = true;
    if (quirks.streamUsageOption) body['stream_options'] = { include_usage: true };
  }
  return { body, warnings };
}
