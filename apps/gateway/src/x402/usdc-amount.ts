/** USDC has 6 decimals: 1 USD = 1,000,000 atomic units. */
export const USDC_DECIMALS = 6;

const SCALE = 10n ** BigInt(USDC_DECIMALS);
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * A USD decimal string as whole USDC atomic units, rounded up to the next unit: what is asked for a cost must cover
 * it. Exact integer arithmetic (never a float).
 */
export function usdToUsdcAtomicCeil(usd: string): bigint {
  const match = DECIMAL.exec(usd);
  if (!match) throw new Error(`not a non-negative decimal: ${JSON.stringify(usd)}`);
  const fraction = match[2] ?? '';
  const kept = fraction.slice(0, USDC_DECIMALS).padEnd(USDC_DECIMALS, '0');
  const rest = fraction.slice(USDC_DECIMALS);
  return BigInt(match[1]) * SCALE + BigInt(kept) + (/[1-9]/.test(rest) ? 1n : 0n);
}

/** USDC atomic units as a USD decimal string, exactly, in its shortest form ("1.5", "0.000001", "3"). */
export function usdcAtomicToUsd(atomic: bigint): string {
  if (atomic < 0n) return `-${usdcAtomicToUsd(-atomic)}`;
  const fraction = (atomic % SCALE).toString().padStart(USDC_DECIMALS, '0').replace(/0+$/, '');
  return `${atomic / SCALE}${fraction ? `.${fraction}` : ''}`;
}
