/**
 * The simulator against closed-form results (issue 5). Each tolerance is Z
 * standard errors of the mean over the trials: computed exactly where the
 * distribution is known (Poisson), from the trials' own spread otherwise.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/index.js';
import { mean, model, phi, provider, variance } from './helpers.js';

const Z = 5;

/** Mean and variance of max(0, X − S) for X ~ Poisson(mu). */
function poissonExcess(mu: number, s: number): { mean: number; variance: number } {
  let p = Math.exp(-mu);
  let m1 = 0;
  let m2 = 0;
  for (let x = 0; x < mu + 40 * Math.sqrt(mu) + 50; x++) {
    if (x > s) {
      m1 += (x - s) * p;
      m2 += (x - s) ** 2 * p;
    }
    p *= mu / (x + 1);
  }
  return { mean: m1, variance: m2 - m1 * m1 };
}

describe('(a) on-payment, every payment after every arrival: oversold units = E[max(0, X − S)], X ~ Poisson(λ·(1−u))', () => {
  // All checkouts are placed (nothing is taken before the period ends), then the
  // X that pay take S units and oversell the rest. Per SKU, X is Poisson with
  // the SKU's share of λ·hours·(1 − unpaidRate); SKUs are independent.
  const cases = [
    { name: 'fixed delay, one SKU', delay: { fixed: 15 }, weights: [1], stock: [38] },
    {
      name: 'log-normal delay, three SKUs by weight',
      delay: { median: 30, p95: 31 },
      weights: [1, 2, 3],
      stock: [5, 12, 21],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const hours = 10;
      const rate = 5;
      const unpaid = 0.2;
      const trials = 3000;
      const sim = new Simulation(
        model({
          hours,
          checkoutsPerHour: rate,
          trials,
          seed: 2024,
          skus: c.weights.map((w, i) => ({ sku: `S${i}`, stock: c.stock[i], price: 1, weight: w })),
          providers: [
            provider({ name: 'slow', unpaidRate: unpaid, failShare: 0.5, windowHours: 100, delayHours: c.delay }),
          ],
        }),
      ).runAll();
      const total = c.weights.reduce((a, b) => a + b, 0);
      const parts = c.weights.map((w, i) => poissonExcess((rate * hours * (1 - unpaid) * w) / total, c.stock[i]));
      const expected = parts.reduce((n, p) => n + p.mean, 0);
      const sd = Math.sqrt(parts.reduce((n, p) => n + p.variance, 0));
      const oversold = sim.perTrial('on-payment', 'oversoldUnits');
      expect(expected).toBeGreaterThan(0.5); // the case is not trivial
      expect(Math.abs(mean(oversold) - expected)).toBeLessThan((Z * sd) / Math.sqrt(trials));
      expect(sim.perTrial('on-payment', 'rejected').every((x) => x === 0)).toBe(true);
    });
  }
});

describe("(b) on-order, deep stock: mean units held follow Little's law, λ·W", () => {
  // Started empty at 0, E[held(t)] = λ·E[min(W, t)], so the time average over
  // [0, H] is λ·(E[W] − E[W²]/2H) when every hold W ends within H: Little's
  // λ·E[W] with the start-up correction.
  function check(hours: number, rate: number, prov: ReturnType<typeof provider>, ew: number, ew2: number) {
    const trials = 300;
    const sim = new Simulation(
      model({
        hours,
        checkoutsPerHour: rate,
        trials,
        seed: 7,
        skus: [{ sku: 'DEEP', stock: 1e8, price: 1, weight: 1 }],
        providers: [prov],
      }),
    ).runAll();
    const held = sim.perTrial('on-order', 'avgHeldUnits');
    const expected = rate * (ew - ew2 / (2 * hours));
    expect(Math.abs(mean(held) - expected)).toBeLessThan((Z * Math.sqrt(variance(held))) / Math.sqrt(trials));
    expect(sim.perTrial('on-order', 'rejected').every((x) => x === 0)).toBe(true);
    return { expected, little: rate * ew };
  }

  it('every checkout pays after a fixed delay', () => {
    const d = 0.5;
    const r = check(200, 20, provider({ name: 'card', windowHours: 1, delayHours: { fixed: d } }), d, d * d);
    expect(r.expected).toBeCloseTo(r.little, 1);
  });

  it('log-normal delays cut at the window, failures at a random time, expiries at the window', () => {
    const [u, f, w] = [0.3, 0.5, 2];
    const [median, p95] = [0.5, 1.5];
    const mu = Math.log(median);
    const sigma = (Math.log(p95) - mu) / 1.6448536269514722;
    const beyond = 1 - phi((Math.log(w) - mu) / sigma); // P(D ≥ w): held until the window ends, then paid late
    const eMin = Math.exp(mu + sigma ** 2 / 2) * phi((Math.log(w) - mu - sigma ** 2) / sigma) + w * beyond;
    const eMin2 = Math.exp(2 * mu + 2 * sigma ** 2) * phi((Math.log(w) - mu - 2 * sigma ** 2) / sigma) + w * w * beyond;
    const ew = (1 - u) * eMin + u * (f * (w / 2) + (1 - f) * w);
    const ew2 = (1 - u) * eMin2 + u * ((f * (w * w)) / 3 + (1 - f) * w * w);
    check(
      200,
      20,
      provider({ name: 'mixed', unpaidRate: u, failShare: f, windowHours: w, delayHours: { median, p95 } }),
      ew,
      ew2,
    );
  });
});

describe('(c) what each mode can never do', () => {
  const m = model({
    hours: 48,
    checkoutsPerHour: 6,
    traffic: 'peak',
    trials: 300,
    seed: 3,
    skus: [
      { sku: 'A', stock: 2, price: 1, weight: 1 },
      { sku: 'B', stock: 10, price: 1, weight: 2 },
    ],
    providers: [
      provider({
        name: 'card',
        share: 0.5,
        unpaidRate: 0.1,
        failShare: 0.5,
        windowHours: 0.5,
        delayHours: { median: 0.001, p95: 0.01 },
      }),
      provider({ name: 'boleto', share: 0.5, unpaidRate: 0.5, windowHours: 72, delayHours: { fixed: 30 } }),
    ],
  });

  it('on-payment has no phantom rejections (it holds nothing)', () => {
    const s = new Simulation(m).runAll();
    expect(s.perTrial('on-payment', 'phantomRejected').every((x) => x === 0)).toBe(true);
    expect(s.perTrial('on-payment', 'oversoldOrders').some((x) => x > 0)).toBe(true); // and it does oversell here
  });

  it('on-order without late payments never oversells', () => {
    const s = new Simulation(m).runAll();
    expect(s.perTrial('on-order', 'latePayments').every((x) => x === 0)).toBe(true);
    expect(s.perTrial('on-order', 'oversoldOrders').every((x) => x === 0)).toBe(true);
    expect(s.perTrial('on-order', 'phantomRejected').some((x) => x > 0)).toBe(true); // and it does turn buyers away
  });
});
