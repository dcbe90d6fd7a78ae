import { createHash, randomBytes } from 'node:crypto';
import { importMacaroon, newMacaroon } from 'macaroon';
import { encodeMacaroonV2 } from './macaroon-binary';

/** The L402 identifier layout (as Lightning Labs' aperture writes it): version, payment hash, token id. */
const IDENTIFIER_VERSION = 0;
const IDENTIFIER_LENGTH = 2 + 32 + 32;
const SERVICE = 'tollgate';

/** What a verified L402 credential proves: the invoice that was paid, and what it was worth when it was issued. */
export interface L402Grant {
  /** Lowercase hex sha256 of the preimage the caller showed. */
  paymentHash: string;
  amountSats: number;
  /** USD value of the invoice at issue (exact decimal string), fixed by a signed caveat. */
  amountUsd: string;
  expiresAt: Date;
}

/** Why an L402 credential was refused; the message is safe to show the caller. */
export class L402Error extends Error {
  override readonly name = 'L402Error';
}

function identifierFor(paymentHash: string): Uint8Array {
  const identifier = Buffer.alloc(IDENTIFIER_LENGTH);
  identifier.writeUInt16BE(IDENTIFIER_VERSION, 0);
  Buffer.from(paymentHash, 'hex').copy(identifier, 2);
  randomBytes(32).copy(identifier, 34);
  return identifier;
}

/**
 * Mints the macaroon of an L402 challenge for one invoice: its identifier binds the payment hash, and first-party
 * caveats (signed by the HMAC chain from the server's root key) fix the service, the expiry and the value paid.
 */
export function mintL402Macaroon(input: { rootKey: Uint8Array; paymentHash: string; amountSats: number; amountUsd: string; expiresAt: Date }): string {
  if (!/^[0-9a-f]{64}$/.test(input.paymentHash)) throw new Error('payment hash must be 64 lowercase hex characters');
  const macaroon = newMacaroon({ version: 2, rootKey: input.rootKey, identifier: identifierFor(input.paymentHash), location: SERVICE });
  macaroon.addFirstPartyCaveat(`service=${SERVICE}`);
  macaroon.addFirstPartyCaveat(`expires_at=${Math.floor(input.expiresAt.getTime() / 1000)}`);
  macaroon.addFirstPartyCaveat(`amount_sats=${input.amountSats}`);
  macaroon.addFirstPartyCaveat(`amount_usd=${input.amountUsd}`);
  return encodeMacaroonV2(macaroon).toString('base64');
}

/** `Authorization: L402 <macaroon>:<preimage>` (also the older `LSAT` scheme), split; undefined when it is not one. */
export function parseL402Authorization(header: string | undefined): { macaroon: string; preimage: string } | undefined {
  const match = /^(?:L402|LSAT) ([A-Za-z0-9+/_=-]{1,4096}):([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  return match ? { macaroon: match[1], preimage: match[2].toLowerCase() } : undefined;
}

/**
 * Verifies an L402 credential: the macaroon's signature chain from the root key (a tampered identifier or caveat
 * fails), every caveat (service, expiry), and sha256(preimage) = the payment hash the identifier binds. Returns
 * what was paid; throws L402Error otherwise.
 */
export function verifyL402(input: { rootKey: Uint8Array; macaroon: string; preimage: string; now?: Date }): L402Grant {
  const now = input.now ?? new Date();
  let macaroon;
  try {
    macaroon = importMacaroon(input.macaroon);
  } catch {
    throw new L402Error('The L402 macaroon could not be read.');
  }
  const identifier = Buffer.from(macaroon.identifier);
  if (identifier.length !== IDENTIFIER_LENGTH || identifier.readUInt16BE(0) !== IDENTIFIER_VERSION) throw new L402Error('The L402 macaroon is not one this gateway issued.');
  const paymentHash = identifier.subarray(2, 34).toString('hex');
  const caveats = new Map<string, string>();
  try {
    macaroon.verify(input.rootKey, (condition) => {
      const separator = condition.indexOf('=');
      if (separator <= 0) return 'unknown caveat';
      const [key, value] = [condition.slice(0, separator), condition.slice(separator + 1)];
      if (caveats.has(key)) return 'repeated caveat';
      caveats.set(key, value);
      if (key === 'service') return value === SERVICE ? null : 'wrong service';
      if (key === 'expires_at') return Number(value) * 1000 > now.getTime() ? null : 'expired';
      if (key === 'amount_sats') return /^[1-9]\d{0,15}$/.test(value) ? null : 'bad amount';
      if (key === 'amount_usd') return /^\d{1,20}(\.\d{1,18})?$/.test(value) ? null : 'bad amount';
      return 'unknown caveat';
    });
  } catch (error) {
    const reason = error instanceof Error && /expired/.test(error.message) ? 'The L402 credential has expired.' : 'The L402 macaroon does not verify.';
    throw new L402Error(reason);
  }
  for (const key of ['service', 'expires_at', 'amount_sats', 'amount_usd']) if (!caveats.has(key)) throw new L402Error('The L402 macaroon lacks a required caveat.');
  if (createHash('sha256').update(Buffer.from(input.preimage, 'hex')).digest('hex') !== paymentHash) {
    throw new L402Error('The L402 preimage does not match the invoice that was paid.');
  }
  return {
    paymentHash,
    amountSats: Number(caveats.get('amount_sats')),
    amountUsd: caveats.get('amount_usd') as string,
    expiresAt: new Date(Number(caveats.get('expires_at')) * 1000),
  };
}
