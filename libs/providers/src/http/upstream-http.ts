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

/** A keep-alive connection pool for one provider (undici Agent), with that provider's timeouts. */
export function createUpstreamAgent(timeouts: UpstreamTimeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
    connections: 256,
  });
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * POSTs JSON to a provider. Network failures and timeouts become ProviderErrors (status 0 / 504 and retryable);
 * an HTTP error status is returned as is, for the adapter to map with its own error format.
 */
export async function postJson(input: {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  agent: Agent;
}): Promise<UpstreamResponse> {
  try {
    const response = await request(input.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...input.headers },
      body: JSON.stringify(input.body),
      signal: input.signal,
      dispatcher: input.agent,
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw toProviderError(input.provider, error);
  }
}

/** Maps a thrown network error (undici) to a ProviderError; aborts are passed through unchanged. */
export function toProviderError(provider: string, error: unknown): unknown {
  if (error instanceof ProviderError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new ProviderError({ provider, message: `${provider}: connect timeout`, statusCode: 504, isRetryable: true, timeout: 'connect', cause: error });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError) {
    return new ProviderError({ provider, message: `${provider}: no response within the first-byte timeout`, statusCode: 504, isRetryable: true, timeout: 'first_byte', cause: error });
  }
  if (error instanceof undiciErrors.BodyTimeoutError) {
    return new ProviderError({ provider, message: `${provider}: the response stalled (idle timeout)`, statusCode: 504, isRetryable: true, timeout: 'idle', cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ provider, message: `${provider}: connection failed: ${message}`, statusCode: 0, isRetryable: true, cause: error });
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
    throw new ProviderError({ provider, message: `${provider} sent a body that is not JSON`, statusCode: 502, isRetryable: false });
  }
}
