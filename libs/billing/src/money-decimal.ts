import Decimal from 'decimal.js';

/**
 * Significant digits every money computation keeps: enough that no sum or product of amounts the ledger can hold is
 * ever rounded. The ledger's NUMERIC(38,18) holds at most 38 significant digits (20 before the point, 18 after), so
 * - a product of two such amounts (a cost × the commission rate, a token count of at most 2^53 — 16 digits — × a
 *   price per million) has at most 38 + 38 = 76 digits;
 * - a sum of n such amounts has at most 38 + ⌈log10 n⌉ digits, and a sum of n such products at most 76 + ⌈log10 n⌉;
 * - dividing by a power of ten (per million, per thousand, nano-dollars, satoshis) only moves the point.
 * 80 digits hold every product exactly and every sum of up to 10^4 products (a price sums five) or 10^42 amounts; the
 * one rounding then is the explicit one, to 18 decimal places, half-even. A quotient that does not terminate (USD →
 * satoshis at a rate of at most 18 decimal places) is rounded at digit 80, below the smallest distance (10^-33) such
 * a quotient can be from a whole number, so rounding it down or up to whole satoshis right after is exact.
 * Precision is a ceiling, not a width: decimal.js carries only the digits a value has, so ordinary amounts cost the
 * same as before. (decimal.js's default, 20 digits, already rounds the sum of two NUMERIC(38,18) amounts.)
 */
export const MONEY_PRECISION = 80;

/**
 * The one decimal.js constructor for money — USD amounts, prices, rates, nano-dollars, satoshis: exact at
 * MONEY_PRECISION digits, rounding half-even where a rounding is asked for, and never printing exponent notation.
 * Money is never computed with decimal.js's default constructor (20 digits) nor with `Prisma.Decimal` (the same).
 */
export const Money = Decimal.clone({
  precision: MONEY_PRECISION,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -MONEY_PRECISION,
  toExpPos: MONEY_PRECISION,
});

/** A value made by `Money`. */
export type Money = Decimal;
