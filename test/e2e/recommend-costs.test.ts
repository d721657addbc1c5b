/**
 * Issue 13: the decision engine end to end: the five cases the issue quotes, the
 * JSON document, the cost flags, and advice that never contradicts itself.
 */
import { describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';

const NOW = '2026-11-20T09:00:00Z';

const CASES: [string, string[]][] = [
  ['boleto, normal traffic, 3 units', ['--provider', 'boleto', '--traffic', 'normal', '--stock-depth', '3']],
  ['card + boleto at a peak, 5 units', ['--provider', 'card,boleto', '--traffic', 'peak', '--stock-depth', '5']],
  ['konbini, normal traffic, 3 units', ['--provider', 'konbini', '--traffic', 'normal', '--stock-depth', '3']],
  [
    'card + boleto, normal traffic, 8 units',
    ['--provider', 'card,boleto', '--traffic', 'normal', '--stock-depth', '8'],
  ],
  ['card + paypal at a peak, 3 units', ['--provider', 'card,paypal', '--traffic', 'peak', '--stock-depth', '3']],
];

describe('inv recommend: the lowest expected cost, every candidate on the same customers', () => {
  const s = tempStore();
  const run = (args: string[]) => s.run(['recommend', ...args, '--json', '--now', NOW]);

  for (const [what, args] of CASES) {
    it(`${what}: the choice is a candidate, the cheapest one unless the rules broke a tie; no reason argues with the advice`, () => {
      const r = run(args);
      expect(r.code).toBe(0);
      const j = r.json;
      const chosen = j.candidates.find((c: { name: string }) => c.name === j.policy.name);
      expect(chosen).toBeDefined();
      const cheapest = Math.min(...j.candidates.map((c: { cost: { mean: number } }) => c.cost.mean));
      if (!j.tieBrokenByRules) expect(chosen.cost.mean).toBe(cheapest);
      else expect(j.tie.candidates).toContain(j.policy.name);
      expect(j.reasons.join(' ')).not.toMatch(/disagree/i);
      expect(j.reasons.join(' ')).toMatch(/Break-even/);
      for (const c of j.candidates) {
        expect(c.lostSales).toBeGreaterThanOrEqual(0);
        expect(c.efficiency).toBeLessThanOrEqual(1);
        expect(c.cost.low).toBeLessThanOrEqual(c.cost.mean);
        expect(c.cost.high).toBeGreaterThanOrEqual(c.cost.mean);
      }
      // The human output is the same advice.
      const human = s.run(['recommend', ...args, '--now', NOW]);
      expect(human.stdout).toContain(`Recommendation: ${j.policy.name}`);
      expect(human.stdout).not.toMatch(/disagree/i);
    });
  }

  it('slow providers still lead to on-order under the default costs: a Boleto order holds stock', () => {
    for (const [, args] of CASES.filter(([w]) => /boleto|konbini/.test(w))) {
      const j = run(args).json;
      const provider = args[1].split(',').find((p) => p !== 'card')!;
      expect(j.policy.overrides[provider] ?? j.policy.base).toBe('on-order');
    }
  });

  it('a peak on shallow stock with instant providers leads to on-order for the peak, then the base mode', () => {
    const j = run(CASES[4][1]).json;
    expect(j).toMatchObject({
      mode: 'on-order',
      temporary: true,
      policy: { base: 'on-payment', schedule: { mode: 'on-order' } },
    });
  });

  it('the JSON document: policy, candidates, costModel with sources, breakEven, tieBrokenByRules, inputs with origins; old fields kept', () => {
    const j = run(['--provider', 'card,boleto', '--traffic', 'normal', '--stock-depth', '8', '--margin', '12']).json;
    for (const k of ['mode', 'temporary', 'until', 'reasons', 'risk', 'alternative', 'inputs', 'simulation'])
      expect(j).toHaveProperty(k);
    expect(j.policy).toMatchObject({
      base: expect.any(String),
      overrides: expect.any(Object),
      commands: expect.any(Array),
    });
    expect(j.candidates.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(j.candidates[0]).sort()).toEqual(
      ['cost', 'delivered', 'efficiency', 'lostSales', 'name', 'oversoldOrders', 'phantomRejected', 'policy'].sort(),
    );
    expect(j.costModel.margin).toEqual({ value: 12, source: 'flag', note: '--margin' });
    expect(j.costModel.oversellCost.source).toBe('derived');
    expect(j.costModel.oversellCost.value).toBeCloseTo(12 * (1.5 + 0.25 * 7), 6);
    expect(j.costModel.lostSaleShare.source).toBe('default');
    expect(typeof j.tieBrokenByRules).toBe('boolean');
    expect(j.breakEven).toHaveProperty('below');
    expect(j.breakEven).toHaveProperty('above');
    expect(j.inputs.origin).toMatchObject({ stockDepth: 'flag', unpaidRate: 'catalogue', restockDays: 'default' });
    expect(j.inputs.figures.map((f: { provider: string }) => f.provider)).toEqual(['card', 'boleto']);
    // The horizon: at least twice the longest hold window (Boleto, 5 days).
    expect(j.simulation.hours).toBeGreaterThanOrEqual(240);
  });

  it('monotone in --oversell-cost: the dearer an oversold order, the fewer oversold orders the choice accepts', () => {
    let last = Number.POSITIVE_INFINITY;
    const chosen: string[] = [];
    for (const k of ['0', '0.5', '5', '50', '5000']) {
      const j = run([
        '--provider',
        'card,boleto',
        '--traffic',
        'normal',
        '--stock-depth',
        '8',
        '--oversell-cost',
        k,
      ]).json;
      const c = j.candidates.find((x: { name: string }) => x.name === j.breakEven.of);
      expect(c.oversoldOrders).toBeLessThanOrEqual(last);
      last = c.oversoldOrders;
      chosen.push(j.breakEven.of);
    }
    // Free overselling makes on-payment the cheapest; a very dear one, a policy that holds stock.
    expect(chosen[0]).toBe('on-payment');
    expect(chosen.at(-1)).not.toBe('on-payment');
  });

  it('bad cost flags: one line, exit 2', () => {
    for (const args of [
      ['--margin', 'abc'],
      ['--margin', '0'],
      ['--oversell-cost', '-3'],
      ['--lost-sale-share', '1.5'],
    ]) {
      const r = s.run(['recommend', '--provider', 'card', '--traffic', 'normal', ...args, '--now', NOW]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^inv: --(margin|oversell-cost|lost-sale-share)/);
      expect(r.stdout).toBe('');
    }
  });
});
