import { describe, expect, it } from 'vitest';
import {
  agreement,
  breakEven,
  candidatePolicies,
  choose,
  costModel,
  type CandidatePolicy,
  type CandidateTrials,
} from '../../src/core/costs.js';
import { CATALOGUE, type Provider } from '../../src/core/providers.js';

const P = (name: string): Provider => CATALOGUE.find((p) => p.name === name)!;

/** A candidate whose per-trial lost sales and oversold orders are given (per 1,000 checkouts). */
function trials(
  name: string,
  lost: number[],
  over: number[],
  base: CandidatePolicy['base'] = 'on-order',
): CandidateTrials {
  return {
    policy: { name, base },
    lostSales: lost,
    oversoldOrders: over,
    delivered: lost.map((x) => 100 - x),
    oracleDelivered: lost.map(() => 100),
    phantomRejected: lost.map(() => 0),
  };
}
const noRules = () => 0;

describe('the cost model', () => {
  it('defaults are stated with their source; flags replace them; the oversell cost grows with the restock wait', () => {
    const d = costModel({});
    expect(d.margin).toMatchObject({ value: 10, source: 'default' });
    expect(d.oversellCost.source).toBe('derived');
    expect(d.oversellCost.note).toMatch(/\[A\].*Anderson, Fitzsimons & Simester 2006/);
    expect(d.lostSaleShare.note).toMatch(/\[A\].*Breugelmans/);
    expect(costModel({ restockDays: 30 }).oversellCost.value).toBeGreaterThan(
      costModel({ restockDays: 1 }).oversellCost.value,
    );
    const f = costModel({ margin: 4, oversellCost: 9, lostSaleShare: 0.25 });
    expect(f).toMatchObject({
      margin: { value: 4, source: 'flag' },
      oversellCost: { value: 9, source: 'flag' },
      lostSaleCost: 1,
    });
  });
});

describe('the choice', () => {
  const costs = costModel({ margin: 10, oversellCost: 20, lostSaleShare: 1 }); // a lost sale 10, an oversold order 20

  it('picks the lowest expected cost when the paired difference is clear', () => {
    const c = choose(
      [
        trials('holds', [2, 2.2, 1.8, 2.1], [0, 0, 0, 0]),
        trials('takes', [0, 0, 0, 0], [5, 5.5, 4.5, 5.2], 'on-payment'),
      ],
      costs,
      () => 0,
    );
    expect(c.chosen.name).toBe('holds'); // 20 against 100
    expect(c.tieBrokenByRules).toBe(false);
    expect(c.margin!.low).toBeGreaterThan(0);
  });

  it('within noise, SPEC section 1 breaks the tie, and says so', () => {
    // The same mean cost, paired differences that straddle 0.
    const a = trials('a', [1, 3, 2, 2], [0, 0, 0, 0]);
    const b = trials('b', [0, 0, 0, 0], [1.1, 0.9, 1, 1.1], 'on-payment');
    const rulesLikeB = (p: CandidatePolicy) => (p.base === 'on-payment' ? 1 : 0);
    const c = choose([a, b], costs, rulesLikeB);
    expect(c.tied.map((t) => t.name).sort()).toEqual(['a', 'b']);
    expect(c.tieBrokenByRules).toBe(true);
    expect(c.chosen.name).toBe('b');
    const rulesLikeA = (p: CandidatePolicy) => (p.base === 'on-order' ? 1 : 0);
    expect(choose([a, b], costs, rulesLikeA).chosen.name).toBe('a');
  });

  it('a difference below the material threshold (1% of the oracle’s profit) is a tie too', () => {
    const c = choose([trials('a', [0.05, 0.05], [0, 0]), trials('b', [0, 0], [0, 0], 'on-payment')], costs, noRules);
    expect(c.cheapest.name).toBe('b');
    expect(c.tieBrokenByRules).toBe(true);
  });

  it('monotone in the oversell cost: the dearer an oversold order, the fewer oversold orders the choice accepts', () => {
    const set = [
      trials('on-payment', [0, 0], [10, 10], 'on-payment'),
      trials('override', [1, 1], [3, 3]),
      trials('on-order', [4, 4], [0.5, 0.5]),
    ];
    let last = Number.POSITIVE_INFINITY;
    const seen: string[] = [];
    for (const k of [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000]) {
      const c = choose(set, costModel({ margin: 10, oversellCost: k, lostSaleShare: 1 }), noRules);
      expect(c.cheapest.oversoldOrders).toBeLessThanOrEqual(last);
      last = c.cheapest.oversoldOrders;
      seen.push(c.cheapest.name);
    }
    expect(new Set(seen)).toEqual(new Set(['on-payment', 'override', 'on-order']));
  });

  it('break-even: the oversell costs at which the lowest-cost choice changes, exactly where the lines cross', () => {
    const set = [
      trials('on-payment', [0, 0], [10, 10], 'on-payment'),
      trials('override', [1, 1], [3, 3]),
      trials('on-order', [4, 4], [0.5, 0.5]),
    ];
    const c = choose(set, costModel({ margin: 10, oversellCost: 5, lostSaleShare: 1 }), noRules);
    expect(c.cheapest.name).toBe('override'); // 10 + 15 = 25 against 50 and 42.5
    // override vs on-payment: 10 + 3k = 10k → k = 10/7; override vs on-order: 10 + 3k = 40 + 0.5k → k = 12.
    expect(c.breakEven.below).toMatchObject({ candidate: 'on-payment' });
    expect(c.breakEven.below!.oversellCost).toBeCloseTo(10 / 7, 9);
    expect(c.breakEven.above).toMatchObject({ candidate: 'on-order' });
    expect(c.breakEven.above!.oversellCost).toBeCloseTo(12, 9);
    expect(c.breakEven.above!.ratio).toBeCloseTo(1.2, 9);
    // Just past each bound, the other candidate is the cheapest.
    expect(choose(set, costModel({ margin: 10, oversellCost: 12.01, lostSaleShare: 1 }), noRules).cheapest.name).toBe(
      'on-order',
    );
    expect(choose(set, costModel({ margin: 10, oversellCost: 1.4, lostSaleShare: 1 }), noRules).cheapest.name).toBe(
      'on-payment',
    );
    expect(
      breakEven(
        c.candidates.filter((x) => x.name === 'override'),
        0,
        costs,
      ),
    ).toEqual({ below: null, above: null });
  });
});

describe('the candidates', () => {
  it('store-wide modes, each subset of the slow providers, shorter windows where the provider allows, and the peak', () => {
    const names = candidatePolicies([P('card'), P('boleto'), P('konbini')], null).map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'on-order',
        'on-payment',
        'on-payment, on-order for boleto',
        'on-payment, on-order for konbini',
        'on-payment, on-order for boleto+konbini',
        'on-payment, on-order for boleto+konbini, boleto window 2 d',
        'on-payment, on-order for boleto+konbini, konbini window 1 d',
      ]),
    );
    const peak = candidatePolicies([P('card'), P('paypal')], 96);
    expect(peak.find((c) => c.schedule)).toMatchObject({
      name: 'on-order for the peak, then on-payment',
      schedule: { mode: 'on-order', fromHours: 0, untilHours: 96 },
    });
    // Only slow providers: no overrides to try, and never the same policy twice.
    const solo = candidatePolicies([P('boleto')], null).map((c) => c.name);
    expect(solo).toEqual(['on-order', 'on-payment', 'on-order, boleto window 2 d']);
  });

  it('agreement with the rules counts the providers whose mode matches, peak and after', () => {
    const rules = { base: 'on-order' as const, overrides: {}, schedule: [] };
    expect(agreement({ name: 'x', base: 'on-order' }, rules, ['card', 'boleto'], [0])).toBe(2);
    expect(
      agreement({ name: 'y', base: 'on-payment', overrides: { boleto: 'on-order' } }, rules, ['card', 'boleto'], [0]),
    ).toBe(1);
  });
});
