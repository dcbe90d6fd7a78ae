import { Router } from 'express';
import { jsonBody, optionalJsonBody } from '../http/read-json-body';
import { accountRoutes } from './account-routes';
import { adminAuth } from './admin-auth';
import type { AdminDeps } from './admin-deps';
import { auditRoutes } from './audit-routes';
import { paymentRoutes } from './payment-routes';
import { usageRoutes } from './usage-routes';

/** Admin bodies are small: 64 KiB is plenty. */
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

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
