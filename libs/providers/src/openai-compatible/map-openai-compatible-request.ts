import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { SettingWarning } from '../chat-model';
import { UnsupportedSettingError } from '../provider-error';
import type { OpenAiCompatibleQuirks } from './openai-compatible-api';

/** Fields that steer the gateway itself and are never forwarded. */
const GATEWAY_FIELDS = new Set<keyof ChatCompletionRequest>(['models', 'stream', 'stream_options', 'model']);

/**
 * The upstream request body for an OpenAI-compatible provider: the caller's request with the upstream model id,
 * the provider's spelling of renamed fields, unsupported fields dropped (each reported as a warning, or refused when
 * `strict`), and usage always requested on streams.
 */
export function mapOpenAiCompatibleRequest(
  request: ChatCompletionRequest,
  input: { upstreamModelId: string; stream: boolean; quirks: OpenAiCompatibleQuirks; provider: string; strict?: boolean },
): { body: Record<string, unknown>; warnings: SettingWarning[] } {
  const { quirks } = input;
  const warnings: SettingWarning[] = [];
  const body: Record<string, unknown> = { model: input.upstreamModelId };
  for (const [key, value] of Object.entries(request) as Array<[keyof ChatCompletionRequest, unknown]>) {
    if (GATEWAY_FIELDS.has(key) || value === undefined) continue;
    if (quirks.unsupportedSettings.includes(key)) {
      const message = `${key} is not supported by ${input.provider} and was not sent`;
      if (input.strict) throw new UnsupportedSettingError(key, `${key} is not supported by ${input.provider}`);
      warnings.push({ setting: key, message });
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
