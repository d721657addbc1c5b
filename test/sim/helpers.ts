/** Shared by the simulator tests: the normal CDF and small model builders. */
import type { ProviderModel, SimModel, SkuModel } from '../../src/sim/index.js';

/** Φ(x), the standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; error below 1.5e-7). */
export function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const variance = (xs: number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

export function provider(p: Partial<ProviderModel> & { name: string }): ProviderModel {
  return { share: 1, unpaidRate: 0, failShare: 0, windowHours: 1, delayHours: { fixed: 0.1 }, ...p };
}

export function skus(n: number, stock: number): SkuModel[] {
  return Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, stock, price: 1, weight: 1 }));
}

export function model(m: Partial<SimModel>): SimModel {
  return {
    hours: 10,
    checkoutsPerHour: 10,
    traffic: null,
    trials: 100,
    seed: 1,
    skus: skus(1, 10),
    providers: [provider({ name: 'x' })],
    ...m,
  };
}
