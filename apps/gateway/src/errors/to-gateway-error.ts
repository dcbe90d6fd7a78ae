import { ProviderError, ProviderUnavailableError, UnknownModelError, UnsupportedSettingError } from '@tollgate/providers';
import { GatewayError, invalidRequest } from './gateway-error';

/**
 * Maps anything thrown while serving a request to the GatewayError the caller sees. Upstream errors keep the
 * provider's message (it tells the caller what to fix) under tollgate's own status mapping.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof UnknownModelError) return invalidRequest(error.message, 'model', 'model_not_found');
  if (error instanceof UnsupportedSettingError) {
    return invalidRequest(`${error.message} (strict mode: x-tollgate-strict)`, error.setting, 'unsupported_parameter');
  }
  if (error instanceof ProviderUnavailableError) {
    return new GatewayError({ status: 503, type: 'service_unavailable', code: 'provider_not_configured', message: error.message, cause: error });
  }
  if (error instanceof ProviderError) return fromProviderError(error);
  return new GatewayError({ status: 500, type: 'api_error', code: 'internal_error', message: 'Internal error; the request id identifies it in the logs.', cause: error });
}

function fromProviderError(error: ProviderError): GatewayError {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  const base = { message: error.message, cause: error, headers };
  // upstream_connect_timeout, upstream_first_byte_timeout, upstream_idle_timeout
  if (error.timeout) return new GatewayError({ ...base, status: 504, type: 'timeout_error', code: `upstream_${error.timeout}_timeout` });
  if (error.statusCode === 429) return new GatewayError({ ...base, status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited' });
  if (error.statusCode === 400 || error.statusCode === 404 || error.statusCode === 413 || error.statusCode === 422) {
    return new GatewayError({ ...base, status: 400, type: 'invalid_request_error', code: error.upstreamCode ?? 'upstream_rejected_request' });
  }
  if (error.statusCode === 401 || error.statusCode === 403) {
    // The provider refused tollgate's own credentials: the caller cannot fix that.
    return new GatewayError({ ...base, status: 502, type: 'api_error', code: 'upstream_auth_failed' });
  }
  if (error.statusCode === 503 || error.statusCode === 529) {
    return new GatewayError({ ...base, status: 503, type: 'overloaded_error', code: 'upstream_overloaded' });
  }
  return new GatewayError({ ...base, status: 502, type: 'api_error', code: error.statusCode === 0 ? 'upstream_connection_error' : 'upstream_error' });
}
