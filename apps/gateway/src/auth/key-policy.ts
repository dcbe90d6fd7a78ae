import { hashApiKey, isKeyShaped } from '@tollgate/db';
import type { NextFunction, Request, Response } from 'express';
import { presentedCredential } from './authenticate';
import { keyPolicy, type Caller } from './caller';
import type { KeyOwnerCache } from './key-owner-cache';

/**
 * Puts the presented key's policy (model allowlist, spending cap) on a caller that authentication left without
 * one. Authentication builds the caller field by field and does not carry these yet; this reads the same cached
 * owner it just loaded (an LRU hit, no query), and checks it is the caller's own key. Once authentication sets
 * `keyPolicy(owner)` itself, the caller arrives with `allowedModels` set and this does nothing.
 */
export function attachKeyPolicy(cache: KeyOwnerCache) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const caller = response.locals['caller'] as Caller | undefined;
    if (!caller?.apiKeyId || caller.allowedModels !== undefined) return next();
    const credential = presentedCredential(request);
    if (!credential || !isKeyShaped(credential)) return next();
    const owner = await cache.get(hashApiKey(credential));
    if (owner && owner.apiKeyId === caller.apiKeyId) response.locals['caller'] = { ...caller, ...keyPolicy(owner) } satisfies Caller;
    next();
  };
}
