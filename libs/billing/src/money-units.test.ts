import { satsToUsd, fromNanoUsd, maxDecimal, perThousandFromPerMillion, toNanoUsdCeil, usdToSatsFloor } from './money-units';

describe('money units', () => {
  it('converts USD to nano-dollars rounding up, and back', () => {
    expect(toNanoUsdCeil('1')).toBe(1_000_000_000n);
    expect(toNanoUsdCeil('0.00000000000000001')).toBe(1n);
    expect(toNanoUsdCeil('0.00013376')).toBe(133_760n);
    expect(fromNanoUsd(133_760n)).toBe('0.00013376');
  });

  it('converts USD to satoshis at a rate, rounding down', () => {
    expect(usdToSatsFloor('1', '100000')).toBe('1000');
    expect(usdToSatsFloor('0.0000015', '100000')).toBe('0');
    expect(usdToSatsFloor('2.5', '95000.50')).toBe('2631');
  });

  it('turns per-million prices into per-thousand prices exactly and picks maxima', () => {
    expect(perThousandFromPerMillion('0.15')).toBe('0.00015');
    expect(perThousandFromPerMillion('25')).toBe('0.025');
    expect(maxDecimal('3.75', '3')).toBe('3.75');
    expect(maxDecimal('0.1', '0.10')).toBe('0.1');
  });
});

describe('satsToUsd', () => {
  it('converts whole satoshis exactly, whatever the digits of the rate', () => {
    expect(satsToUsd(100_000_000, '97000.12')).toBe('97000.12');
    expect(satsToUsd(2_100, '97000.12')).toBe('2.03700252');
    expect(satsToUsd(21_000_000_00000000n, '123456.789012345678901234')).toBe('2592592569259.259256925914');
    expect(satsToUsd(1, '0.000000000000000001')).toBe('0.00000000000000000000000001');
  });
});
