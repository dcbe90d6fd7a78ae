import { Agent, request } from 'undici';
import { LightningBackendError } from './lightning-backend';

/** How to reach a Lightning node's HTTP API. */
export interface LightningHttp {
  backend: string;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** A pool trusting the node's own TLS certificate (LND's is self-signed), when one is configured. */
  agent?: Agent;
}

/** A Lightning node's HTTP answer: its status and its body parsed as JSON (undefined when it is not JSON). */
export interface LightningAnswer {
  statusCode: number;
  body: unknown;
}

/**
 * One call to a Lightning node, bounded by `timeoutMs` from start to the end of the body. Network failures and
 * timeouts become a LightningBackendError naming the backend; an HTTP error status is returned for the caller to read.
 */
export async function callLightningNode(http: LightningHttp, method: 'GET' | 'POST', path: string, body?: unknown): Promise<LightningAnswer> {
  const url = `${http.baseUrl.replace(/\/+$/, '')}${path}`;
  try {
    const response = await request(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...http.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(http.timeoutMs),
      ...(http.agent ? { dispatcher: http.agent } : {}),
    });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { statusCode: response.statusCode, body: parsed };
  } catch (error) {
    // Read by shape: undici's errors may come from another realm (a test runner's sandbox).
    const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const reason = timedOut ? `not answering (no answer within ${http.timeoutMs} ms)` : `unreachable (${typeof message === 'string' ? message : String(error)})`;
    throw new LightningBackendError(http.backend, `${http.backend}: the Lightning node is ${reason}`, { cause: error });
  }
}

/** The LightningBackendError for an HTTP error status (credentials refused, or anything else unexpected). */
export function lightningStatusError(backend: string, statusCode: number, action: string): LightningBackendError {
  if (statusCode === 401 || statusCode === 403) return new LightningBackendError(backend, `${backend}: the Lightning node refused tollgate's credentials (HTTP ${statusCode}) to ${action}`);
  return new LightningBackendError(backend, `${backend}: the Lightning node failed to ${action} (HTTP ${statusCode})`);
}
