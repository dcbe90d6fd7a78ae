import { z } from 'zod';
import { ProviderError } from '../provider-error';

/** Anthropic's error body, the same in an HTTP error response and in a stream's `error` event. */
export const anthropicErrorBodySchema = z
  .object({
    type: z.literal('error'),
    error: z.object({ type: z.string(), message: z.string().optional() }).loose(),
  })
  .loose();
export type AnthropicErrorBody = z.infer<typeof anthropicErrorBodySchema>;

/** The HTTP status Anthropic documents for each error type; a stream `error` event carries only the type. */
const STATUS_BY_ERROR_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Maps an error response (any status ≥ 400) to a ProviderError, keeping the upstream message and error type. */
export function mapAnthropicError(input: { provider: string; statusCode: number; bodyText: string; retryAfterMs?: number }): ProviderError {
  let message = input.bodyText.slice(0, 500) || `HTTP ${input.statusCode}`;
  let upstreamCode: string | undefined;
  const parsed = anthropicErrorBodySchema.safeParse(parseJson(input.bodyText));
  if (parsed.success) {
    message = parsed.data.error.message ?? message;
    upstreamCode = parsed.data.error.type;
  }
  return new ProviderError({
    provider: input.provider,
    message: `${input.provider} returned ${input.statusCode}: ${message}`,
    statusCode: input.statusCode,
    retryAfterMs: input.retryAfterMs,
    upstreamCode,
  });
}

/**
 * Maps a stream's `error` event (e.g. `overloaded_error` after the 200 response began) to a ProviderError, with the
 * status Anthropic would have answered for that error type (502 when the type is unknown).
 */
export function mapAnthropicStreamError(provider: string, body: AnthropicErrorBody): ProviderError {
  return new ProviderError({
    provider,
    message: `${provider} stream error: ${body.error.message ?? body.error.type}`,
    statusCode: STATUS_BY_ERROR_TYPE[body.error.type] ?? 502,
    upstreamCode: body.error.type,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: the text itself is the message
  }
}
