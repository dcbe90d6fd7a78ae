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

  constructor(init: {
    status: number;
    type: string;
    message: string;
    code?: string | null;
    param?: string | null;
    headers?: Record<string, string>;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError({ status: 400, type: 'invalid_request_error', message, param, code });

export const authenticationError = (message: string, code = 'invalid_api_key') =>
  new GatewayError({ status: 401, type: 'authentication_error', message, code });
