import { Router, type RequestHandler } from 'express';
import { IdempotencyConflictError, InvalidPaymentError, listPayments, PaymentOutOfRangeError, recordPayment, type PaymentKind } from '@tollgate/db';
import { settlementBodySchema, topupBodySchema } from '@tollgate/schemas';
import { z } from 'zod';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import { parseBody } from '../http/validate-request-body';
import { actorOf } from './admin-auth';
import type { AdminDeps } from './admin-deps';
import { notFound, parseQuery, pathId } from './admin-input';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

const paymentsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

/**
 * Money in: `POST /accounts/:id/topups` (prepaid credit) and `POST /accounts/:id/settlements` (debt paid, with its
 * reference). Each lowers the account's debt through a ledger entry, and is idempotent by `Idempotency-Key`: the same
 * key with the same body answers the first result again (200, `replayed: true`), with another body 409. The new debt
 * is published to the funds view at once, so the caller's requests are admitted against the raised funds.
 */
export function paymentRoutes(deps: AdminDeps, body: RequestHandler): Router {
  const router = Router();

  const record = (kind: PaymentKind): RequestHandler => async (request, response) => {
    const id = pathId(request);
    const input = parseBody(kind === 'topup' ? topupBodySchema : settlementBodySchema, request.body);
    const idempotencyKey = request.get('idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw invalidRequest('Idempotency-Key must be 1 to 200 visible ASCII characters.', 'Idempotency-Key', 'invalid_value');
    }
    let recorded;
    try {
      recorded = await recordPayment(deps.prisma, { accountId: id, kind, ...input, idempotencyKey, actor: actorOf(response) });
    } catch (error) {
      if (error instanceof IdempotencyConflictError) {
        throw new GatewayError({ status: 409, type: 'invalid_request_error', code: 'idempotency_key_reused', param: 'Idempotency-Key', message: error.message });
      }
      if (error instanceof PaymentOutOfRangeError) throw invalidRequest(error.message, 'amount', 'amount_out_of_range');
      // The ledger's own checks, should they refuse what the body schema let through: the caller's input, a 400.
      if (error instanceof InvalidPaymentError) throw invalidRequest(error.message, null, 'invalid_payment');
      throw error;
    }
    if (!recorded) throw notFound('account', id);
    if (!recorded.replayed) await deps.refreshFunds(id);
    const { debtVersion: _version, ...account } = recorded.account;
    response.status(recorded.replayed ? 200 : 201).json({ payment: recorded.payment, account, replayed: recorded.replayed });
  };

  router.post('/accounts/:id/topups', body, record('topup'));
  router.post('/accounts/:id/settlements', body, record('settlement'));
  router.get('/accounts/:id/payments', async (request, response) => {
    const id = pathId(request);
    const query = parseQuery(paymentsQuerySchema, request);
    let page;
    try {
      page = await listPayments(deps.prisma, id, query);
    } catch (error) {
      // The only caller input listPayments can refuse here is the cursor (the limit was checked above).
      if (error instanceof InvalidPaymentError) throw invalidRequest('This cursor was not given out by a listing.', 'cursor', 'invalid_value');
      throw error;
    }
    response.json({ data: page.payments, nextCursor: page.nextCursor });
  });
  return router;
}
