import express, { type NextFunction, type Request, type Response } from 'express';
import { GatewayError, invalidRequest } from '../errors/gateway-error';

/**
 * `express.json` with the configured size limit, turning its failures into clear errors: 413 for a body over the
 * limit, 400 for malformed JSON or a body that is not JSON.
 */
export function jsonBody(limitBytes: number) {
  const parse = express.json({ limit: limitBytes, strict: true, type: () => true });
  return (request: Request, response: Response, next: NextFunction) => {
    parse(request, response, (error?: unknown) => {
      if (!error) return next();
      const failure = error as { type?: string; status?: number; message?: string };
      if (failure.type === 'entity.too.large') {
        return next(new GatewayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: `Request body is larger than the limit of ${limitBytes} bytes.` }));
      }
      if (failure.type === 'entity.parse.failed') {
        return next(invalidRequest(`Request body is not valid JSON: ${failure.message ?? 'parse error'}`, null, 'invalid_json'));
      }
      if (failure.type === 'encoding.unsupported' || failure.type === 'charset.unsupported') {
        return next(new GatewayError({ status: 415, type: 'invalid_request_error', code: 'unsupported_encoding', message: failure.message ?? 'unsupported encoding' }));
      }
      return next(invalidRequest(failure.message ?? 'could not read the request body', null, 'invalid_body'));
    });
  };
}
