import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Headers every answer carries: its type is never sniffed, it is never framed, it sends no referrer, and (unless a
 * route sets its own, like /topup) its content may load nothing. The API serves JSON and SSE only, so a browser
 * rendering one of its answers as a page is always a mistake worth blocking.
 */
export const securityHeaders: RequestHandler = (_request, response, next) => {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  next();
};

/** Response headers a browser client may read (the request id for support, rate-limit and payment headers). */
const EXPOSED = ['x-tollgate-request-id', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'retry-after', 'payment-required', 'x-payment-response', 'payment-response', 'www-authenticate'];

/**
 * CORS, off by default: only origins listed in CORS_ORIGINS (or `*`) get Access-Control-Allow-Origin, so a browser
 * app (e.g. a web client calling /v1 with its own key or JWT) works only where the operator chose. Credentials are
 * bearer headers, never cookies, so Allow-Credentials is never sent. /admin never answers cross-origin: it is for
 * operators' tools, not pages. A preflight is answered here (204) before any authentication.
 */
export function cors(allowedOrigins: readonly string[]): RequestHandler {
  const anyOrigin = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined;
    const permitted = origin !== undefined && !request.path.startsWith('/admin') && (anyOrigin || allowed.has(origin));
    if (origin !== undefined) response.vary('origin');
    if (permitted) {
      response.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
      response.setHeader('access-control-expose-headers', EXPOSED.join(', '));
    }
    if (!preflight) return next();
    if (permitted) {
      response.setHeader('access-control-allow-methods', 'GET, POST');
      const requested = request.headers['access-control-request-headers'];
      if (requested) response.setHeader('access-control-allow-headers', requested);
      response.setHeader('access-control-max-age', '600');
    }
    response.status(204).end();
  };
}
