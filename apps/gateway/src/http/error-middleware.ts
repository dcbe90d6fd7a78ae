import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import type { AnthropicErrorBody, OpenAiErrorBody } from '@tollgate/schemas';
import type { GatewayError } from '../errors/gateway-error';
import type { Caller } from '../auth/caller';
import { rateLimitHeaders, type LimitState } from '../admission/rate-limit-headers';
import { toGatewayError } from '../errors/to-gateway-error';
import { anthropicErrorType } from '../wire/anthropic-message-stream';

/** Routes that speak Anthropic's API answer errors in Anthropic's shape. */
function speaksAnthropic(request: Request): boolean {
  return request.path === '/v1/messages' || request.path.startsWith('/v1/messages/');
}

/** Routes LightningProx's clients call: without `anthropic-version` they get LightningProx's flat errors. */
const LIGHTNINGPROX_ROUTES = new Set(['/v1/messages', '/v1/balance', '/v1/topup', '/v1/invoice', '/v1/tokens']);

/**
 * LightningProx's clients send no `anthropic-version` (every Anthropic SDK does, and Anthropic's API refuses a request
 * without it) and read errors as `new Error(body.error)`: they get `{"error":"<message>","code":"…"}`, a string.
 */
function speaksLightningProx(request: Request): boolean {
  return LIGHTNINGPROX_ROUTES.has(request.path) && request.get('anthropic-version') === undefined;
}

function renderError(request: Request, error: GatewayError): OpenAiErrorBody | AnthropicErrorBody | LightningProxErrorBody {
  if (speaksLightningProx(request)) return { error: error.message, code: error.code ?? error.type };
  if (speaksAnthropic(request)) return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/** LightningProx's error body. */
interface LightningProxErrorBody {
  error: string;
  code: string;
}

/**
 * The one place errors become responses: `{"error":{"message","type","param","code"}}` with the error's status
 * (`{"type":"error","error":{"type","message"}}` on /v1/messages; `{"error","code"}` on /v1/messages and
 * /v1/balance for LightningProx's clients, which send no `anthropic-version`). Server-side failures are logged with their
 * cause and the request id. An authenticated caller's error carries its rate-limit headers too.
 */
export function errorMiddleware(logger: Logger, peekLimits: (caller: Caller) => Promise<LimitState | null>): ErrorRequestHandler {
  return async (error, request, response, _next) => {
    const requestId = response.locals['requestId'] as string | undefined;
    if (response.destroyed || request.socket.destroyed) {
      // The caller left (the request is metered as partial elsewhere); there is no one to answer.
      logger.info({ requestId, reason: (error as Error)?.message }, 'caller disconnected before the answer');
      return;
    }
    const gatewayError = toGatewayError(error);
    const accountId = (response.locals['caller'] as Caller | undefined)?.accountId;
    if (gatewayError.status >= 500) logger.error({ err: error, requestId, accountId }, gatewayError.message);
    // The caller was told less than the provider said (e.g. about tollgate's own provider account): keep it for operators.
    else if (gatewayError.causeWithheld) logger.warn({ err: error, requestId, accountId }, gatewayError.message);
    if (response.headersSent) {
      response.end();
      return;
    }
    // An authenticated caller refused before admission (a bad request) still learns its rate-limit state; not when
    // the state itself could not be read (funds_unavailable: asking again would only wait for Redis once more).
    const caller = response.locals['caller'] as Caller | undefined;
    if (caller && !response.locals['limitsReported'] && gatewayError.code !== 'funds_unavailable') {
      const state = await peekLimits(caller);
      if (state && !response.headersSent) response.set(rateLimitHeaders(state));
    }
    if (response.headersSent || response.destroyed) return;
    response.status(gatewayError.status).set(gatewayError.headers).json(gatewayError.body ?? renderError(request, gatewayError));
  };
}
