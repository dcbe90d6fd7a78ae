import { isDatabaseUnavailableError } from '@tollgate/db';
import { ProviderError, ProviderUnavailableError, UnknownModelError, UnsupportedSettingError } from '@tollgate/providers';
import { databaseUnavailable, GatewayError, invalidRequest } from './gateway-error';
import { describeProviderFailure, isValidationStatus, mentionsCredentials } from './provider-failure-message';

/** Longest provider validation message passed on to the caller. */
const MAX_UPSTREAM_MESSAGE_LENGTH = 1_000;

/**
 * Maps anything thrown while serving a request (or met mid-stream) to the GatewayError the caller sees. Only what
 * the caller can act on is passed on: a provider's own message only when it rejected the request itself (400, 404,
 * 413, 422); otherwise the message says which provider or dependency failed and how, and the cause is withheld
 * (`causeWithheld`) for the log.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof UnknownModelError) return invalidRequest(error.message, 'model', 'model_not_found');
  if (error instanceof UnsupportedSettingError) {
    return invalidRequest(`${error.message} (strict mode: x-tollgate-strict)`, error.setting, 'unsupported_parameter');
  }
  if (error instanceof ProviderUnavailableError) {
    // Which setting is missing is the operator's business: it is in the log, not in the answer.
    return new GatewayError({
      status: 503,
      type: 'service_unavailable',
      code: 'provider_not_configured',
      message: `${error.provider} is not configured on this gateway`,
      cause: error,
      causeWithheld: true,
    });
  }
  if (error instanceof ProviderError) return fromProviderError(error);
  if (isDatabaseUnavailableError(error)) return databaseUnavailable(error);
  // Express could not percent-decode a path parameter (e.g. %ED%A0%80, a lone surrogate): the caller's URL is wrong.
  if (error instanceof URIError) return invalidRequest('The request path is not valid percent-encoded UTF-8.', null, 'invalid_path');
  return new GatewayError({
    status: 500,
    type: 'api_error',
    code: 'internal_error',
    message: 'Internal error; the request id identifies it in the logs.',
    cause: error,
    causeWithheld: true,
  });
}

function fromProviderError(error: ProviderError): GatewayError {
  const headers: Record<string, string> = {};
  const retryAfterSeconds = error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const hidden = { message: describeProviderFailure(error, retryAfterSeconds), cause: error, causeWithheld: true, headers };
  // upstream_connect_timeout, upstream_first_byte_timeout, upstream_idle_timeout
  if (error.timeout) return new GatewayError({ ...hidden, status: 504, type: 'timeout_error', code: `upstream_${error.timeout}_timeout` });
  if (error.statusCode === 429) return new GatewayError({ ...hidden, status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited' });
  if (isValidationStatus(error.statusCode) && !mentionsCredentials(error.message)) {
    // The provider refused the request itself: its words tell the caller what to fix.
    return new GatewayError({
      message: error.message.slice(0, MAX_UPSTREAM_MESSAGE_LENGTH),
      cause: error,
      headers,
      status: 400,
      type: 'invalid_request_error',
      code: error.upstreamCode ?? 'upstream_rejected_request',
    });
  }
  if (error.statusCode === 401 || error.statusCode === 403 || isValidationStatus(error.statusCode)) {
    // The provider refused tollgate's own credentials: the caller cannot fix that.
    return new GatewayError({ ...hidden, status: 502, type: 'api_error', code: 'upstream_auth_failed' });
  }
  if (error.statusCode === 503 || error.statusCode === 529) {
    return new GatewayError({ ...hidden, status: 503, type: 'overloaded_error', code: 'upstream_overloaded' });
  }
  return new GatewayError({ ...hidden, status: 502, type: 'api_error', code: error.statusCode === 0 ? 'upstream_connection_error' : 'upstream_error' });
}
