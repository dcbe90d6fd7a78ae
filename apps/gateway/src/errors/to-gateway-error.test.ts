import { ProviderError, ProviderUnavailableError, UnknownModelError } from '@tollgate/providers';
import { GatewayError } from './gateway-error';
import { toGatewayError } from './to-gateway-error';

const OPENAI_401 = 'openai returned 401: Incorrect API key provided: sk-proj-********************abcd. You can find your API key at https://platform.openai.com/account/api-keys.';
const OPENAI_429 = 'openai returned 429: Rate limit reached for gpt-4o-mini in organization org-AbCdEf123456 on requests per min (RPM): Limit 500, Used 500.';

const providerError = (init: Partial<ConstructorParameters<typeof ProviderError>[0]> & { statusCode: number }) =>
  new ProviderError({ provider: 'openai', message: `openai returned ${init.statusCode}: upstream words`, ...init });

describe('toGatewayError', () => {
  it('401/403: says the provider refused tollgate\'s credentials, never the provider\'s text', () => {
    for (const statusCode of [401, 403]) {
      const error = toGatewayError(providerError({ statusCode, message: OPENAI_401 }));
      expect(error).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_auth_failed', causeWithheld: true });
      expect(error.message).toBe(`openai rejected tollgate's credentials (HTTP ${statusCode})`);
      expect((error.cause as Error).message).toBe(OPENAI_401); // kept for the log
    }
  });

  it('429: says the provider is rate limiting tollgate and when to retry, without the organization', () => {
    const withWait = toGatewayError(providerError({ statusCode: 429, message: OPENAI_429, retryAfterMs: 2_500 }));
    expect(withWait).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited', headers: { 'retry-after': '3' } });
    expect(withWait.message).toBe('openai is rate limiting tollgate (HTTP 429); retry after 3 s');
    const withoutWait = toGatewayError(providerError({ statusCode: 429, message: OPENAI_429 }));
    expect(withoutWait.message).toBe('openai is rate limiting tollgate (HTTP 429); retry shortly');
    expect(withoutWait.headers).toEqual({});
  });

  it('503/529: overloaded, naming the provider', () => {
    for (const statusCode of [503, 529]) {
      const error = toGatewayError(new ProviderError({ provider: 'anthropic', statusCode, message: 'anthropic returned 529: Overloaded (request req_abc, workspace wrk_123)' }));
      expect(error).toMatchObject({ status: 503, type: 'overloaded_error', code: 'upstream_overloaded', message: `anthropic is overloaded (HTTP ${statusCode})` });
    }
  });

  it('other 5xx and unexpected statuses: which provider failed and the status', () => {
    for (const statusCode of [500, 502, 504, 408, 409, 402]) {
      const error = toGatewayError(new ProviderError({ provider: 'together', statusCode, message: `together returned ${statusCode}: internal trace id 123 for account acct_456` }));
      expect(error).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_error', message: `together failed (HTTP ${statusCode})`, causeWithheld: true });
    }
  });

  it('timeouts and connection failures: which provider and how', () => {
    const cases = [
      [{ timeout: 'connect' as const, statusCode: 504 }, 504, 'upstream_connect_timeout', 'google did not accept a connection in time (connect timeout)'],
      [{ timeout: 'first_byte' as const, statusCode: 504 }, 504, 'upstream_first_byte_timeout', 'google timed out before the first byte'],
      [{ timeout: 'idle' as const, statusCode: 504 }, 504, 'upstream_idle_timeout', 'google stopped sending mid-answer (idle timeout)'],
      [{ statusCode: 0 }, 502, 'upstream_connection_error', 'google connection failed'],
    ] as const;
    for (const [init, status, code, message] of cases) {
      const error = toGatewayError(new ProviderError({ provider: 'google', message: 'google: connection failed: getaddrinfo ENOTFOUND internal-proxy.corp:8443', ...init }));
      expect(error).toMatchObject({ status, code, message });
    }
  });

  it('400/404/413/422: the provider\'s validation message is passed on (it tells the caller what to fix)', () => {
    for (const statusCode of [400, 404, 413, 422]) {
      const message = `mistral returned ${statusCode}: body.temperature: Input should be less than or equal to 1.5`;
      const error = toGatewayError(new ProviderError({ provider: 'mistral', statusCode, message, upstreamCode: 'invalid_request_error' }));
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_request_error', message, causeWithheld: false });
    }
    const long = toGatewayError(providerError({ statusCode: 400, message: 'x'.repeat(100_000) }));
    expect(long.message.length).toBeLessThanOrEqual(1_000);
  });

  it('a "validation" status whose message is about credentials is treated as a credentials failure', () => {
    const gemini = toGatewayError(new ProviderError({ provider: 'google', statusCode: 400, message: 'google returned 400: API key not valid. Please pass a valid API key.', upstreamCode: 'INVALID_ARGUMENT' }));
    expect(gemini).toMatchObject({ status: 502, code: 'upstream_auth_failed', message: "google rejected tollgate's credentials (HTTP 400)" });
    const openai = toGatewayError(providerError({ statusCode: 404, message: 'openai returned 404: The model does not exist in organization org-AbCdEf123456' }));
    expect(openai.message).not.toContain('org-');
  });

  it('mid-stream error parts follow the same rule (the SSE error event carries this message)', () => {
    const error = toGatewayError(new ProviderError({ provider: 'anthropic', statusCode: 529, message: 'anthropic stream error: Overloaded', upstreamCode: 'overloaded_error' }));
    expect(error.message).toBe('anthropic is overloaded (HTTP 529)');
    const streamed = toGatewayError(new ProviderError({ provider: 'openai', statusCode: 502, message: 'openai stream error: The server had an error processing your request (org-AbCdEf123456)' }));
    expect(streamed.message).toBe('openai failed (HTTP 502)');
  });

  it('an unconfigured provider: 503 saying so, without naming the setting (kept for the log)', () => {
    const error = toGatewayError(new ProviderUnavailableError('anthropic', 'ANTHROPIC_API_KEY'));
    expect(error).toMatchObject({ status: 503, type: 'service_unavailable', code: 'provider_not_configured', message: 'anthropic is not configured on this gateway', causeWithheld: true });
    expect(error.message).not.toContain('ANTHROPIC_API_KEY');
    expect((error.cause as Error).message).toContain('ANTHROPIC_API_KEY');
  });

  it('anything else is a 500 with no detail; gateway errors and unknown models pass through', () => {
    const internal = toGatewayError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(internal).toMatchObject({ status: 500, type: 'api_error', code: 'internal_error', causeWithheld: true });
    expect(internal.message).not.toContain('secret');
    const own = new GatewayError({ status: 402, type: 'insufficient_funds', message: 'no money' });
    expect(toGatewayError(own)).toBe(own);
    expect(toGatewayError(new UnknownModelError('nope'))).toMatchObject({ status: 400, param: 'model', code: 'model_not_found' });
  });
});
