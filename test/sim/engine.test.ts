import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODES } from '../../src/core/modes.js';
import { Engine } from '../../src/sim/engine.js';
import { simulate, Simulation, type ProviderModel, type SimModel } from '../../src/sim/index.js';
import { model, provider, skus } from './helpers.js';

// Hand-written checkouts through the engine: the story of `inv demo`, step by step.
const card = 0;
const boleto = 1;
const engine = (stock: number[]) =>
  new Engine(
    model({
      hours: 200,
      skus: stock.map((s, i) => ({ sku: `S${i}`, stock: s, price: 10, weight: 1 })),
      providers: [
        provider({ name: 'card', share: 0.5, windowHours: 0.5 }),
        provider({ name: 'boleto', share: 0.5, windowHours: 120 }),
      ],
    }),
  );

describe('the event logic, on hand-written checkouts', () => {
  it('on-payment sells the last unit twice while a Boleto is pending; on-order refuses the second buyer', () => {
    const script = [
      { at: 0, sku: 0, provider: boleto, pay: 30 },
      { at: 1, sku: 0, provider: card, pay: 0.01 },
    ];
    const op = engine([1]).playScript('on-payment', script);
    expect(op).toMatchObject({
      checkouts: 2,
      placed: 2,
      rejected: 0,
      paid: 2,
      oversoldOrders: 1,
      oversoldUnits: 1,
      unitsSold: 2,
      // The oversold unit is refunded or owed: not income, not delivered, and not a lost sale
      // either (the oracle, too, has only the one unit for the two payers).
      revenue: 10,
      delivered: 1,
      oracleDelivered: 1,
      lostSales: 0,
      avgHeldUnits: 0,
    });
    const oo = engine([1]).playScript('on-order', script);
    // Ana's Boleto is paid within its window: Ben's refusal is a real stockout, not a phantom one.
    expect(oo).toMatchObject({ checkouts: 2, placed: 1, rejected: 1, phantomRejected: 0, paid: 1, oversoldOrders: 0 });
    expect(oo.avgHeldUnits).toBeCloseTo(30 / 200, 12); // one unit held for 30 of 200 hours
  });

  it('an abandoned checkout makes a phantom stockout under on-order until its window ends', () => {
    const script = [
      { at: 0, sku: 0, provider: card }, // Carl never pays: expires at 0.5
      { at: 0.1, sku: 0, provider: card, pay: 0.01 }, // Dee: refused under on-order
      { at: 0.5, sku: 0, provider: card, pay: 0.01 }, // Eve, the instant Carl's window ends: the unit is back
    ];
    const oo = engine([1]).playScript('on-order', script);
    expect(oo).toMatchObject({ placed: 2, rejected: 1, phantomRejected: 1, paid: 1, expired: 1, oversoldOrders: 0 });
    const op = engine([1]).playScript('on-payment', script);
    expect(op).toMatchObject({ placed: 2, rejected: 1, phantomRejected: 0, paid: 1, expired: 1 });
  });

  it('a failure notice releases the hold at its time', () => {
    const script = [
      { at: 0, sku: 0, provider: card, fail: 0.2 },
      { at: 0.3, sku: 0, provider: card, pay: 0.01 },
    ];
    expect(engine([1]).playScript('on-order', script)).toMatchObject({ placed: 2, rejected: 0, failed: 1, paid: 1 });
    expect(engine([1]).playScript('on-order', [script[0], { ...script[1], at: 0.1 }])).toMatchObject({
      placed: 1,
      rejected: 1,
      phantomRejected: 1,
      failed: 1,
    });
  });

  it('a payment after expiry is a late payment that takes stock like on-payment, in both modes', () => {
    const script = [
      { at: 0, sku: 0, provider: boleto, pay: 130 }, // expires at 120, pays at 130
      { at: 121, sku: 0, provider: card, pay: 0.01 }, // buys the unit the expiry gave back
    ];
    for (const mode of MODES) {
      expect(engine([1]).playScript(mode, script)).toMatchObject({
        placed: 2,
        paid: 2,
        latePayments: 1,
        expired: 0,
        oversoldOrders: 1,
        oversoldUnits: 1,
      });
    }
  });

  it('a late payer held its unit for nothing: refusals meanwhile count as phantom', () => {
    const script = [
      { at: 0, sku: 0, provider: boleto, pay: 130 },
      { at: 50, sku: 0, provider: card, pay: 0.01 },
    ];
    expect(engine([1]).playScript('on-order', script)).toMatchObject({
      rejected: 1,
      phantomRejected: 1,
      latePayments: 1,
      paid: 1,
      oversoldOrders: 0,
    });
  });

  it('stock of one SKU never serves another', () => {
    const script = [
      { at: 0, sku: 0, provider: card, pay: 0.01 },
      { at: 1, sku: 1, provider: card, pay: 0.01 },
      { at: 2, sku: 1, provider: card, pay: 0.01 },
    ];
    for (const mode of MODES)
      expect(engine([5, 1]).playScript(mode, script)).toMatchObject({ placed: 2, rejected: 1, paid: 2 });
  });
});

describe('determinism and common random numbers', () => {
  const m = model({
    hours: 24,
    checkoutsPerHour: 8,
    traffic: 'peak',
    trials: 60,
    seed: 99,
    skus: skus(4, 3),
    providers: [
      provider({
        name: 'card',
        share: 0.7,
        unpaidRate: 0.05,
        windowHours: 0.5,
        delayHours: { median: 0.001, p95: 0.01 },
      }),
      provider({ name: 'boleto', share: 0.3, unpaidRate: 0.5, windowHours: 120, delayHours: { median: 36, p95: 96 } }),
    ],
  });

  it('the same seed gives the same result; another seed another', () => {
    expect(simulate(m)).toEqual(simulate(m));
    expect(simulate({ ...m, seed: 100 }).results).not.toEqual(simulate(m).results);
  });

  it('trial k depends only on (seed, k): running trials in another order changes nothing', () => {
    const a = new Simulation(m).runAll();
    const b = new Simulation(m);
    for (let k = m.trials - 1; k >= 0; k--) b.runTrial(k);
    expect(b.perTrial('on-order', 'oversoldOrders')).toEqual(a.perTrial('on-order', 'oversoldOrders'));
    expect(b.result()).toEqual(a.result());
  });

  it('both modes see the same checkouts in every trial', () => {
    const s = new Simulation(m).runAll();
    expect(s.perTrial('on-order', 'checkouts')).toEqual(s.perTrial('on-payment', 'checkouts'));
  });
});

// Random models: the invariants hold in every trial, whatever the parameters.
const providerArb = fc.record({
  share: fc.double({ min: 0.05, max: 1, noNaN: true }),
  unpaidRate: fc.double({ min: 0, max: 1, noNaN: true }),
  failShare: fc.double({ min: 0, max: 1, noNaN: true }),
  windowHours: fc.double({ min: 0.05, max: 48, noNaN: true }),
  median: fc.double({ min: 0.001, max: 30, noNaN: true }),
  spread: fc.double({ min: 1, max: 6, noNaN: true }),
  lateShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
});
const modelArb = fc
  .record({
    hours: fc.double({ min: 0.5, max: 48, noNaN: true }),
    rate: fc.double({ min: 0.5, max: 15, noNaN: true }),
    traffic: fc.constantFrom(null, 'normal', 'busy', 'peak', 'flash' as const),
    stocks: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 5 }),
    providers: fc.array(providerArb, { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
  })
  .map(({ hours, rate, traffic, stocks, providers, seed }): SimModel => {
    const total = providers.reduce((n, p) => n + p.share, 0);
    return {
      hours,
      checkoutsPerHour: rate,
      traffic,
      trials: 8,
      seed,
      skus: stocks.map((s, i) => ({ sku: `S${i}`, stock: s, price: 2, weight: 1 + i })),
      providers: providers.map(
        (p, i): ProviderModel => ({
          name: `p${i}`,
          share: p.share / total,
          unpaidRate: p.unpaidRate,
          failShare: p.failShare,
          windowHours: p.windowHours,
          delayHours: { median: p.median, p95: p.median * p.spread },
          ...(p.lateShare > 0
            ? { lateShare: p.lateShare, lateDelayHours: { median: p.windowHours * 2, p95: p.windowHours * 4 } }
            : {}),
        }),
      ),
    };
  });

describe('invariants of every trial (property-based)', () => {
  it('counts add up; on-payment has no phantom rejections and holds nothing; on-order oversells only through late payments', () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const s = new Simulation(m).runAll();
        const v = (mode: 'on-order' | 'on-payment', metric: Parameters<typeof s.perTrial>[1]) =>
          s.perTrial(mode, metric);
        for (let k = 0; k < m.trials; k++) {
          for (const mode of MODES) {
            const at = (metric: Parameters<typeof s.perTrial>[1]) => v(mode, metric)[k];
            expect(at('placed') + at('rejected')).toBe(at('checkouts'));
            expect(at('paid') + at('failed') + at('expired')).toBe(at('placed'));
            expect(at('unitsSold')).toBe(at('paid'));
            expect(at('revenue')).toBe(2 * at('delivered'));
            expect(at('oversoldUnits')).toBe(at('oversoldOrders'));
            expect(at('phantomRejected')).toBeLessThanOrEqual(at('rejected'));
            expect(at('latePayments')).toBeLessThanOrEqual(at('paid'));
          }
          expect(v('on-payment', 'phantomRejected')[k]).toBe(0);
          expect(v('on-payment', 'avgHeldUnits')[k]).toBe(0);
          expect(v('on-order', 'oversoldOrders')[k]).toBeLessThanOrEqual(v('on-order', 'latePayments')[k]);
          expect(v('on-order', 'checkouts')[k]).toBe(v('on-payment', 'checkouts')[k]);
        }
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('on-order without late payments (every delay inside its window) never oversells', () => {
    fc.assert(
      fc.property(modelArb, (m0) => {
        const m: SimModel = {
          ...m0,
          providers: m0.providers.map(({ lateShare: _l, lateDelayHours: _d, ...p }) => ({
            ...p,
            delayHours: { fixed: p.windowHours * 0.9 },
          })),
        };
        const s = new Simulation(m).runAll();
        expect(s.perTrial('on-order', 'latePayments').every((x) => x === 0)).toBe(true);
        expect(s.perTrial('on-order', 'oversoldOrders').every((x) => x === 0)).toBe(true);
      }),
      { numRuns: 40, seed: 6 },
    );
  });
});
