import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { LRUCache } from 'lru-cache';
import type { Config } from '@tollgate/config';
import type { PrismaClient } from '@tollgate/db';
import { AccessTokenError, refusal } from './access-tokens';

/** A platform identity provider whose tokens the gateway accepts. */
export interface IdpSettings {
  /** The IdP's JWKS (keys found by `kid`, cached, refetched on an unknown `kid`), or one PEM public key. */
  jwksUrl?: string;
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  /** The claim whose value names the account (e.g. `team`): one account per value. */
  accountClaim: string;
  /** Credit limit (USD) of an account created for a new claim value. */
  creditLimit: string;
}

/** An IdP's tokens are asymmetric: its public keys cannot sign, and an HMAC token is never one of its own. */
const IDP_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'ES256'];

/** The account claim's value, bounded: it becomes a database key and an account name. */
const SUBJECT = /^[\w.@:/|+-]{1,200}$/;

/**
 * Verifies a platform IdP's tokens and maps their account claim to a tollgate account (accounts.idp_subject),
 * creating it on first use. The JWKS is cached per `kid` by jwks-rsa: an unknown `kid` (a rotation) fetches the
 * set again, at most 10 times a minute so that tokens with made-up kids cannot make the gateway hammer the IdP.
 */
export class IdpTokens {
  private readonly client?: JwksClient;
  /** Claim value → account id: the mapping never changes once made, so it is kept without a TTL. */
  private readonly accounts = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    private readonly settings: IdpSettings,
    private readonly prisma: PrismaClient,
  ) {
    if (settings.jwksUrl) this.client = new JwksClient({ jwksUri: settings.jwksUrl, cache: true, cacheMaxAge: 10 * 60_000, rateLimit: true, jwksRequestsPerMinute: 10, timeout: 5_000 });
  }

  /** The IdP's issuer: tokens that name it are verified here rather than as tollgate's own. */
  get issuer(): string {
    return this.settings.issuer;
  }

  /** Verifies an IdP token (signature by the IdP's key, RS256/ES256 only, issuer, audience, expiry); its account claim. */
  async verify(token: string): Promise<{ subject: string }> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded) throw new AccessTokenError('malformed', 'The identity token is malformed.');
    if (!IDP_ALGORITHMS.includes(decoded.header.alg as jwt.Algorithm)) throw new AccessTokenError('wrong_algorithm', 'The identity token is not signed with RS256 or ES256.');
    const key = await this.keyFor(decoded.header.kid);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, { algorithms: IDP_ALGORITHMS, issuer: this.settings.issuer, audience: this.settings.audience });
    } catch (error) {
      throw refusal(error);
    }
    const value = typeof payload === 'string' ? undefined : (payload[this.settings.accountClaim] as unknown);
    const subject = typeof value === 'number' ? String(value) : value;
    if (typeof subject !== 'string' || !SUBJECT.test(subject)) throw new AccessTokenError('bad_claims', `The identity token has no usable "${this.settings.accountClaim}" claim.`);
    return { subject };
  }

  /** The account standing for a claim value, created on first use (two first uses at once create one). */
  async accountFor(subject: string): Promise<string> {
    const cached = this.accounts.get(subject);
    if (cached) return cached;
    const rows = await this.prisma.$queryRaw<Array<{ id: string }>>`
      INSERT INTO accounts (name, credit_limit, idp_subject)
      VALUES (${`idp ${subject}`}, ${this.settings.creditLimit}::numeric, ${subject})
      ON CONFLICT (idp_subject) DO UPDATE SET idp_subject = excluded.idp_subject
      RETURNING id::text AS id`;
    this.accounts.set(subject, rows[0].id);
    return rows[0].id;
  }

  private async keyFor(kid: string | undefined): Promise<string> {
    if (!this.client) return this.settings.publicKeyPem ?? '';
    try {
      return (await this.client.getSigningKey(kid)).getPublicKey();
    } catch (error) {
      // An unknown kid after a refetch, a rate-limited refetch, an unreachable JWKS: the token cannot be checked.
      throw new AccessTokenError('unknown_key', `The identity token's signing key is not known: ${error instanceof Error ? error.message.slice(0, 200) : 'JWKS error'}`);
    }
  }
}

/** The platform IdP as configured (JWT_JWKS_URL or JWT_IDP_PUBLIC_KEY_PEM, checked by loadConfig), or none. */
export function idpTokensFromConfig(config: Config, prisma: PrismaClient): IdpTokens | undefined {
  if (!config.JWT_IDP_ISSUER || !config.JWT_IDP_AUDIENCE || !config.JWT_IDP_ACCOUNT_CLAIM) return undefined;
  if (!config.JWT_JWKS_URL && !config.JWT_IDP_PUBLIC_KEY_PEM) return undefined;
  return new IdpTokens(
    {
      jwksUrl: config.JWT_JWKS_URL,
      publicKeyPem: config.JWT_IDP_PUBLIC_KEY_PEM,
      issuer: config.JWT_IDP_ISSUER,
      audience: config.JWT_IDP_AUDIENCE,
      accountClaim: config.JWT_IDP_ACCOUNT_CLAIM,
      creditLimit: config.JWT_IDP_CREDIT_LIMIT,
    },
    prisma,
  );
}
