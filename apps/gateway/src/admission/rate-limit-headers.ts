import type { AdmitReply } from '@tollgate/redis-state';
import { GatewayError } from '../errors/gateway-error';

/** The tightest request and token limits as the caller is shown them. */
export type LimitState = Pick<AdmitReply, 'requests' | 'tokens'>;

const seconds = (milliseconds: number) => String(Math.ceil(milliseconds / 1000));

/**
 * `X-RateLimit-Limit|Remaining|Reset` for requests and `X-RateLimit-Limit|Remaining|Reset-Tokens` for tokens, per
 * minute; Reset is in whole seconds from now: when the oldest request (or tokens) counted in the window leaves it —
 * on a refusal, when the refused request would fit. Kinds without a limit send no headers.
 */
export function rateLimitHeaders(state: LimitState): Record<string, string> {
  const headers: Record<string, string> = {};
  if (state.requests) {
    headers['x-ratelimit-limit'] = String(state.requests.limit);
    headers['x-ratelimit-remaining'] = String(state.requests.remaining);
    headers['x-ratelimit-reset'] = seconds(state.requests.resetMs);
  }
  if (state.tokens) {
    headers['x-ratelimit-limit-tokens'] = String(state.tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(state.tokens.remaining);
    headers['x-ratelimit-reset-tokens'] = seconds(state.tokens.resetMs);
  }
  return headers;
}

/** 429 for a request over a limit of tollgate's own, with `Retry-After` (whole seconds, at least 1). */
export function rateLimited(reply: AdmitReply, estimatedTokens: number): GatewayError {
  const tooLarge = reply.status === 3;
  const retryAfterMs = tooLarge ? 60_000 : reply.retryAfterMs;
  const message = tooLarge
    ? `This request may use ${estimatedTokens} tokens, more than the limit of ${reply.tokens?.limit} tokens per minute allows; lower max_tokens or the prompt.`
    : `Rate limit exceeded: ${describe(reply)}. Retry after ${seconds(retryAfterMs)} s.`;
  return new GatewayError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message,
    headers: { ...rateLimitHeaders(reply), 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

function describe(reply: AdmitReply): string {
  const parts: string[] = [];
  if (reply.requests && reply.requests.remaining === 0) parts.push(`${reply.requests.limit} requests per minute`);
  if (reply.tokens) parts.push(`${reply.tokens.limit} tokens per minute (${reply.tokens.remaining} left)`);
  return parts.join(', ') || 'per-minute limit';
}
