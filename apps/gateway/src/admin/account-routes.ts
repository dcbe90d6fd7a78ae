import { Router, type RequestHandler } from 'express';
import { adminCreateAccount, adminIssueKey, adminRevokeKey, adminUpdateAccount, getAccountView, InvalidCursorError, listAccounts, listKeys, type AccountChange } from '@tollgate/db';
import { catalogModelId, createAccountBodySchema, issueKeyBodySchema, listAccountsQuerySchema, updateAccountBodySchema } from '@tollgate/schemas';
import { invalidRequest } from '../errors/gateway-error';
import { parseBody } from '../http/validate-request-body';
import { actorOf } from './admin-auth';
import type { AdminDeps } from './admin-deps';
import { notFound, parseQuery, pathId } from './admin-input';

/**
 * A key's allowlist as catalog ids: each name (id, upstream id or alias) resolved through the catalog, since requests
 * are checked after alias resolution; a name the catalog does not know is a 400 naming it, not a key that silently
 * allows nothing.
 */
function allowedModelIds(deps: AdminDeps, names: readonly string[]): string[] {
  const ids: string[] = [];
  for (const [index, name] of names.entries()) {
    const id = deps.catalog ? deps.catalog.find(name)?.id : catalogModelId.safeParse(name).success ? name : undefined;
    if (!id) throw invalidRequest(`models[${index}]: ${name} is not a model of this gateway's catalog (GET /v1/models lists them)`, `models.${index}`, 'unknown_model');
    ids.push(id);
  }
  return ids;
}

/** Accounts and their keys: list, read, create, change, suspend and resume; issue and revoke keys. */
export function accountRoutes(deps: AdminDeps, body: RequestHandler): Router {
  const router = Router();
  const { prisma } = deps;

  router.get('/accounts', async (request, response) => {
    const query = parseQuery(listAccountsQuerySchema, request);
    try {
      const page = await listAccounts(prisma, query);
      response.json({ data: page.accounts, nextCursor: page.nextCursor });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw invalidRequest('This cursor was not given out by a listing.', 'cursor', 'invalid_value');
      throw error;
    }
  });

  router.post('/accounts', body, async (request, response) => {
    const body = parseBody(createAccountBodySchema, request.body);
    const created = await adminCreateAccount(prisma, actorOf(response), body);
    response.status(201).json(created);
  });

  router.get('/accounts/:id', async (request, response) => {
    const id = pathId(request);
    const account = await getAccountView(prisma, id);
    if (!account) throw notFound('account', id);
    response.json(account);
  });

  async function change(id: string, actor: string, accountChange: AccountChange) {
    const account = await adminUpdateAccount(prisma, actor, id, accountChange);
    if (!account) throw notFound('account', id);
    await deps.invalidate({ accountId: id });
    return account;
  }

  router.patch('/accounts/:id', body, async (request, response) => {
    const id = pathId(request);
    response.json(await change(id, actorOf(response), parseBody(updateAccountBodySchema, request.body)));
  });
  router.post('/accounts/:id/suspend', async (request, response) => {
    response.json(await change(pathId(request), actorOf(response), { suspended: true }));
  });
  router.post('/accounts/:id/resume', async (request, response) => {
    response.json(await change(pathId(request), actorOf(response), { suspended: false }));
  });

  router.get('/accounts/:id/keys', async (request, response) => {
    const id = pathId(request);
    if (!(await getAccountView(prisma, id))) throw notFound('account', id);
    response.json({ data: await listKeys(prisma, id) });
  });

  router.post('/accounts/:id/keys', body, async (request, response) => {
    const id = pathId(request);
    const body = parseBody(issueKeyBodySchema, request.body);
    const expiresAt = body.expiresInDays === undefined ? undefined : new Date(Date.now() + body.expiresInDays * 86_400_000);
    const models = body.models && allowedModelIds(deps, body.models);
    const issued = await adminIssueKey(prisma, actorOf(response), id, { name: body.name, expiresAt, models, spendCap: body.spendCap });
    if (!issued) throw notFound('account', id);
    response.status(201).json(issued);
  });

  router.post('/keys/:id/revoke', async (request, response) => {
    const id = pathId(request);
    const revoked = await adminRevokeKey(prisma, actorOf(response), id);
    if (!revoked) throw notFound('key', id);
    await deps.invalidate({ apiKeyId: id });
    response.json(revoked.key);
  });

  return router;
}
