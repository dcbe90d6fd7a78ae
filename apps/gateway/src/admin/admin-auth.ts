import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { isKeyShaped } from '@tollgate/db';
import { authenticationError, GatewayError } from '../errors/gateway-error';
import { AccessTokenError, isJwtShaped, type AccessTokens } from '../auth/access-tokens';

/** The scope a tollgate JWT needs on /admin. */
export const ADMIN_SCOPE = 'admin';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** A label the operator may add (`X-Tollgate-Actor: alice`) to say who used the shared token, for the audit log. */
const ACTOR_LABEL = /^[A-Za-z0-9_.@ -]{1,64}$/;

const forbidden = (code: string, message: string) => new GatewayError({ status: 403, type: 'permission_error', code, message });

/**
 * Guards `/admin`: only `Authorization: Bearer <ADMIN_TOKEN>` gets in — or, with `accessTokens`, a tollgate JWT whose
 * scope contains `admin` (actor `jwt:<sub>`; a JWT without it → 403, an invalid or expired one → 401). The token is compared as SHA-256 digests with
 * `timingSafeEqual`, so neither its length nor its content leaks through timing. No token configured → 403 for
 * everyone (the admin API is off); no or another bearer → 401; a caller's API key or spend token → 403 (a caller is
 * never an operator). Sets `response.locals.actor` for the audit log.
 */
export function adminAuth(adminToken: string | undefined, accessTokens?: Pick<AccessTokens, 'verify'>) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!expected && !accessTokens) return next(forbidden('admin_disabled', 'The admin API is disabled on this gateway: set ADMIN_TOKEN to enable it.'));
    const header = request.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return next(authenticationError('The admin API needs Authorization: Bearer <ADMIN_TOKEN>.', 'missing_admin_token'));
    const token = match[1];
    if (expected && timingSafeEqual(digest(token), expected)) {
      const label = request.get('x-tollgate-actor');
      response.locals['actor'] = label && ACTOR_LABEL.test(label) ? `admin-token (${label})` : 'admin-token';
      return next();
    }
    if (accessTokens && isJwtShaped(token)) return next(...adminJwt(accessTokens, token, response));
    if (!expected) return next(forbidden('admin_disabled', 'The admin API accepts only admin-scoped JWTs on this gateway: set ADMIN_TOKEN to use a token.'));
    if (isKeyShaped(token)) return next(forbidden('admin_required', 'API keys and spend tokens cannot use the admin API: use the admin token.'));
    return next(authenticationError('Invalid admin token.', 'invalid_admin_token'));
  };
}

/** Checks an admin JWT and sets the actor; the error to pass on, if any. */
function adminJwt(accessTokens: Pick<AccessTokens, 'verify'>, token: string, response: Response): [] | [GatewayError] {
  try {
    const access = accessTokens.verify(token);
    if (!access.scope.includes(ADMIN_SCOPE)) return [forbidden('admin_scope_required', `This access token lacks the "${ADMIN_SCOPE}" scope the admin API needs.`)];
    response.locals['actor'] = `jwt:${access.accountId}`;
    return [];
  } catch (error) {
    if (error instanceof AccessTokenError) return [authenticationError(`Invalid access token: ${error.message}`, `invalid_token_${error.reason}`)];
    throw error;
  }
}

/** Who made the admin request (set by adminAuth). */
export function actorOf(response: Response): string {
  return response.locals['actor'] as string;
}
