import { emptyUsage } from '@tollgate/schemas';
import { Money, MONEY_PRECISION } from './money-decimal';
import { toNanoUsdCeil, usdToSatsCeil, usdToSatsFloor } from './money-units';
import { priceUsage, subtractDecimals, sumDecimals } from './price-usage';

/** The largest amount NUMERIC(38,18) holds: 20 nines, the point, 18 nines (38 significant digits). */
const LARGEST = '99999999999999999999.999999999999999999';
/** The smallest amount above zero it holds. */
const SMALLEST = '0.000000000000000001';

/** Exact reference arithmetic: a decimal string as an integer and its number of decimal places. */
function scaled(value: string): { units: bigint; scale: number } {
  const [whole, fraction = ''] = value.split('.');
  return { units: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

/** An integer with `scale` implied decimal places, written as decimal.js's `toFixed()` writes it (no trailing zeros). */
function written(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** `units / 10^drop`, rounded half-even to a whole number. */
function roundHalfEven(units: bigint, drop: number): bigint {
  const divisor = 10n ** BigInt(drop);
  const quotient = units / divisor;
  const twice = 2n * (units % divisor);
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

describe('Money (the one decimal configuration for money)', () => {
  it('keeps 80 significant digits, rounds half-even and never prints exponents', () => {
    expect(MONEY_PRECISION).toBe(80);
    expect(Money.precision).toBe(80);
    expect(Money.rounding).toBe(Money.ROUND_HALF_EVEN);
    expect(new Money(SMALLEST).times(SMALLEST).toString()).toBe('0.000000000000000000000000000000000001');
    expect(new Money(LARGEST).times(LARGEST).toString()).not.toMatch(/e/);
  });

  it('multiplies the two largest NUMERIC(38,18) amounts exactly (76 significant digits)', () => {
    const { units, scale } = scaled(LARGEST);
    const product = new Money(LARGEST).times(LARGEST).toFixed();
    expect(product).toBe(written(units * units, 2 * scale));
    expect(product.replace('.', '')).toHaveLength(76);
  });

  it('sums ten thousand such products exactly, and a hundred thousand amounts at both ends of the range', () => {
    const { units, scale } = scaled(LARGEST);
    const product = new Money(LARGEST).times(LARGEST);
    let products = new Money(0);
    for (let index = 0; index < 10_000; index += 1) products = products.plus(product);
    expect(products.toFixed()).toBe(written(units * units * 10_000n, 2 * scale));

    const amounts = Array.from({ length: 100_000 }, (_, index) => (index % 2 === 0 ? LARGEST : SMALLEST));
    expect(sumDecimals(amounts)).toBe(written(units * 50_000n + 50_000n, scale));
    expect(subtractDecimals(LARGEST, `-${LARGEST}`)).toBe(written(2n * units, scale));
  });

  it('prices the largest usage at the largest prices and commission rate exactly, rounding half-even once', () => {
    const tokens = Number.MAX_SAFE_INTEGER; // 2^53 - 1: the most tokens a class can count
    const rate = '0.999999999999999999';
    const usage = { ...emptyUsage(), inputTokens: tokens, outputTokens: tokens, reasoningTokens: tokens, cacheReadTokens: tokens, cacheWriteTokens: tokens };
    const cost = priceUsage(usage, { input: LARGEST, output: LARGEST }, rate);

    const price = scaled(LARGEST);
    const perMillion = BigInt(tokens) * price.units * 5n; // scale 18, per million tokens
    const base = roundHalfEven(perMillion, 6); // ÷ 10^6, then to 18 places
    const commission = roundHalfEven(base * scaled(rate).units, 18); // scale 36 → 18
    expect(cost).toEqual({ base: written(base, 18), commission: written(commission, 18), total: written(base + commission, 18) });
    expect((base * scaled(rate).units).toString().length).toBeGreaterThan(60);
  });

  it('rounds a commission below the half-way point down, where the former precision 60 rounded it up', () => {
    // The exact commission ends …207|499999999999999999 past the 18th place (65 significant digits in all): at 60
    // digits that became a tie at …207|5, and half-even rounded it up to …208.
    const cost = priceUsage({ ...emptyUsage(), inputTokens: Number.MAX_SAFE_INTEGER }, { input: '10000000000000076283.919836250111', output: '0' }, '0.999999999999999999');
    expect(cost.base).toBe('90071992547410597104465897793.500000000000000001');
    expect(cost.commission).toBe('90071992547410597014393905246.089402895534102207');
    const exact = scaled(cost.base).units * scaled('0.999999999999999999').units;
    expect(exact % 10n ** 18n).toBe(499_999_999_999_999_999n);
    expect(cost.total).toBe(written(scaled(cost.base).units + scaled(cost.commission).units, 18));
  });

  it('converts at the edges without a rounding the default 20 digits would make', () => {
    // 23 significant digits: at 20 digits the nano-dollar count rounds down to a whole number and its ceiling is lost.
    expect(toNanoUsdCeil('12345.000000000000000001')).toBe(12_345_000_000_001n);
    expect(toNanoUsdCeil(LARGEST)).toBe(100_000_000_000_000_000_000_000_000_000n);
    expect(usdToSatsFloor('0.999999999999999999', SMALLEST)).toBe('99999999999999999900000000');
    expect(usdToSatsFloor('1', '3')).toBe('33333333');
    expect(usdToSatsCeil('1', '3')).toBe(33_333_334);
    // 10^8 sats and 10^-30 of a sat: 20 digits would round it to the whole number and lose the ceiling's extra sat.
    const justAbove = '99999999999999999999.999999999999999998';
    expect(usdToSatsFloor(LARGEST, justAbove)).toBe('100000000');
    expect(usdToSatsCeil(LARGEST, justAbove)).toBe(100_000_001);
  });
});
