import { hashApiKey, isKeyShaped, SPEND_TOKEN_PREFIX } from '@tollgate/db';
import type { NextFunction, Request, Response } from 'express';
import { authenticationError, GatewayError } from '../errors/gateway-error';
import { keyPolicy, type Caller } from './caller';
import { l402Caller, type L402Deps } from '../l402/l402-gate';
import type { KeyOwnerCache } from './key-owner-cache';
import { isJwtShaped } from './access-tokens';
import { jwtCaller, type JwtAuthentication } from './jwt-callers';
import { walletHeaderHint } from './sign-in-hint';

/**
 * What a client without a credential sends in its place: LightningProx's client puts a missing spend token in its
 * header as the text `undefined`.
 */
const NO_CREDENTIAL = new Set(['', 'undefined', 'null']);

/** The credential a request presents: `Authorization: Bearer`, `x-api-key` or `X-Spend-Token`. */
export function presentedCredential(request: Request): string | undefined {
  const authorization = request.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match && !NO_CREDENTIAL.has(match[1]) ? match[1] : undefined;
  }
  const credential = (request.get('x-spend-token') ?? request.get('x-api-key'))?.trim();
  return credential === undefined || NO_CREDENTIAL.has(credential) ? undefined : credential;
}

/** The 401 for a request without a credential says where one comes from. */
const MISSING_CREDENTIAL_MESSAGE =
  'Missing API key or spend token: send it as "Authorization: Bearer <key>", "x-api-key" or "X-Spend-Token". ' +
  'Spend tokens (tgst_…) are prepaid: the operator of this gateway issues them (tollgate spend-tokens create).';

const accountSuspended = () =>
  new GatewayError({ status: 403, type: 'permission_error', code: 'account_suspended', message: 'This account is suspended; its operator can resume it.' });

/**
 * Authenticates API keys and spend tokens (stored as SHA-256 hashes) through the in-process cache, bearer JWTs (ours
 * from /v1/authorize, or a platform IdP's) when configured, and — with L402 enabled —
 * `Authorization: L402 <macaroon>:<preimage>`; 401 when it fails. With `l402Challenge`, a request with no
 * credential at all passes without a caller: its route answers 402 with an invoice priced at its worst case.
 */
export function authenticate(cache: KeyOwnerCache, options: { l402?: L402Deps; l402Challenge?: boolean; jwt?: JwtAuthentication; x402?: boolean } = {}, now: () => number = Date.now) {
  return async (request: Request, response: Response, next: NextFunction) => {
    if (options.l402) {
      const paid = await l402Caller(options.l402, request.get('authorization'));
      if (paid) {
        response.locals['caller'] = paid;
        return next();
      }
    }
    const credential = presentedCredential(request);
    if (!credential) {
      // No caller: the route asks for a payment (L402, x402), or takes the x402 payment (X-PAYMENT, PAYMENT-SIGNATURE) the request carries.
      if (options.l402Challenge && (options.l402 || options.x402)) return next();
      return next(authenticationError(walletHeaderHint(request) ?? MISSING_CREDENTIAL_MESSAGE, 'missing_api_key'));
    }
    if (!isKeyShaped(credential)) {
      // Keys are recognised by their shape first, so they never pay for JWT parsing or signature checks.
      if (options.jwt && isJwtShaped(credential)) {
        response.locals['caller'] = await jwtCaller(options.jwt, credential);
        return next();
      }
      return next(authenticationError('Invalid API key.'));
    }
    const owner = await cache.get(hashApiKey(credential));
    if (!owner) return next(authenticationError('Invalid API key.'));
    if (owner.revoked) return next(authenticationError('This API key has been revoked.', 'revoked_api_key'));
    if (owner.expiresAt && owner.expiresAt.getTime() <= now()) return next(authenticationError('This API key has expired.', 'expired_api_key'));
    if (owner.suspended) return next(accountSuspended());
    const caller: Caller = {
      accountId: owner.accountId,
      apiKeyId: owner.apiKeyId,
      authMethod: credential.startsWith(SPEND_TOKEN_PREFIX) ? 'spend-token' : 'api-key',
      creditLimit: owner.creditLimit,
      expiresAt: owner.expiresAt,
      limits: owner.limits,
      ...keyPolicy(owner),
    };
    response.locals['caller'] = caller;
    next();
  };
}
