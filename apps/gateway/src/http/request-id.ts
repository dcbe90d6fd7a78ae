import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SANE_CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A new gateway request id: the metering job id and ledger key (no ':' — BullMQ forbids it). */
export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, '')}`;
}

/**
 * Gives every request an id. The gateway always makes its own (`res.locals.requestId`, also sent as
 * `x-tollgate-request-id`): billing keys on it, so a caller repeating an id cannot dodge a charge. `x-request-id`
 * echoes the caller's own id when it sent a sane one, and is the gateway's id otherwise.
 */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const requestId = newRequestId();
  const clientId = request.get('x-request-id');
  const clientRequestId = clientId && SANE_CLIENT_ID.test(clientId) ? clientId : undefined;
  response.locals['requestId'] = requestId;
  response.locals['clientRequestId'] = clientRequestId;
  response.setHeader('x-request-id', clientRequestId ?? requestId);
  response.setHeader('x-tollgate-request-id', requestId);
  next();
}
