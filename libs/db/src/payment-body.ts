import { createHash } from 'node:crypto';

/** `topup`: prepaid credit. `settlement`: debt paid off, with an external reference (an invoice, a transaction hash). */
export type PaymentKind = 'topup' | 'settlement';

const KINDS: ReadonlySet<string> = new Set<PaymentKind>(['topup', 'settlement']);

/** A payment the caller asked for that can never be recorded as given (a bad amount, kind, reference, key or page). */
export class InvalidPaymentError extends Error {
  override readonly name = 'InvalidPaymentError';
}

/** What NUMERIC(38,18) holds: 20 integer digits and 18 decimal places. */
const MAX_INTEGER_DIGITS = 20;
const MAX_DECIMAL_PLACES = 18;
const AMOUNT = /^(\d+)(?:\.(\d+))?$/;

/** Longest Idempotency-Key accepted (Stripe's limit: long enough for a UUID or a hash, short enough to index). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * A payment amount (USD, a decimal string) checked and written in its shortest form ("25.50" → "25.5"), the form
 * Prisma's `Decimal#toFixed()` gives too. It must be > 0 and held exactly by the ledger's NUMERIC(38,18): at most 20
 * integer digits and 18 decimal places (trailing zeros do not count: they change nothing). Checked here rather than
 * left to Postgres, which would round a 19th decimal place silently and reject a 21st integer digit with an
 * overflow error that names no field.
 */
export function normalizePaymentAmount(amount: unknown): string {
  const match = typeof amount === 'string' ? AMOUNT.exec(amount) : null;
  if (!match) throw new InvalidPaymentError(`amount ${JSON.stringify(amount)}: must be a decimal number of USD written as a string, e.g. "25.00"`);
  const integer = match[1].replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > MAX_DECIMAL_PLACES) throw new InvalidPaymentError(`amount ${amount}: more than ${MAX_DECIMAL_PLACES} decimal places (the ledger keeps ${MAX_DECIMAL_PLACES})`);
  if (integer.length > MAX_INTEGER_DIGITS) throw new InvalidPaymentError(`amount ${amount}: more than ${MAX_INTEGER_DIGITS} integer digits (more than the ledger holds)`);
  if (integer === '0' && fraction === '') throw new InvalidPaymentError(`amount ${amount}: must be greater than 0`);
  return fraction === '' ? integer : `${integer}.${fraction}`;
}

/** The parts of a payment that its Idempotency-Key stands for. */
export interface PaymentBody {
  kind: PaymentKind;
  /** As normalizePaymentAmount writes it, so "5" and "5.00" are the same body. */
  amount: string;
  reference?: string;
  description?: string;
}

/**
 * sha256 (hex) of the body as canonical JSON (fixed key order, absent fields as null): a repeated request with the
 * same Idempotency-Key must have the same hash, or it is another payment under a reused key.
 */
export function paymentBodyHash(body: PaymentBody): string {
  const canonical = JSON.stringify({ kind: body.kind, amount: body.amount, reference: body.reference ?? null, description: body.description ?? null });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Checks the kind, the settlement's reference and the idempotency key; the amount is checked by normalizePaymentAmount. */
export function checkPaymentFields(input: { kind: unknown; reference?: unknown; idempotencyKey?: unknown; actor: unknown }): void {
  if (typeof input.kind !== 'string' || !KINDS.has(input.kind)) throw new InvalidPaymentError(`kind ${JSON.stringify(input.kind)}: must be 'topup' or 'settlement'`);
  if (input.reference !== undefined && typeof input.reference !== 'string') throw new InvalidPaymentError('reference: must be a string');
  // A settlement is matched against an invoice or a transfer: without its reference nobody can tell which.
  if (input.kind === 'settlement' && (typeof input.reference !== 'string' || input.reference.trim() === '')) {
    throw new InvalidPaymentError('a settlement needs a reference (an invoice number, a transaction hash)');
  }
  if (input.idempotencyKey !== undefined) {
    const key = input.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidPaymentError(`idempotency key: must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
  }
  if (typeof input.actor !== 'string' || input.actor === '') throw new InvalidPaymentError('actor: who records the payment must be named');
}
