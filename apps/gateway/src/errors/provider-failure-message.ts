import type { ProviderError } from '@tollgate/providers';

/** Upstream statuses that mean "this request is wrong": the provider's message is then the caller's to read. */
export function isValidationStatus(statusCode: number): boolean {
  return statusCode === 400 || statusCode === 404 || statusCode === 413 || statusCode === 422;
}

/**
 * Whether a provider's message is about credentials or names the operator's account (`sk-…`, `org-…`, "API key"):
 * some providers answer a bad key with a 400 (Gemini's "API key not valid"), which must not reach the caller.
 */
export function mentionsCredentials(message: string): boolean {
  return /api[\s_-]?key|x-api-key|credential|\b(?:sk|org|proj)-[\w*.…-]{3,}|\bAIza[\w-]{6,}/i.test(message);
}

/**
 * What the caller is told when a provider fails for a reason that is not their request: which provider and how,
 * in tollgate's words — never the provider's own text, which may describe tollgate's account (key suffix,
 * organization id, quota).
 */
export function describeProviderFailure(error: ProviderError, retryAfterSeconds?: number): string {
  const provider = error.provider;
  switch (error.timeout) {
    case 'connect':
      return `${provider} did not accept a connection in time (connect timeout)`;
    case 'first_byte':
      return `${provider} timed out before the first byte`;
    case 'idle':
      return `${provider} stopped sending mid-answer (idle timeout)`;
    default:
      break;
  }
  const status = error.statusCode;
  if (status === 0) return `${provider} connection failed`;
  if (status === 429) {
    return `${provider} is rate limiting tollgate (HTTP 429); ${retryAfterSeconds === undefined ? 'retry shortly' : `retry after ${retryAfterSeconds} s`}`;
  }
  if (status === 401 || status === 403 || isValidationStatus(status)) return `${provider} rejected tollgate's credentials (HTTP ${status})`;
  if (status === 503 || status === 529) return `${provider} is overloaded (HTTP ${status})`;
  return `${provider} failed (HTTP ${status})`;
}
