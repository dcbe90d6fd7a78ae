import jwt from 'jsonwebtoken';
import { authenticationError, GatewayError } from '../errors/gateway-error';
import type { KeyOwner } from '@tollgate/db';
import type { AccountOwner } from './account-owners';
import { AccessTokenError, type AccessTokens, type VerifiedAccess } from './access-tokens';
import { keyPolicy, type Caller } from './caller';
import type { IdpTokens } from './idp-tokens';
import type { KeyOwnerCache } from './key-owner-cache';

/** What JWT authentication needs: tollgate's own tokens and/or a platform IdP, and the account cache. */
export interface JwtAuthentication {
  accessTokens?: AccessTokens;
  idp?: IdpTokens;
  /** Account id → account, cached like keys (and dropped by the same invalidations). */
  accounts: KeyOwnerCache<AccountOwner>;
  /** Key id → key, for tokens exchanged for a key (they stand for it: its limits and policy, its revocation). */
  keys: KeyOwnerCache<KeyOwner>;
}

/** The scope a tollgate JWT needs on the completion routes (an admin-only token does not spend). */
export const COMPLETIONS_SCOPE = 'completions';

const invalidToken = (error: AccessTokenError) => authenticationError(`Invalid access token: ${error.message}`, `invalid_token_${error.reason}`);

/**
 * The caller a bearer JWT stands for: a token naming the platform IdP as issuer is checked against the IdP's keys
 * and its account claim mapped to an account; any other is checked as tollgate's own (configured algorithm only).
 * 401 for a token that does not verify or names no account, 403 for a suspended account or a missing scope.
 */
export async function jwtCaller(auth: JwtAuthentication, token: string): Promise<Caller> {
  if (!auth.accessTokens && !auth.idp) throw authenticationError('This gateway does not accept JWTs: use an API key.', 'jwt_not_accepted');
  let accountId: string;
  let wallet: string | undefined;
  let expiresAt: Date | null = null;
  try {
    if (auth.idp && issuerOf(token) === auth.idp.issuer) {
      accountId = await auth.idp.accountFor((await auth.idp.verify(token)).subject);
    } else {
      if (!auth.accessTokens) throw new AccessTokenError('wrong_issuer', 'The access token was issued by someone else.');
      const access = auth.accessTokens.verify(token);
      if (!access.scope.includes(COMPLETIONS_SCOPE)) {
        throw new GatewayError({ status: 403, type: 'permission_error', code: 'insufficient_scope', message: `This access token lacks the "${COMPLETIONS_SCOPE}" scope.` });
      }
      if (access.keyId) return await keyCaller(auth, access, access.keyId);
      ({ accountId, wallet, expiresAt } = access);
    }
  } catch (error) {
    throw error instanceof AccessTokenError ? invalidToken(error) : error;
  }
  const account = await auth.accounts.get(accountId);
  if (!account) throw authenticationError('The account of this access token no longer exists.', 'account_not_found');
  if (account.suspended) throw new GatewayError({ status: 403, type: 'permission_error', code: 'account_suspended', message: 'This account is suspended; its operator can resume it.' });
  return {
    accountId,
    apiKeyId: null,
    authMethod: 'jwt',
    // The token's wallet claim was proven by a signature at sign-in; the account's own binding backs it otherwise.
    walletAddress: wallet ?? account.walletAddress ?? undefined,
    creditLimit: account.creditLimit,
    expiresAt,
    limits: account.limits,
  };
}

/**
 * The caller of a token exchanged for an API key: that key, as if it were presented itself (its limits, model allowlist
 * and spending cap, its usage), so a token never escapes what the key may do — and dies with the key.
 */
async function keyCaller(auth: JwtAuthentication, access: VerifiedAccess, keyId: string): Promise<Caller> {
  const owner = await auth.keys.get(keyId);
  if (!owner || owner.accountId !== access.accountId) throw authenticationError('The API key this token was exchanged for no longer exists.', 'invalid_api_key');
  if (owner.revoked) throw authenticationError('The API key this token was exchanged for has been revoked.', 'revoked_api_key');
  if (owner.expiresAt && owner.expiresAt.getTime() <= Date.now()) throw authenticationError('The API key this token was exchanged for has expired.', 'expired_api_key');
  if (owner.suspended) throw new GatewayError({ status: 403, type: 'permission_error', code: 'account_suspended', message: 'This account is suspended; its operator can resume it.' });
  return {
    accountId: owner.accountId,
    apiKeyId: owner.apiKeyId,
    authMethod: 'jwt',
    creditLimit: owner.creditLimit,
    expiresAt: access.expiresAt,
    limits: owner.limits,
    ...keyPolicy(owner),
  };
}

/** The unverified `iss` of a token: only picks which keys verify it, never trusted by itself. */
function issuerOf(token: string): string | undefined {
  const payload = jwt.decode(token, { json: true });
  return typeof payload?.iss === 'string' ? payload.iss : undefined;
}
