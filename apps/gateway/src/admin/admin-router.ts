import { Router, type NextFunction, type Request, type Response } from 'express';
import { jsonBody } from '../http/json-body';
import { accountRoutes } from './account-routes';
import { adminAuth } from './admin-auth';
import type { AdminDeps } from './admin-deps';
import { auditRoutes } from './audit-routes';
import { paymentRoutes } from './payment-routes';
import { usageRoutes } from './usage-routes';

/** Admin bodies are small: 64 KiB is plenty. */
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

/** A POST that needs no fields may come without a body (curl -X POST): it is then `{}`; with one, it must be JSON. */
function optionalJsonBody(parse: ReturnType<typeof jsonBody>) {
  return (request: Request, response: Response, next: NextFunction) => {
    const empty = request.headers['transfer-encoding'] === undefined && (request.headers['content-length'] ?? '0') === '0';
    if (empty && request.method === 'POST') {
      request.body = {};
      return next();
    }
    return parse(request, response, next);
  };
}

/** `/admin`: the operators' API, behind the admin token. Every write leaves an audit row. */
export function adminRouter(deps: AdminDeps): Router {
  const router = Router();
  const body = optionalJsonBody(jsonBody(ADMIN_BODY_LIMIT_BYTES));
  router.use(adminAuth(deps.adminToken, deps.accessTokens));
  router.use((_request, response, next) => {
    response.setHeader('cache-control', 'no-store');
    next();
  });
  router.use(accountRoutes(deps, body));
  router.use(paymentRoutes(deps, body));
  router.use(usageRoutes(deps));
  router.use(auditRoutes(deps));
  return router;
}
