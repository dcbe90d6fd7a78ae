import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { ProviderError, parseRetryAfter } from '../provider-error';

/** Timeouts for one provider's connections, in milliseconds. */
export interface UpstreamTimeouts {
  connectMs: number;
  /** Until the response headers arrive. */
  firstByteMs: number;
  /** Longest silence while the body streams. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 };

/**
 * A keep-alive connection pool for one provider (undici Agent), with that provider's timeouts. The number of
 * connections is not capped: a stream holds its connection for as long as the model writes (tens of seconds), so a
 * cap of N made caller N + 1 wait, silently, for a stream to end (measured: 2,000 concurrent streams through a cap of
 * 256 waited up to 5 s for their first byte).
 */
export function createUpstreamAgent(timeouts: UpstreamTimeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
  });
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * POSTs JSON to a provider. Network failures and timeouts become ProviderErrors (status 0 / 504; retryable only when
 * the connection was never made, see `toProviderError`); an HTTP error status is returned as is, for the adapter to
 * map with its own error format.
 */
export async function postJson(input: {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  agent: Agent;
  /** Overrides the agent's first-byte (headers) timeout for this request. */
  headersTimeoutMs?: number;
}): Promise<UpstreamResponse> {
  try {
    const response = await request(input.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...input.headers },
      body: JSON.stringify(input.body),
      signal: input.signal,
      dispatcher: input.agent,
      ...(input.headersTimeoutMs !== undefined ? { headersTimeout: input.headersTimeoutMs } : {}),
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw toProviderError(input.provider, error);
  }
}

/**
 * Error codes of a connection that was never established (DNS, routing, refusal): the request was not sent, so
 * trying again, or another model, is safe.
 */
const CONNECT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** The system calls that fail only before a request is written: resolving the host and opening the socket. */
const CONNECT_SYSCALLS = new Set(['connect', 'getaddrinfo', 'getaddrinfo_async']);

/** OpenSSL's certificate verification failures, as Node reports them during the TLS handshake. */
const TLS_CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** The fields of a thrown value that say what failed; read by shape, as Node's errors may come from another realm. */
function failureFields(error: unknown): { name?: string; message?: string; code?: string; syscall?: string; errors?: unknown[] } {
  if (typeof error !== 'object' || error === null) return {};
  const { name, message, code, syscall, errors } = error as Record<string, unknown>;
  return {
    name: typeof name === 'string' ? name : undefined,
    message: typeof message === 'string' && message !== '' ? message : undefined,
    code: typeof code === 'string' ? code : undefined,
    syscall: typeof syscall === 'string' ? syscall : undefined,
    errors: Array.isArray(errors) ? errors : undefined,
  };
}

/**
 * Whether a network error happened while establishing the connection, before any byte of the request was sent. Node
 * may report the refusal of every address of a host (happy eyeballs) as an AggregateError whose `errors` all are.
 * A TLS handshake failure is one too: undici writes the request only once the handshake is done.
 */
function failedToConnect(error: unknown): boolean {
  const { code, syscall, errors } = failureFields(error);
  if (errors !== undefined && errors.length > 0) return errors.every(failedToConnect);
  if (code !== undefined && CONNECT_ERROR_CODES.has(code)) return true;
  if (syscall !== undefined && CONNECT_SYSCALLS.has(syscall)) return true;
  return code !== undefined && (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || TLS_CERTIFICATE_CODES.has(code));
}

/**
 * Maps a thrown network error (undici) to a ProviderError; aborts are passed through unchanged. What matters is
 * whether the request may have reached the model (`reachedModel`):
 * - the connection was never made (connect timeout, refused, unresolvable or unreachable host, TLS handshake): it
 *   did not, and the error is retryable;
 * - anything after the request was written (no response headers in time, a body that stalls, a socket closed or
 *   reset, a response undici cannot parse): the provider may be generating and billing, so it did, and the error is
 *   not retryable. An unknown failure is counted as one of these: a second generation costs, a refused retry not.
 */
export function toProviderError(provider: string, error: unknown): unknown {
  if (error instanceof ProviderError) return error;
  const fields = failureFields(error);
  if (fields.name === 'AbortError') return error;
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new ProviderError({ provider, message: `${provider}: connect timeout`, statusCode: 504, isRetryable: true, timeout: 'connect', cause: error });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    const message = `${provider}: no response within the first-byte timeout`;
    return new ProviderError({ provider, message, statusCode: 504, timeout: 'first_byte', reachedModel: true, cause: error });
  }
  if (error instanceof undiciErrors.BodyTimeoutError) {
    const message = `${provider}: the response stalled (idle timeout)`;
    return new ProviderError({ provider, message, statusCode: 504, timeout: 'idle', reachedModel: true, cause: error });
  }
  const message = fields.message ?? fields.code ?? fields.name ?? String(error);
  if (failedToConnect(error)) {
    return new ProviderError({ provider, message: `${provider}: connection failed: ${message}`, statusCode: 0, isRetryable: true, cause: error });
  }
  return new ProviderError({ provider, message: `${provider}: connection broken: ${message}`, statusCode: 0, reachedModel: true, cause: error });
}

/** Reads a whole (error or JSON) body as text, at most `limit` bytes. */
export async function readBodyText(body: UpstreamResponse['body'], limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `retry-after` header of a response, in milliseconds. */
export function retryAfterMs(headers: UpstreamResponse['headers']): number | undefined {
  const value = headers['retry-after'];
  return parseRetryAfter(Array.isArray(value) ? value[0] : value);
}

/** Turns an upstream error response into the provider's ProviderError (each provider has its own error body). */
export type UpstreamErrorMapper = (input: { provider: string; statusCode: number; bodyText: string; retryAfterMs?: number }) => ProviderError;

/** POSTs JSON like `postJson` and returns only a successful response: an HTTP error status becomes `mapError`'s ProviderError. */
export async function postJsonOk(input: Parameters<typeof postJson>[0] & { mapError: UpstreamErrorMapper }): Promise<UpstreamResponse> {
  const response = await postJson(input);
  if (response.statusCode < 400) return response;
  const bodyText = await readBodyText(response.body).catch(() => '');
  throw input.mapError({ provider: input.provider, statusCode: response.statusCode, bodyText, retryAfterMs: retryAfterMs(response.headers) });
}

/** Reads a whole JSON response body (up to 64 MiB); a broken connection or a body that is not JSON is a ProviderError. */
export async function readJsonBody(provider: string, body: UpstreamResponse['body']): Promise<unknown> {
  const text = await readBodyText(body, 64 * 1024 * 1024).catch((error: unknown) => {
    throw toProviderError(provider, error);
  });
  try {
    return JSON.parse(text);
  } catch {
    // A 200 with a body that is not an answer: the model may have generated (and billed) it all the same.
    throw new ProviderError({ provider, message: `${provider} sent a body that is not JSON`, statusCode: 502, reachedModel: true });
  }
}
