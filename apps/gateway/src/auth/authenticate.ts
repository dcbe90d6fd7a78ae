import { hashApiKey, SPEND_TOKEN_PREFIX } from '@tollgate/db';
import type { NextFunction, Request, Response } from 'express';
import { authenticationError } from '../errors/gateway-error';
import type { Caller } from './caller';
import type { KeyOwnerCache } from './key-owner-cache';

/** The credential a request presents: `Authorization: Bearer`, `x-api-key` or `X-Spend-Token`. */
export function presentedCredential(request: Request): string | undefined {
  const authorization = request.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  return request.get('x-spend-token') ?? request.get('x-api-key') ?? undefined;
}

/** Authenticates API keys and spend tokens (stored as SHA-256 hashes) through the in-process cache; 401 when it fails. */
export function authenticate(cache: KeyOwnerCache, now: () => number = Date.now) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const credential = presentedCredential(request);
    if (!credential) {
      return next(authenticationError('Missing API key: send it as "Authorization: Bearer <key>", "x-api-key" or "X-Spend-Token".', 'missing_api_key'));
    }
    const owner = await cache.get(hashApiKey(credential));
    if (!owner) return next(authenticationError('Invalid API key.'));
    if (owner.revoked) return next(authenticationError('This API key has been revoked.', 'revoked_api_key'));
    if (owner.expiresAt && owner.expiresAt.getTime() <= now()) return next(authenticationError('This API key has expired.', 'expired_api_key'));
    const caller: Caller = {
      accountId: owner.accountId,
      apiKeyId: owner.apiKeyId,
      authMethod: credential.startsWith(SPEND_TOKEN_PREFIX) ? 'spend-token' : 'api-key',
      creditLimit: owner.creditLimit,
      expiresAt: owner.expiresAt,
    };
    response.locals['caller'] = caller;
    next();
  };
}
