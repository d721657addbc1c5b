/**
 * The q-quantile of sorted values by nearest rank: always one of the values
 * themselves, so a count stays a whole number ("between 25 and 46 oversold
 * orders", "the median SKU has 12 units"). NaN when there are none.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}
