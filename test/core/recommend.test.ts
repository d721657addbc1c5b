import { describe, expect, it } from 'vitest';
import { CATALOGUE, type Provider } from '../../src/core/providers.js';
import {
  DEEP_UNITS,
  SHALLOW_UNITS,
  SLOW_RESTOCK_DAYS,
  decide,
  depthClass,
  type RecommendInput,
} from '../../src/core/recommend.js';

const P = (name: string): Provider => CATALOGUE.find((p) => p.name === name)!;
const NOW = Date.parse('2026-11-20T00:00:00Z');
const input = (o: Partial<Omit<RecommendInput, 'providers'>> & { providers: string[] }): RecommendInput => ({
  traffic: 'normal',
  depth: null,
  restockDays: null,
  nowMs: NOW,
  peakFromMs: null,
  peakUntilMs: null,
  ...o,
  providers: o.providers.map(P),
});
const depth = (units: number) => ({ units, source: 'flag' as const });

describe('SPEC 1.1: slow payment methods → on-order', () => {
  for (const slow of ['boleto', 'konbini', 'komoju']) {
    it(`${slow} alone → on-order, permanently, naming its delay`, () => {
      const r = decide(input({ providers: [slow], depth: depth(20) }));
      expect(r).toMatchObject({
        mode: 'on-order',
        temporary: false,
        until: null,
        decidedBy: { rule: 'slow-provider', strength: 'strong' },
      });
      expect(r.reasons[0]).toMatch(
        new RegExp(`${P(slow).label} is a slow method: payments arrive a median .* after the order`),
      );
    });
  }

  it('a slow provider in a deep-stock shop is still on-order (the rule is firm)', () => {
    expect(decide(input({ providers: ['boleto', 'card'], depth: depth(500), traffic: 'normal' })).mode).toBe(
      'on-order',
    );
  });

  it('a mixed mix offers on-order overrides for the slow providers only', () => {
    const r = decide(input({ providers: ['card', 'konbini', 'boleto'] }));
    expect(r.alternative).toMatchObject({ base: 'on-payment', overrides: { konbini: 'on-order', boleto: 'on-order' } });
    expect(r.alternative?.text).toMatch(/inv set-mode on-order --provider konbini/);
    expect(decide(input({ providers: ['boleto'] })).alternative).toBeNull();
    expect(decide(input({ providers: ['card'] })).alternative).toBeNull();
  });
});

describe('SPEC 1.2: instant methods that are sometimes late', () => {
  it('PayPal at busy traffic with moderate stock → on-order for the spell, naming its late share', () => {
    const r = decide(input({ providers: ['paypal'], traffic: 'busy', depth: depth(20) }));
    expect(r).toMatchObject({ mode: 'on-order', temporary: true });
    expect(r.reasons.join(' ')).toMatch(
      /PayPal usually confirms at once, but about 5% of its payments arrive late .* at busy traffic that is enough to oversell/,
    );
  });

  it('PayPal at normal traffic is noted but does not decide', () => {
    const r = decide(input({ providers: ['paypal'], traffic: 'normal', depth: depth(20) }));
    expect(r.mode).toBe('on-payment');
    expect(r.reasons.join(' ')).toMatch(/at normal traffic that rarely matters/);
  });
});

describe('SPEC 1.3: traffic peaks → on-order temporarily, with the date to switch back', () => {
  it('instant providers at a peak with shallow stock', () => {
    const until = Date.parse('2026-12-01T00:00:00Z');
    const r = decide(
      input({
        providers: ['card'],
        traffic: 'peak',
        depth: depth(3),
        peakFromMs: Date.parse('2026-11-27T00:00:00Z'),
        peakUntilMs: until,
      }),
    );
    expect(r).toMatchObject({
      mode: 'on-order',
      temporary: true,
      from: '2026-11-27T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
    });
    expect(r.reasons.join(' ')).toMatch(
      /Switch to on-order for the peak only, from 2026-11-27T00:00:00.000Z until 2026-12-01/,
    );
  });

  it('without --peak-until a peak lasts 4 days from now, a busy spell 7', () => {
    expect(decide(input({ providers: ['card'], traffic: 'peak', depth: depth(3) })).until).toBe(
      '2026-11-24T00:00:00.000Z',
    );
    expect(decide(input({ providers: ['card'], traffic: 'busy', depth: depth(3) })).until).toBe(
      '2026-11-27T00:00:00.000Z',
    );
  });

  it('a peak that already started starts the window now', () => {
    const r = decide(
      input({
        providers: ['card'],
        traffic: 'peak',
        depth: depth(3),
        peakFromMs: NOW - 86_400_000,
        peakUntilMs: NOW + 86_400_000,
      }),
    );
    expect(r.from).toBe(new Date(NOW).toISOString());
  });

  it('a peak with deep stock stays on-payment', () => {
    expect(decide(input({ providers: ['card'], traffic: 'peak', depth: depth(DEEP_UNITS) })).mode).toBe('on-payment');
    expect(decide(input({ providers: ['card'], traffic: 'peak', depth: depth(DEEP_UNITS - 1) })).mode).toBe('on-order');
  });
});

describe('SPEC 1.4: stock depth and restocking', () => {
  it('instant providers, normal traffic, deep stock → on-payment', () => {
    const r = decide(input({ providers: ['card', 'ideal'], depth: depth(200) }));
    expect(r).toMatchObject({ mode: 'on-payment', temporary: false });
    expect(r.reasons.join(' ')).toMatch(/Stock is deep .*makes on-payment safe/);
  });

  it('shallow stock with a long restock time → on-order; the boundary is inclusive', () => {
    expect(
      decide(input({ providers: ['card'], depth: depth(SHALLOW_UNITS), restockDays: SLOW_RESTOCK_DAYS })).mode,
    ).toBe('on-order');
    expect(
      decide(input({ providers: ['card'], depth: depth(SHALLOW_UNITS), restockDays: SLOW_RESTOCK_DAYS - 1 })).mode,
    ).toBe('on-payment');
    expect(decide(input({ providers: ['card'], depth: depth(SHALLOW_UNITS + 1), restockDays: 30 })).mode).toBe(
      'on-payment',
    );
  });

  it('depth classes, including a store where many SKUs are nearly out', () => {
    expect(depthClass(null)).toBe('unknown');
    expect(depthClass(depth(SHALLOW_UNITS))).toBe('shallow');
    expect(depthClass(depth(SHALLOW_UNITS + 1))).toBe('medium');
    expect(depthClass(depth(DEEP_UNITS))).toBe('deep');
    expect(depthClass({ units: 80, shallowShare: 0.6, source: 'store' })).toBe('shallow');
    expect(depthClass({ units: 80, shallowShare: 0.2, source: 'store' })).toBe('medium');
  });

  it('unknown depth at a peak is treated as able to run out', () => {
    const r = decide(input({ providers: ['card'], traffic: 'peak' }));
    expect(r.mode).toBe('on-order');
    expect(r.reasons.join(' ')).toMatch(/Stock depth was not given/);
  });
});

describe('SPEC 1.5: the cost of on-order is always stated when on-order is advised', () => {
  it('names the longest hold and its unpaid share', () => {
    const r = decide(input({ providers: ['card', 'boleto'] }));
    expect(r.reasons.join(' ')).toMatch(
      /The cost of on-order: .*Boleto Bancário: 5 days, 50% never pay.*phantom stockout/,
    );
    expect(decide(input({ providers: ['card'], depth: depth(500) })).reasons.join(' ')).not.toMatch(/cost of on-order/);
  });
});
