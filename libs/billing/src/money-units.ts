import { Money } from './money-decimal';

const NANO = new Money(1_000_000_000);

/**
 * A USD decimal string as a whole number of nano-dollars (1e-9 USD), rounded up: the unit of the funds guard's
 * atomic Redis counters. Rounding up makes a reservation never smaller than the cost it stands for.
 */
export function toNanoUsdCeil(usd: string): bigint {
  return BigInt(new Money(usd).times(NANO).toDecimalPlaces(0, Money.ROUND_CEIL).toFixed());
}

/** Nano-dollars back to a USD decimal string. */
export function fromNanoUsd(nano: bigint): string {
  return new Money(nano.toString()).dividedBy(NANO).toFixed();
}

/** USD as whole satoshis at a USD-per-BTC rate, rounded down (never shows more than there is). */
export function usdToSatsFloor(usd: string, usdPerBtc: string): string {
  return new Money(usd).times(100_000_000).dividedBy(usdPerBtc).toDecimalPlaces(0, Money.ROUND_FLOOR).toFixed();
}

/** USD as whole satoshis at a USD-per-BTC rate, rounded up (an invoice that must cover the amount). */
export function usdToSatsCeil(usd: string, usdPerBtc: string): number {
  return Number(new Money(usd).times(100_000_000).dividedBy(usdPerBtc).toDecimalPlaces(0, Money.ROUND_CEIL).toFixed());
}

/** Whole satoshis as USD at a USD-per-BTC rate, exactly (1 BTC = 100,000,000 sats). */
export function satsToUsd(sats: number | bigint, usdPerBtc: string): string {
  return new Money(sats.toString()).times(usdPerBtc).dividedBy(100_000_000).toFixed();
}

/** A price per million tokens as a price per thousand (exact). */
export function perThousandFromPerMillion(pricePerMillion: string): string {
  return new Money(pricePerMillion).dividedBy(1000).toFixed();
}

/** The larger of two decimal strings. */
export function maxDecimal(left: string, right: string): string {
  return new Money(left).greaterThanOrEqualTo(right) ? left : right;
}
