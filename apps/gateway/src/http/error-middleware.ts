import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { OpenAiErrorBody } from '@tollgate/schemas';
import { toGatewayError } from '../errors/to-gateway-error';

/**
 * The one place errors become responses: `{"error":{"message","type","param","code"}}` with the error's status.
 * Server-side failures are logged with their cause and the request id.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, _request, response, _next) => {
    const gatewayError = toGatewayError(error);
    const requestId = response.locals['requestId'] as string | undefined;
    if (gatewayError.status >= 500) logger.error({ err: error, requestId }, gatewayError.message);
    if (response.headersSent) {
      response.end();
      return;
    }
    const body: OpenAiErrorBody = {
      error: { message: gatewayError.message, type: gatewayError.type, param: gatewayError.param, code: gatewayError.code },
    };
    response.status(gatewayError.status).set(gatewayError.headers).json(body);
  };
}
