/**
 * `inv serve` under load and under a crash, at the suite's size (the bench runs
 * 50 senders × 2,000 events): signed Stripe notifications — placings, payments,
 * failures, retries, pairs the wrong way round — from concurrent senders. Every
 * one applied exactly once; killed with SIGKILL mid-load and restarted, every
 * notification answered 2xx before the kill is already in the store (sent again,
 * it is a duplicate), and the end state equals a clean run's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, send, startServe, workload } from '../../bench/webhook-load.mjs';
import { BASE_ENV, BIN, tempStore } from '../helpers.js';

const NOW = '2026-12-03T10:00:00Z';
const NOW_SEC = Date.parse(NOW) / 1000;
const SKUS = 10;

const started: ReturnType<typeof startServe>[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
});

function shop() {
  const s = tempStore();
  const env = { INV_NOW: NOW };
  const stock = Array.from({ length: SKUS }, (_, i) => ({ sku: `S${i}`, qty: 1000 }));
  s.run(['import', '-', '--format', 'json'], { env, input: JSON.stringify(stock) });
  s.run(['set-mode', 'on-order'], { env });
  const server = () => {
    const sv = startServe(BIN, ['--db', s.db], {
      ...BASE_ENV,
      HOME: s.dir,
      INV_NOW: NOW,
      INV_STRIPE_WEBHOOK_SECRET: SECRET,
    });
    started.push(sv);
    return sv;
  };
  /** What the shop ends with: stock, and each order's status and lines. */
  const state = () => ({
    stock: s.run(['stock', '--json'], { env }).json.items,
    orders: s
      .run(['order', 'list', '--json'], { env })
      .json.orders.map((o: { id: string; status: string; lines: unknown; reserved: number }) => [
        o.id,
        o.status,
        o.lines,
        o.reserved,
      ]),
    movements: Array.from(
      { length: SKUS },
      (_, i) => s.run(['history', `S${i}`, '--json'], { env }).json.movements.length,
    ),
    verify: s.run(['verify', '--json'], { env }).json.ok,
  });
  return { ...s, env, server, state };
}

/** The same notifications through `inv apply --from stripe`, one after another, on a fresh store. */
function cleanRun(bodies: string[]) {
  const c = shop();
  const file = join(c.dir, 'events.ndjson');
  writeFileSync(file, bodies.join('\n'));
  const r = c.run(['apply', '--from', 'stripe', file], { env: c.env });
  expect(r.code).toBe(0);
  return c.state();
}

describe('inv serve under load', () => {
  it('10 senders × 300 signed events: all 200, each applied once, verify holds, the same end state as inv apply', async () => {
    const s = shop();
    const sv = s.server();
    const url = await sv.ready;
    const bodies = workload(300, SKUS);
    const results = await send(url, bodies, 10, NOW_SEC);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    sv.proc.kill('SIGTERM');
    expect(await sv.exited).toEqual({ code: 0, signal: null });
    const end = s.state();
    expect(end.verify).toBe(true);
    expect(end.stock.reduce((n: number, i: { reserved: number }) => n + i.reserved, 0)).toBe(
      end.orders.filter((o: unknown[]) => o[1] === 'pending').length,
    );
    expect(end).toEqual(cleanRun(bodies));
  }, 60_000);

  it('killed with SIGKILL mid-load and restarted: every acknowledged event was already stored; after the resend, a clean run’s state', async () => {
    const s = shop();
    const bodies = workload(300, SKUS);
    const first = s.server();
    const url = await first.ready;
    let acked = 0;
    const before = await send(url, bodies, 10, NOW_SEC, (r) => {
      if (r.status === 200 && ++acked === 100) first.proc.kill('SIGKILL');
    });
    expect((await first.exited).signal).toBe('SIGKILL');
    const ackedBefore = before.filter((r) => r.status === 200).map((r) => r.i);
    expect(ackedBefore.length).toBeGreaterThanOrEqual(100);
    expect(ackedBefore.length).toBeLessThan(bodies.length);
    // The platforms retry everything not acknowledged, and may well resend the rest too.
    const second = s.server();
    const again = await send(await second.ready, bodies, 10, NOW_SEC);
    expect(again.filter((r) => r.status !== 200)).toEqual([]);
    for (const i of ackedBefore) expect({ i, duplicate: again[i].duplicate }).toEqual({ i, duplicate: true });
    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const end = s.state();
    expect(end.verify).toBe(true);
    expect(end).toEqual(cleanRun(bodies));
  }, 60_000);
});
