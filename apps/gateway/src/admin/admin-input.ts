import type { Request } from 'express';
import { z } from 'zod';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import { parseBody } from '../http/validate-request-body';

const uuid = z.uuid();

/** A path id that must be a UUID (400 otherwise: no lookup for what cannot exist). */
export function pathId(request: Request, name = 'id'): string {
  const value = request.params[name];
  if (typeof value !== 'string' || !uuid.safeParse(value).success) throw invalidRequest(`'${name}' must be an id (a UUID).`, name, 'invalid_value');
  return value;
}

/** The query string validated like a body (unknown parameters refused, the first problem named). */
export function parseQuery<T>(schema: z.ZodType<T>, request: Request): T {
  return parseBody(schema, { ...request.query });
}

/** 404 for an id that names nothing. */
export const notFound = (what: string, id: string) =>
  new GatewayError({ status: 404, type: 'invalid_request_error', code: 'not_found', message: `No ${what} ${id}.` });
