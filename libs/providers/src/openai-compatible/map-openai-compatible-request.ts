import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { SettingWarning } from '../chat-model';
import { UnsupportedSettingError } from '../provider-error';
import type { OpenAiCompatibleQuirks } from './openai-compatible-api';
import { mapOpenAiCompatibleMessages } from './map-openai-compatible-messages';

/** Fields that steer the gateway itself and are never forwarded. */
const GATEWAY_FIELDS = new Set<keyof ChatCompletionRequest>(['models', 'stream', 'stream_options', 'model']);

/**
 * The upstream request body for an OpenAI-compatible provider: the caller's request with the upstream model id,
 * the provider's spelling of renamed fields, unsupported fields dropped (each reported as a warning, or refused when
 * `strict`), the conversation in the shape the provider accepts, and usage requested on streams where the provider
 * takes the option.
 */
export function mapOpenAiCompatibleRequest(
  request: ChatCompletionRequest,
  input: { upstreamModelId: string; stream: boolean; quirks: OpenAiCompatibleQuirks; provider: string; strict?: boolean },
): { body: Record<string, unknown>; warnings: SettingWarning[] } {
  const { quirks, provider } = input;
  const warnings: SettingWarning[] = [];
  /** A setting that cannot be sent: refused in strict mode, else dropped with a warning saying why. */
  const report = (setting: string, reason = `${setting} is not supported by ${provider}`, message = `${reason} and was not sent`) => {
    if (input.strict) throw new UnsupportedSettingError(setting, reason);
    warnings.push({ setting, message });
  };
  const body: Record<string, unknown> = { model: input.upstreamModelId };
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
    const target = quirks.renamedSettings?.[key] ?? key;
    const spelledTwice = target !== key && target in request && request[target as keyof ChatCompletionRequest] !== undefined;
    if (spelledTwice) {
      // e.g. max_completion_tokens and max_tokens, both sent as max_tokens: the caller's max_tokens is kept.
      if (request[target as keyof ChatCompletionRequest] !== value) {
        const reason = `${key} and ${target} are one setting at ${provider} and the request gives them different values`;
        report(key, reason, `${reason}: ${target} was sent, ${key} was not`);
      }
      continue;
    }
    body[target] = value;
  }
  if (request.tool_choice === 'required' && quirks.requiredToolChoice) body['tool_choice'] = quirks.requiredToolChoice;
  if (input.stream) {
    body['stream'] = true;
    if (quirks.streamUsageOption) body['stream_options'] = { include_usage: true };
  }
  return { body, warnings };
}
