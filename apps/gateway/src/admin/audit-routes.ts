import { Router } from 'express';
import { listAudit } from '@tollgate/db';
import { auditQuerySchema } from '@tollgate/schemas';
import type { AdminDeps } from './admin-deps';
import { parseQuery } from './admin-input';

/** `GET /audit`: every admin write, newest first (who, what, on what, before and after). */
export function auditRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.get('/audit', async (request, response) => {
    const page = await listAudit(deps.prisma, parseQuery(auditQuerySchema, request));
    response.json({ data: page.entries, nextCursor: page.nextCursor });
  });
  return router;
}
