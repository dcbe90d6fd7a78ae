import { findOrCreateWalletAccount, hashApiKey, isKeyShaped, type PrismaClient } from '@tollgate/db';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AccessTokens } from '../auth/access-tokens';
import { presentedCredential } from '../auth/authenticate';
import { COMPLETIONS_SCOPE } from '../auth/jwt-callers';
import type { KeyOwnerCache } from '../auth/key-owner-cache';
import type { SignInNonces } from '../auth/sign-in-nonces';
import { siweSignInSchema, typedDataSignInSchema, verifySiweSignIn, verifyTypedDataSignIn } from '../auth/wallet-sign-in';
import { authenticationError, GatewayError, invalidRequest, serviceUnavailable } from '../errors/gateway-error';

/** What `/v1/authorize` needs. */
export interface AuthorizeDeps {
  accessTokens?: AccessTokens;
  signIn: { nonces: SignInNonces; /** The EIP-4361 domain to expect; unset = the request's Host. */ domain?: string };
  prisma: PrismaClient;
  keyCache: KeyOwnerCache;
}

const signInDisabled = () =>
  serviceUnavailable('sign_in_disabled', 'Sign-in is not enabled on this gateway: its operator sets JWT_SECRET (or JWT_PRIVATE_KEY_PEM and JWT_PUBLIC_KEY_PEM) to enable it.');

const signInSchema = z.union([siweSignInSchema, typedDataSignInSchema]);

/** `GET /v1/authorize/nonce`: a single-use nonce for a wallet sign-in, and when it expires. */
export function nonceHandler(deps: AuthorizeDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    if (!deps.accessTokens) throw signInDisabled();
    const { nonce, expiresAt } = await deps.signIn.nonces.issue();
    response.set('cache-control', 'no-store').json({ nonce, expiresAt: expiresAt.toISOString() });
  };
}

/**
 * `POST /v1/authorize`: a JWT (201 `{token, expiresAt, account}`) for
 * - a wallet: `{message, signature}` (EIP-4361) or `{typedData, signature}` (EIP-712, SIGN_IN_TYPES), the nonce from
 *   GET /v1/authorize/nonce consumed; the wallet's account is found or created;
 * - an API key or spend token in `Authorization: Bearer`, with no body (or `{}`): a token for the key's account,
 *   never outliving the key.
 */
export function authorizeHandler(deps: AuthorizeDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const accessTokens = deps.accessTokens;
    if (!accessTokens) throw signInDisabled();
    const body: unknown = request.body;
    const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
    if (empty) {
      response.status(201).json(await exchangeKey(deps, accessTokens, presentedCredential(request)));
      return;
    }
    const parsed = signInSchema.safeParse(body);
    if (!parsed.success) {
      throw invalidRequest('Body must be {"message","signature"} (EIP-4361), {"typedData","signature"} (EIP-712), or empty with an API key in Authorization: Bearer.', null, 'invalid_sign_in');
    }
    const expected = { domain: deps.signIn.domain ?? request.get('host') ?? '', nonces: deps.signIn.nonces };
    const address = 'message' in parsed.data ? await verifySiweSignIn(parsed.data, expected) : await verifyTypedDataSignIn(parsed.data, expected);
    const account = await findOrCreateWalletAccount(deps.prisma, address);
    const { token, expiresAt } = accessTokens.sign({ accountId: account.id, wallet: account.walletAddress, scope: [COMPLETIONS_SCOPE] });
    response.status(201).json({ token, expiresAt: expiresAt.toISOString(), account: { id: account.id, walletAddress: account.walletAddress } });
  };
}

/** A short-lived JWT standing for a valid key; the same refusals as the key would get on a completion. */
async function exchangeKey(deps: AuthorizeDeps, accessTokens: AccessTokens, credential: string | undefined) {
  if (!credential) throw invalidRequest('Send a wallet sign-in as JSON, or an API key in Authorization: Bearer to exchange it for a token.', null, 'invalid_sign_in');
  if (!isKeyShaped(credential)) throw authenticationError('Invalid API key.');
  const owner = await deps.keyCache.get(hashApiKey(credential));
  if (!owner) throw authenticationError('Invalid API key.');
  if (owner.revoked) throw authenticationError('This API key has been revoked.', 'revoked_api_key');
  if (owner.expiresAt && owner.expiresAt.getTime() <= Date.now()) throw authenticationError('This API key has expired.', 'expired_api_key');
  if (owner.suspended) throw new GatewayError({ status: 403, type: 'permission_error', code: 'account_suspended', message: 'This account is suspended; its operator can resume it.' });
  // The token names the key: it is served as that key (limits, allowlist, cap) and refused once the key is revoked.
  const { token, expiresAt } = accessTokens.sign({ accountId: owner.accountId, keyId: owner.apiKeyId, scope: [COMPLETIONS_SCOPE], notAfter: owner.expiresAt });
  return { token, expiresAt: expiresAt.toISOString(), account: { id: owner.accountId, walletAddress: null } };
}
