import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import type { AnthropicErrorBody, OpenAiErrorBody } from '@tollgate/schemas';
import type { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';
import { anthropicErrorType } from '../wire/anthropic-message-stream';

/** Routes that speak Anthropic's API answer errors in Anthropic's shape. */
function speaksAnthropic(request: Request): boolean {
  return request.path === '/v1/messages' || request.path.startsWith('/v1/messages/');
}

function renderError(request: Request, error: GatewayError): OpenAiErrorBody | AnthropicErrorBody {
  if (speaksAnthropic(request)) return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/**
 * The one place errors become responses: `{"error":{"message","type","param","code"}}` with the error's status
 * (`{"type":"error","error":{"type","message"}}` on /v1/messages). Server-side failures are logged with their
 * cause and the request id.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, request, response, _next) => {
    const requestId = response.locals['requestId'] as string | undefined;
    if (response.destroyed || request.socket.destroyed) {
      // The caller left (the request is metered as partial elsewhere); there is no one to answer.
      logger.info({ requestId, reason: (error as Error)?.message }, 'caller disconnected before the answer');
      return;
    }
    const gatewayError = toGatewayError(error);
    if (gatewayError.status >= 500) logger.error({ err: error, requestId }, gatewayError.message);
    // The caller was told less than the provider said (e.g. about tollgate's own provider account): keep it for operators.
    else if (gatewayError.causeWithheld) logger.warn({ err: error, requestId }, gatewayError.message);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(gatewayError.status).set(gatewayError.headers).json(renderError(request, gatewayError));
  };
}
