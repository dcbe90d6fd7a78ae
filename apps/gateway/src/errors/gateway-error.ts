/**
 * An error the gateway answers with: HTTP status plus OpenAI's `type`/`code`/`param`. Rendered by the error
 * middleware (OpenAI shape, or Anthropic shape on /v1/messages) and, mid-stream, as an SSE error event.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  /** Extra response headers (e.g. retry-after). */
  readonly headers: Record<string, string>;
  /** A body answered instead of the rendered error: x402's 402 must be its payment requirements, which its clients read. */
  readonly body: unknown;
  /**
   * True when the caller's message leaves out what the cause says (a provider's own words about tollgate's
   * account, a missing setting, a database error): the cause must then be logged, with the request id.
   */
  readonly causeWithheld: boolean;

  constructor(init: {
    status: number;
    type: string;
    message: string;
    code?: string | null;
    param?: string | null;
    headers?: Record<string, string>;
    body?: unknown;
    cause?: unknown;
    causeWithheld?: boolean;
  }) {
    super(init.message, { cause: init.cause });
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
    this.body = init.body;
    this.causeWithheld = init.causeWithheld ?? false;
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError({ status: 400, type: 'invalid_request_error', message, param, code });

export const authenticationError = (message: string, code = 'invalid_api_key') =>
  new GatewayError({ status: 401, type: 'authentication_error', message, code });

/** A dependency the request needs is missing or failing: a 503 the caller may retry (or the operator must fix). */
export const serviceUnavailable = (code: string, message: string, cause?: unknown) =>
  new GatewayError({ status: 503, type: 'service_unavailable', code, message, cause });

/** Postgres cannot be reached or did not answer in time: a 503 the caller may retry; the cause goes to the log. */
export const databaseUnavailable = (cause: unknown) =>
  new GatewayError({
    status: 503,
    type: 'service_unavailable',
    code: 'database_unavailable',
    message: "tollgate's database is unavailable; try again shortly",
    cause,
    causeWithheld: true,
  });
