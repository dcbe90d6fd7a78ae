import Decimal from 'decimal.js';

const NANO = new Decimal(1_000_000_000);

/**
 * A USD decimal string as a whole number of nano-dollars (1e-9 USD), rounded up: the unit of the funds guard's
 * atomic Redis counters. Rounding up makes a reservation never smaller than the cost it stands for.
 */
export function toNanoUsdCeil(usd: string): bigint {
  return BigInt(new Decimal(usd).times(NANO).toDecimalPlaces(0, Decimal.ROUND_CEIL).toFixed());
}

/** Nano-dollars back to a USD decimal string. */
export function fromNanoUsd(nano: bigint): string {
  return new Decimal(nano.toString()).dividedBy(NANO).toFixed();
}

/** USD as whole satoshis at a USD-per-BTC rate, rounded down (never shows more than there is). */
export function usdToSatsFloor(usd: string, usdPerBtc: string): string {
  return new Decimal(usd).times(100_000_000).dividedBy(usdPerBtc).toDecimalPlaces(0, Decimal.ROUND_FLOOR).toFixed();
}

/** USD as whole satoshis at a USD-per-BTC rate, rounded up (an invoice that must cover the amount). */
export function usdToSatsCeil(usd: string, usdPerBtc: string): number {
  return Number(new Decimal(usd).times(100_000_000).dividedBy(usdPerBtc).toDecimalPlaces(0, Decimal.ROUND_CEIL).toFixed());
}

/** Whole satoshis as USD at a USD-per-BTC rate, exactly (1 BTC = 100,000,000 sats). */
export function satsToUsd(sats: number | bigint, usdPerBtc: string): string {
  // Precision enough for any sats × rate product to stay exact (the default's 20 digits could round).
  const Exact = Decimal.clone({ precision: 60 });
  return new Exact(sats.toString()).times(usdPerBtc).dividedBy(100_000_000).toFixed();
}

/** A price per million tokens as a price per thousand (exact). */
export function perThousandFromPerMillion(pricePerMillion: string): string {
  return new Decimal(pricePerMillion).dividedBy(1000).toFixed();
}

/** The larger of two decimal strings. */
export function maxDecimal(left: string, right: string): string {
  return new Decimal(left).greaterThanOrEqualTo(right) ? left : right;
}
