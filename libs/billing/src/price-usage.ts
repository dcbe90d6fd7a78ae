import type { Cost, ModelPrices, Usage } from '@tollgate/schemas';
import { Money } from './money-decimal';

/** Costs are kept to this many decimal places (the ledger's NUMERIC scale); rounding is half-even. */
export const COST_SCALE = 18;

const PER_MILLION = new Money(1_000_000);

function toDecimalString(value: Money): string {
  return value.toDecimalPlaces(COST_SCALE, Money.ROUND_HALF_EVEN).toFixed();
}

/**
 * Prices one request: Σ tokens × class price per million = base; commission = base × rate; total = base +
 * commission. Everything is exact decimal arithmetic; results are decimal strings without trailing zeros.
 * Prices come in as input (the gateway reads them from its catalog): billing never looks one up itself.
 */
export function priceUsage(usage: Usage, prices: ModelPrices, commissionRate: string): Cost {
  const input = new Money(prices.input);
  const output = new Money(prices.output);
  const classes: Array<[number, Money]> = [
    [usage.inputTokens, input],
    [usage.outputTokens, output],
    [usage.reasoningTokens, prices.reasoning === undefined ? output : new Money(prices.reasoning)],
    [usage.cacheReadTokens, prices.cacheRead === undefined ? input : new Money(prices.cacheRead)],
    [usage.cacheWriteTokens, prices.cacheWrite === undefined ? input : new Money(prices.cacheWrite)],
  ];
  const perMillion = classes.reduce((sum, [tokens, price]) => sum.plus(price.times(tokens)), new Money(0));
  const base = new Money(toDecimalString(perMillion.dividedBy(PER_MILLION)));
  const commission = new Money(toDecimalString(base.times(new Money(commissionRate))));
  return {
    base: toDecimalString(base),
    commission: toDecimalString(commission),
    total: toDecimalString(base.plus(commission)),
  };
}

/** Exact sum of decimal strings (used to compare ledgers and client-side totals). */
export function sumDecimals(values: readonly string[]): string {
  return toDecimalString(values.reduce((sum, value) => sum.plus(new Money(value)), new Money(0)));
}

/** Exact comparison of two decimal strings: -1, 0 or 1. */
export function compareDecimals(left: string, right: string): number {
  return new Money(left).comparedTo(new Money(right));
}

/** Exact difference `left - right` of two decimal strings. */
export function subtractDecimals(left: string, right: string): string {
  return toDecimalString(new Money(left).minus(new Money(right)));
}
