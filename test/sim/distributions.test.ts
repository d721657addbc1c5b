import { describe, expect, it } from 'vitest';
import { EventHeap } from '../../src/sim/heap.js';
import { Simulation } from '../../src/sim/index.js';
import { AliasTable, delayLaw, drawDelay, Rng, Z95 } from '../../src/sim/rng.js';
import { dailyShape, ratePieces, TRAFFIC, TRAFFIC_NAMES } from '../../src/sim/traffic.js';
import { mean, model, variance } from './helpers.js';

// Tolerances: Z standard errors of the estimator, with the standard error from
// the sample size (never a guessed percentage). Z = 5 makes a false alarm a
// one-in-a-million event; every seed is fixed anyway, so the tests never flake.
const Z = 5;

describe('sfc32', () => {
  it('is deterministic per (seed, stream) and streams differ', () => {
    const a = new Rng(42, 3);
    const b = new Rng(42, 3);
    const c = new Rng(42, 4);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('uniform() is on (0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(7);
    const n = 200_000;
    const xs = Array.from({ length: n }, () => r.uniform());
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(Z * Math.sqrt(1 / 12 / n));
    // sd of the sample variance of U(0,1): sqrt((μ4 − σ⁴)/n), μ4 = 1/80.
    expect(Math.abs(variance(xs) - 1 / 12)).toBeLessThan(Z * Math.sqrt((1 / 80 - 1 / 144) / n));
  });
});

describe('log-normal payment delays', () => {
  // The sample q-quantile has standard error sqrt(q(1−q)/n) / f(x_q).
  const quantileTolerance = (q: number, n: number, density: number) => (Z * Math.sqrt((q * (1 - q)) / n)) / density;

  for (const [median, p95] of [
    [36, 96],
    [3 / 3600, 20 / 3600],
    [252, 470],
  ]) {
    it(`median ${median} h and p95 ${p95} h come back from the samples`, () => {
      const law = delayLaw({ median, p95 });
      const r = new Rng(median * 1000);
      const n = 100_000;
      const xs = Float64Array.from({ length: n }, () => drawDelay(r, law)).sort();
      const sigma = law.sigma;
      const lnDensity = (x: number, z: number) => Math.exp(-(z * z) / 2) / (x * sigma * Math.sqrt(2 * Math.PI));
      expect(Math.abs(xs[Math.floor(n * 0.5)] - median)).toBeLessThan(quantileTolerance(0.5, n, lnDensity(median, 0)));
      expect(Math.abs(xs[Math.floor(n * 0.95)] - p95)).toBeLessThan(quantileTolerance(0.95, n, lnDensity(p95, Z95)));
    });
  }

  it('a fixed delay, or p95 equal to the median, is exactly that value', () => {
    const r = new Rng(1);
    expect(drawDelay(r, delayLaw({ fixed: 2.5 }))).toBe(2.5);
    expect(drawDelay(r, delayLaw({ fixed: 0 }))).toBe(0);
    expect(drawDelay(r, delayLaw({ median: 4, p95: 4 }))).toBe(4);
  });
});

describe('picking SKUs by weight (alias table)', () => {
  it('draws each index in proportion to its weight', () => {
    const weights = [1, 2, 3, 0.5, 10, 0.01];
    const table = new AliasTable(weights);
    const r = new Rng(5);
    const n = 300_000;
    const counts = new Array(weights.length).fill(0);
    for (let i = 0; i < n; i++) counts[table.draw(r)]++;
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      const p = w / total;
      expect(Math.abs(counts[i] - n * p)).toBeLessThan(Z * Math.sqrt(n * p * (1 - p)));
    });
  });
});

describe('the event heap', () => {
  it('pops in time order, across growth, with interleaved pushes', () => {
    const h = new EventHeap(4);
    const r = new Rng(9);
    const popped: number[] = [];
    let now = 0;
    for (let i = 0; i < 5000; i++) {
      h.push(now + r.uniform() * 100, i);
      if (i % 3 === 2) {
        now = h.peekTime();
        popped.push(now);
        h.pop();
      }
    }
    while (h.size > 0) {
      popped.push(h.peekTime());
      h.pop();
    }
    expect(popped).toHaveLength(5000);
    for (let i = 1; i < popped.length; i++) expect(popped[i]).toBeGreaterThanOrEqual(popped[i - 1]);
  });

  it('returns the ids pushed with each time', () => {
    const h = new EventHeap(2);
    [
      [5, 50],
      [1, 10],
      [3, 30],
      [2, 20],
      [4, 40],
    ].forEach(([t, id]) => {
      h.push(t, id);
    });
    const ids: number[] = [];
    while (h.size > 0) ids.push(h.pop());
    expect(ids).toEqual([10, 20, 30, 40, 50]);
  });
});

describe('traffic profiles', () => {
  it("the daily curve has mean 1 over a day and the profile's peak at 20:00", () => {
    for (const name of TRAFFIC_NAMES) {
      const p = TRAFFIC[name].peakToMean;
      let area = 0;
      for (let m = 0; m < 24 * 60; m++) area += dailyShape((m + 0.5) / 60, p) / 60;
      expect(area / 24).toBeCloseTo(1, 6);
      expect(dailyShape(20, p)).toBeCloseTo(p, 12);
    }
  });

  it("each profile scales the period's average rate by its multiplier; flash adds its burst", () => {
    for (const hours of [1, 7.5, 24, 72]) {
      expect(ratePieces(hours, 10, null).expected).toBeCloseTo(10 * hours, 9);
      expect(ratePieces(hours, 10, 'normal').expected).toBeCloseTo(10 * hours, 9);
      expect(ratePieces(hours, 10, 'busy').expected).toBeCloseTo(20 * hours, 9);
      expect(ratePieces(hours, 10, 'peak').expected).toBeCloseTo(35 * hours, 9);
    }
    const flash = ratePieces(24, 10, 'flash');
    expect(flash.r0[0]).toBe(500);
    expect(flash.end[0]).toBe(0.25);
    expect(flash.expected).toBeGreaterThan(500 * 0.25 + 10 * 23);
  });
});

describe('Poisson arrivals', () => {
  // Counts per trial must be Poisson(Λ): mean Λ and variance Λ. The sample mean
  // has sd sqrt(Λ/n); the sample variance of a Poisson has sd ≈ sqrt((Λ + 2Λ²)/n).
  for (const [traffic, hours, rate] of [
    [null, 10, 6],
    ['peak', 24, 2],
    ['flash', 6, 1],
  ] as const) {
    it(`${traffic ?? 'constant'} traffic: checkouts per trial have mean and variance Λ`, () => {
      const trials = 4000;
      const sim = new Simulation(model({ hours, checkoutsPerHour: rate, traffic, trials, seed: 11 })).runAll();
      const counts = sim.perTrial('on-order', 'checkouts');
      const lambda = ratePieces(hours, rate, traffic).expected;
      expect(Math.abs(mean(counts) - lambda)).toBeLessThan(Z * Math.sqrt(lambda / trials));
      expect(Math.abs(variance(counts) - lambda)).toBeLessThan(Z * Math.sqrt((lambda + 2 * lambda * lambda) / trials));
    });
  }
});
