import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { Config } from '@tollgate/config';

/** How tollgate signs and checks its own access tokens (the JWTs `POST /v1/authorize` issues). */
export interface AccessTokenSettings {
  /** HS256 signs with `secret`; RS256 with `privateKeyPem` and verifies with `publicKeyPem`. */
  algorithm: 'HS256' | 'RS256';
  secret?: string;
  privateKeyPem?: string;
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  /** Lifetime of a token issued by `sign`. */
  ttlSeconds: number;
}

/** What an access token grants: an account, the wallet it proved it holds (if any), and its scopes. */
export interface AccessGrant {
  accountId: string;
  wallet?: string;
  scope: string[];
  /** The API key a token was exchanged for (claim `key`): the token then stands for that key, and ends with it. */
  keyId?: string;
}

/** A verified access token. */
export interface VerifiedAccess extends AccessGrant {
  jti: string;
  expiresAt: Date;
}

/** Why a token was refused; each is answered 401, the reason goes into the message and the logs. */
export type AccessTokenRefusal = 'malformed' | 'unknown_key' | 'expired' | 'not_yet_valid' | 'bad_signature' | 'wrong_algorithm' | 'wrong_issuer' | 'wrong_audience' | 'bad_claims';

/** A token that does not verify, with the reason. */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  constructor(
    readonly reason: AccessTokenRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** The claims tollgate puts in its tokens, checked again after the signature (a valid signature is not a valid shape). */
const claimsSchema = z.object({
  sub: z.string().min(1),
  wallet: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  scope: z.string().default(''),
  jti: z.string().min(1),
  exp: z.number().int(),
});

/** Issues and verifies tollgate's own JWTs, with exactly one configured algorithm. */
export class AccessTokens {
  private readonly signingKey: jwt.Secret;
  private readonly verifyingKey: jwt.Secret;

  constructor(private readonly settings: AccessTokenSettings) {
    if (settings.algorithm === 'HS256') {
      if (!settings.secret || settings.secret.length < 32) throw new Error('HS256 access tokens need a secret of at least 32 characters');
      this.signingKey = settings.secret;
      this.verifyingKey = settings.secret;
    } else {
      if (!settings.privateKeyPem || !settings.publicKeyPem) throw new Error('RS256 access tokens need a private and a public key (PEM)');
      this.signingKey = settings.privateKeyPem;
      this.verifyingKey = settings.publicKeyPem;
    }
  }

  /** The configured algorithm (tokens in any other are refused). */
  get algorithm(): 'HS256' | 'RS256' {
    return this.settings.algorithm;
  }

  /**
   * Signs a token for an account, valid for the configured TTL — or until `notAfter` if sooner (a token exchanged for
   * an expiring key never outlives the key).
   */
  sign(input: AccessGrant & { notAfter?: Date | null }): { token: string; expiresAt: Date } {
    const issuedAt = Math.floor(Date.now() / 1000);
    const cap = input.notAfter ? Math.floor(input.notAfter.getTime() / 1000) : Infinity;
    const expiresAt = Math.min(issuedAt + this.settings.ttlSeconds, cap);
    const claims: Record<string, unknown> = { scope: input.scope.join(' '), iat: issuedAt, exp: expiresAt };
    if (input.wallet) claims['wallet'] = input.wallet;
    if (input.keyId) claims['key'] = input.keyId;
    const token = jwt.sign(claims, this.signingKey, {
      algorithm: this.settings.algorithm,
      subject: input.accountId,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      jwtid: randomUUID(),
    });
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * Verifies a token: signature with the configured algorithm only (so `alg: none` and HS/RS confusion — an HS256
   * token "signed" with the public key — are refused), issuer, audience, expiry; throws AccessTokenError.
   */
  verify(token: string): VerifiedAccess {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.verifyingKey, {
        algorithms: [this.settings.algorithm],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
      });
    } catch (error) {
      throw refusal(error);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AccessTokenError('bad_claims', 'The access token lacks sub, jti or exp.');
    const { sub, wallet, key, scope, jti, exp } = claims.data;
    return { accountId: sub, ...(wallet ? { wallet } : {}), ...(key ? { keyId: key } : {}), scope: scope.split(' ').filter(Boolean), jti, expiresAt: new Date(exp * 1000) };
  }
}

/** Turns jsonwebtoken's errors into a typed reason. */
export function refusal(error: unknown): AccessTokenError {
  if (error instanceof jwt.TokenExpiredError) return new AccessTokenError('expired', 'The access token has expired.');
  if (error instanceof jwt.NotBeforeError) return new AccessTokenError('not_yet_valid', 'The access token is not valid yet.');
  if (error instanceof jwt.JsonWebTokenError) {
    const message = error.message;
    if (message === 'invalid algorithm' || message === 'jwt signature is required') return new AccessTokenError('wrong_algorithm', 'The access token is not signed with the algorithm this gateway uses.');
    if (message === 'invalid signature') return new AccessTokenError('bad_signature', 'The access token signature is invalid.');
    if (message.startsWith('jwt issuer invalid')) return new AccessTokenError('wrong_issuer', 'The access token was issued by someone else.');
    if (message.startsWith('jwt audience invalid')) return new AccessTokenError('wrong_audience', 'The access token is meant for another audience.');
    return new AccessTokenError('malformed', 'The access token is malformed.');
  }
  return new AccessTokenError('malformed', 'The access token is malformed.');
}

/** Three base64url parts separated by dots (the last may be empty: `alg: none`): worth verifying as a JWT. */
export function isJwtShaped(credential: string): boolean {
  return credential.length < 8_192 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}

/** tollgate's access tokens as configured (JWT_* settings, already checked by loadConfig), or none. */
export function accessTokensFromConfig(config: Pick<Config, 'JWT_ALGORITHM' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY_PEM' | 'JWT_PUBLIC_KEY_PEM' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_TTL_SECONDS'>): AccessTokens | undefined {
  if (!config.JWT_ALGORITHM) return undefined;
  return new AccessTokens({
    algorithm: config.JWT_ALGORITHM,
    secret: config.JWT_SECRET,
    privateKeyPem: config.JWT_PRIVATE_KEY_PEM,
    publicKeyPem: config.JWT_PUBLIC_KEY_PEM,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: config.JWT_TTL_SECONDS,
  });
}
