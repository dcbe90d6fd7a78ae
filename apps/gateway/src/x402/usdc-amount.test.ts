import { usdcAtomicToUsd, usdToUsdcAtomicCeil } from './usdc-amount';

describe('USDC amounts', () => {
  it('rounds a USD cost up to the next atomic unit, exactly', () => {
    expect(usdToUsdcAtomicCeil('0')).toBe(0n);
    expect(usdToUsdcAtomicCeil('1')).toBe(1_000_000n);
    expect(usdToUsdcAtomicCeil('0.000001')).toBe(1n);
    expect(usdToUsdcAtomicCeil('0.0000010000')).toBe(1n);
    expect(usdToUsdcAtomicCeil('0.0000010001')).toBe(2n);
    expect(usdToUsdcAtomicCeil('0.00000000000000001')).toBe(1n);
    expect(usdToUsdcAtomicCeil('12345678901234567890.5')).toBe(12345678901234567890_500_000n);
    expect(() => usdToUsdcAtomicCeil('-1')).toThrow();
    expect(() => usdToUsdcAtomicCeil('1e3')).toThrow();
  });

  it('writes atomic units as USD in the shortest exact form', () => {
    expect(usdcAtomicToUsd(0n)).toBe('0');
    expect(usdcAtomicToUsd(1n)).toBe('0.000001');
    expect(usdcAtomicToUsd(1_500_000n)).toBe('1.5');
    expect(usdcAtomicToUsd(3_000_000n)).toBe('3');
    expect(usdcAtomicToUsd(-250_000n)).toBe('-0.25');
  });
});
