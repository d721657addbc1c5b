/** Issue 13: `inv simulate` with honest accounting and policies of the user's own. */
import { describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';

const s = tempStore();

describe('inv simulate: delivered, lost sales against the oracle, and --policy', () => {
  it('the closed-form case of issue 13: on-order sells the one unit with probability 0.845', () => {
    // 1 SKU, 1 unit, 1 checkout/h for 24 h, half never pay (10 h window), payers pay at once.
    const scenario = {
      hours: 24,
      checkoutsPerHour: 1,
      trials: 8000,
      seed: 11,
      skus: [{ sku: 'ONE', stock: 1 }],
      providers: [{ name: 'slow', share: 1, unpaidRate: 0.5, failShare: 0, windowHours: 10, delayHours: { fixed: 0 } }],
    };
    const r = s.run(['simulate', '--scenario', '-', '--json'], { input: JSON.stringify(scenario) });
    expect(r.code).toBe(0);
    const oo = r.json.results['on-order'];
    const se = Math.sqrt((0.845 * 0.155) / scenario.trials);
    expect(Math.abs(oo.delivered.mean - 0.845)).toBeLessThan(4 * se);
    expect(oo.lostSales.high).toBeLessThanOrEqual(1);
    expect(oo.lostSales.mean).toBeLessThan(0.16);
    expect(oo.phantomRejected.mean).toBeGreaterThan(5); // customers turned away, not sales lost
    expect(r.json.results['on-payment'].lostSales).toEqual({ mean: 0, low: 0, high: 0 });
  });

  it('--policy compares policies of the user’s own on the same customers; the params replay them', () => {
    const args = [
      'simulate',
      '--provider',
      'card:0.6,boleto:0.4',
      '--skus',
      '4',
      '--stock',
      '2',
      '--hours',
      '48',
      '--checkouts-per-hour',
      '4',
      '--trials',
      '60',
      '--seed',
      '5',
      '--policy',
      'on-order',
      '--policy',
      'on-payment',
      '--policy',
      'on-payment,boleto=on-order,boleto.window=48',
      '--json',
    ];
    const r = s.run(args);
    expect(r.code).toBe(0);
    const names = Object.keys(r.json.results);
    expect(names).toEqual(['on-order', 'on-payment', 'on-payment, boleto on-order, boleto window 48 h']);
    for (const n of names) expect(r.json.results[n].checkouts).toEqual(r.json.results['on-order'].checkouts);
    expect(r.json.results['on-payment'].oversoldOrders.mean).toBeGreaterThan(0);
    expect(r.json.results['on-order'].oversoldOrders.mean).toBe(0);
    // The params are a scenario with its `policies`: run again, same figures.
    const again = s.run(['simulate', '--scenario', '-', '--json'], { input: JSON.stringify(r.json.params) });
    expect(again.code).toBe(0);
    expect(again.json.results).toEqual(r.json.results);
    const human = s.run(args.filter((a) => a !== '--json'));
    expect(human.stdout).toMatch(/the same customers under 3 policies/);
    expect(human.stdout).toMatch(/\[3\] on-payment, boleto on-order, boleto window 48 h/);
  });

  it('bad policies: one line each, exit 2, naming the flag or the JSON path', () => {
    const bad = s.run(['simulate', '--policy', 'sometimes', '--trials', '5', '--seed', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^inv: --policy sometimes: starts with the base mode/);
    const unknown = s.run(['simulate', '--policy', 'on-payment,boleto=on-order', '--trials', '5', '--seed', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/names provider "boleto", which is not among the simulated providers/);
    const scenario = { trials: 5, seed: 1, policies: [{ name: 'x', base: 'sometimes' }] };
    const r = s.run(['simulate', '--scenario', '-', '--json'], { input: JSON.stringify(scenario) });
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/^\$\.policies\[0\]\.base: must be on-order or on-payment/);
  });
});
