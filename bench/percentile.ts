/** The value at `share` (0.5 = p50) of ascending `sorted` values, rounded to 0.01 (NaN when there are none). */
export function percentile(sorted: readonly number[], share: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? NaN).toFixed(2));
}
