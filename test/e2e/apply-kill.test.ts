/**
 * Exactly once under SIGKILL (issue 15): `inv apply` killed at random moments,
 * then the same stream sent again, leaves the store an uninterrupted run leaves.
 * Every event carries its time, so no step depends on the clock; only the
 * moments of the kills vary from run to run, and what is checked holds for any.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, tempStore } from '../helpers.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const NOW = '2026-12-31T00:00:00Z';
const SKUS = 60;
const BATCH = 4000; // lines per batch in src/commands/apply.ts

/** place, pay, fail, stock-add and expire events, each with its id and time; a few lines refused for good. */
function stream(n: number): string[] {
  let seed = 11;
  const rnd = (k: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * k);
  };
  const at = (i: number) => new Date(T0 + i * 60_000).toISOString();
  const lines: string[] = [];
  for (let i = 0; i < SKUS; i++)
    lines.push(
      JSON.stringify({ type: 'stock-set', sku: `K${i}`, qty: 100_000, name: `Item ${i}`, event: `set${i}`, at: at(0) }),
    );
  const open: number[] = [];
  let orders = 0;
  for (let i = 1; i <= n; i++) {
    const r = rnd(100);
    if (r < 45 || open.length === 0) {
      const items = [{ sku: `K${rnd(SKUS)}`, qty: 1 + rnd(2) }];
      if (rnd(3) === 0) items.push({ sku: `K${rnd(SKUS)}`, qty: 1 });
      lines.push(
        JSON.stringify({
          type: 'place',
          id: `o${orders}`,
          provider: rnd(4) === 0 ? 'boleto' : 'card',
          items,
          at: at(i),
        }),
      );
      open.push(orders++);
    } else if (r < 80) {
      const id = open.splice(rnd(open.length), 1)[0];
      const type = rnd(5) === 0 ? 'fail' : 'pay';
      lines.push(JSON.stringify({ type, id: `o${id}`, event: `${type}-${id}`, at: at(i) }));
    } else if (r < 90)
      lines.push(
        JSON.stringify({ type: 'stock-add', sku: `K${rnd(SKUS)}`, delta: 1 + rnd(5), event: `add${i}`, at: at(i) }),
      );
    else if (r < 96) lines.push(JSON.stringify({ type: 'expire', at: at(i) }));
    else if (r < 98)
      lines.push(
        JSON.stringify({ type: 'place', id: `x${i}`, provider: 'card', items: [{ sku: 'NOPE', qty: 1 }], at: at(i) }),
      );
    else lines.push('{"type": "pay", ');
  }
  return lines;
}

function runApply(
  db: string,
  home: string,
  file: string,
  killAfterMs?: number,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', file], {
      env: { ...BASE_ENV, HOME: home },
    });
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout });
    });
  });
}

type Line = { line: number; ok: boolean; result?: { id?: string; duplicate?: boolean; expired?: string[] } };
const parse = (out: string): Line[] =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('inv apply under SIGKILL', () => {
  it('killed at random moments and run again, it applies every event exactly once', async () => {
    const lines = stream(9000);
    const places = new Map(
      lines.map((l, i) => [i + 1, l.includes('"type":"place"') ? (JSON.parse(l).id as string) : null]),
    );
    const reference = tempStore();
    const file = join(reference.dir, 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(reference.run(['set-mode', 'on-order']).code).toBe(0);
    const whole = await runApply(reference.db, reference.dir, file);
    expect(whole.code).toBe(3);
    const expected = whole.stdout.split('\n');

    const killed = tempStore();
    expect(killed.run(['set-mode', 'on-order']).code).toBe(0);
    const said = new Set<string>();
    for (let k = 0; k < 8; k++) {
      const r = await runApply(killed.db, killed.dir, file, 100 + Math.floor(Math.random() * (300 + k * 300)));
      for (const l of parse(r.stdout)) {
        const id = places.get(l.line);
        if (l.ok && id) said.add(id);
      }
      // Every order said ok is in the store; at most one batch more is there without its lines said.
      const held = new Set(
        (killed.run(['order', 'list', '--json', '--now', NOW]).json.orders as { id: string }[]).map((o) => o.id),
      );
      for (const id of said) expect(held.has(id)).toBe(true);
      expect(held.size - said.size).toBeLessThanOrEqual(BATCH);
      expect(held.size - said.size).toBeGreaterThanOrEqual(0);
      expect(killed.run(['verify']).code).toBe(0);
    }

    const last = await runApply(killed.db, killed.dir, file);
    expect(last.code).toBe(3);
    // Each line says what the uninterrupted run said, or that its event was applied already.
    const again = last.stdout.split('\n');
    expect(again).toHaveLength(expected.length);
    for (let i = 0; i < again.length; i++) {
      if (again[i] === expected[i]) continue;
      const l = JSON.parse(again[i]) as Line;
      const before = JSON.parse(expected[i]) as Line;
      expect(l.ok).toBe(before.ok);
      if (l.result?.expired) expect(l.result.expired).toEqual([]);
      else expect(l.result?.duplicate).toBe(true);
    }
    const state = (s: ReturnType<typeof tempStore>) => [
      s.run(['verify', '--json']).stdout,
      s.run(['export', '--format', 'ndjson', '--now', NOW]).stdout,
      s.run(['order', 'list', '--json', '--now', NOW]).stdout,
      ...['K0', 'K1', 'K7', 'K33'].map((sku) => s.run(['history', sku, '--json']).stdout),
    ];
    expect(state(killed)).toEqual(state(reference));
  }, 120_000);
});
