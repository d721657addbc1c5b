/** Issue 13, point 5: recommend learns the shop's own figures from the orders it recorded. */
import { describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
const NOW = at(24 * 20); // 20 days later: every Boleto window has ended

/** 60 card orders (3 declined), 30 Boleto orders (half paid after 30 h), 3 Konbini orders: placed one every 2 h. */
function events(): string {
  const lines: object[] = [{ type: 'stock-set', sku: 'MUG', qty: 1000, at: at(0) }];
  let t = 1;
  const place = (id: string, provider: string) => {
    lines.push({ type: 'place', id, provider, items: [{ sku: 'MUG', qty: 1 }], at: at(t) });
    return t;
  };
  const later: object[] = [];
  for (let i = 0; i < 60; i++, t += 2) {
    const p = place(`c${i}`, 'card');
    later.push(
      i % 20 === 0 ? { type: 'fail', id: `c${i}`, at: at(p + 0.01) } : { type: 'pay', id: `c${i}`, at: at(p + 0.02) },
    );
  }
  for (let i = 0; i < 30; i++, t += 2) {
    const p = place(`b${i}`, 'boleto');
    if (i % 2 === 0) later.push({ type: 'pay', id: `b${i}`, at: at(p + 30) });
  }
  for (let i = 0; i < 3; i++, t += 2) place(`k${i}`, 'konbini');
  later.push({ type: 'expire', at: NOW });
  const all = [...lines, ...later].sort((a, b) =>
    String((a as { at: string }).at).localeCompare(String((b as { at: string }).at)),
  );
  return all.map((e) => JSON.stringify(e)).join('\n');
}

describe('inv recommend --from-history', () => {
  const s = tempStore();
  const applied = s.run(['apply', '-', '--now', NOW], { input: events() });

  it('estimates the rate, shares, unpaid shares and delays, names the samples, and falls back where a sample is small', () => {
    expect(applied.code).toBe(0);
    const r = s.run([
      'recommend',
      '--from-history',
      '--since',
      '30d',
      '--traffic',
      'normal',
      '--stock-depth',
      '5',
      '--json',
      '--now',
      NOW,
    ]);
    expect(r.code).toBe(0);
    const j = r.json;
    expect(j.inputs.providers.sort()).toEqual(['boleto', 'card', 'konbini']);
    expect(j.inputs.origin).toMatchObject({ providers: 'history', checkoutsPerHour: 'history', unpaidRate: 'history' });
    const fig = Object.fromEntries(j.inputs.figures.map((f: { provider: string }) => [f.provider, f]));
    expect(fig.card.unpaidRate).toMatchObject({ value: 0.05, source: 'history' });
    expect(fig.boleto.unpaidRate).toMatchObject({ value: 0.5, source: 'history' });
    expect(fig.boleto.delayHours.source).toBe('catalogue'); // 15 paid: fewer than 20
    expect(fig.card.delayHours).toMatchObject({ source: 'history', value: { median: 0.02 } });
    expect(fig.konbini.unpaidRate.source).toBe('catalogue');
    expect(fig.card.share).toMatchObject({ value: +(60 / 93).toFixed(4), source: 'history' });
    expect(j.inputs.history.samples.boleto).toEqual({ orders: 30, resolved: 30, paid: 15 });
    expect(r.stderr).toMatch(/learnt from 93 orders recorded since/);
    expect(r.stderr).toMatch(/falls back to the catalogue: konbini: 3 resolved orders/);
    // The store is read, never changed.
    expect(s.run(['verify', '--json', '--now', NOW]).json.ok).toBe(true);
  });

  it('--since too short for any order: names the problem; --since without --from-history is a usage error', () => {
    const late = at(24 * 400);
    const r = s.run(['recommend', '--from-history', '--since', '1d', '--traffic', 'normal', '--now', late]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^inv: --from-history: no orders recorded since/);
    const u = s.run(['recommend', '--provider', 'card', '--since', '1d', '--traffic', 'normal', '--now', NOW]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--since goes with --from-history/);
  });
});
