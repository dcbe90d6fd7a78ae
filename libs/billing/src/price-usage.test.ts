import { emptyUsage } from '@tollgate/schemas';
import { compareDecimals, priceUsage, subtractDecimals, sumDecimals } from './price-usage';

describe('priceUsage', () => {
  const prices = { input: '0.10', output: '0.40' };

  it('prices input and output per million tokens and adds the commission', () => {
    const cost = priceUsage({ ...emptyUsage(), inputTokens: 16, outputTokens: 300 }, prices, '0.10');
    // 16 × 0.10 / 1e6 + 300 × 0.40 / 1e6 = 0.0000016 + 0.00012 = 0.0001216
    expect(cost).toEqual({ base: '0.0001216', commission: '0.00001216', total: '0.00013376' });
  });

  it('is exact where binary floating point is not', () => {
    const cost = priceUsage({ ...emptyUsage(), inputTokens: 3, outputTokens: 0 }, { input: '0.1', output: '0' }, '0.2');
    expect(cost.base).toBe('0.0000003');
    expect(cost.commission).toBe('0.00000006');
    expect(cost.total).toBe('0.00000036');
  });

  it('bills every token class at its own price, falling back to input/output prices', () => {
    const usage = { ...emptyUsage(), inputTokens: 1_000_000, outputTokens: 1_000_000, reasoningTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 };
    const priced = priceUsage(usage, { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75', reasoning: '20' }, '0');
    expect(priced.base).toBe('42.05');
    const fallback = priceUsage(usage, { input: '3', output: '15' }, '0');
    expect(fallback.base).toBe(String(3 + 15 + 15 + 3 + 3));
  });

  it('charges nothing for no tokens and never prints exponents', () => {
    expect(priceUsage(emptyUsage(), prices, '0.10')).toEqual({ base: '0', commission: '0', total: '0' });
    const tiny = priceUsage({ ...emptyUsage(), inputTokens: 1 }, { input: '0.000001', output: '0' }, '0.1');
    expect(tiny).toEqual({ base: '0.000000000001', commission: '0.0000000000001', total: '0.0000000000011' });
  });

  it('rounds half-even at 18 decimal places', () => {
    const cost = priceUsage({ ...emptyUsage(), inputTokens: 1 }, { input: '0.0000000000005', output: '0' }, '0');
    expect(cost.base).toBe('0'); // 5e-19 rounds to even (0)
  });
});

describe('decimal helpers', () => {
  it('sums, compares and subtracts exactly', () => {
    expect(sumDecimals(['0.1', '0.2', '0.0000000000000001'])).toBe('0.3000000000000001');
    expect(compareDecimals('0.30', '0.3')).toBe(0);
    expect(compareDecimals('1', '0.999999999999999999')).toBe(1);
    expect(subtractDecimals('10', '0.00013376')).toBe('9.99986624');
  });
});

describe('compareDecimals', () => {
  it.each([
    ['1', '1.0', 0],
    ['0.125', '0.25', -1],
    ['10', '9.99', 1],
    ['007.5', '7.50', 0],
    ['0.0000001', '0', 1],
    ['100', '99.999999', 1],
  ])('%s vs %s is %i', (a, b, expected) => {
    expect(compareDecimals(a, b)).toBe(expected);
    expect(compareDecimals(b, a)).toBe(0 - expected);
  });
});
