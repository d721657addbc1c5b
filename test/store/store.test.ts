import Database from 'better-sqlite3';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvError } from '../../src/core/errors.js';
import type { Mode } from '../../src/core/modes.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/index.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
let n = 0;
const fresh = (): SqliteStore => openSqliteStore({ path: join(dir, `s${++n}.db`) });
const H = 3_600_000;

describe('opening a store', () => {
  it('migrates an empty file to the current schema and marks it as inv', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    openSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((db.prepare(`SELECT value FROM settings WHERE key = 'base_mode'`).get() as { value: string }).value).toBe(
      'on-payment',
    );
    db.close();
  });

  it('refuses a foreign SQLite database and a text file, leaving their bytes unchanged', () => {
    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    db.close();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a database\n'.repeat(10));
    for (const path of [other, text]) {
      const before = readFileSync(path);
      expect(() => openSqliteStore({ path })).toThrow(expect.objectContaining({ code: 'NOT_A_STORE', exitCode: 4 }));
      expect(readFileSync(path).equals(before)).toBe(true);
    }
  });

  it('upgrades a schema-1 store: each order keeps its lines, holds and waits, and verify stays green', async () => {
    // A store as the first version wrote it: lines in order_lines, holds marked by hold_until.
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]);
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old.pragma('user_version = 1');
    const t0 = Date.parse('2026-11-27T10:00:00Z');
    old.exec(`
      INSERT INTO skus (sku, on_hand, reserved) VALUES ('A', 10, 3), ('B', 5, 0), ('C', 4, 1), ('D', 6, 3);
      INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id) VALUES
        (${t0}, 'A', 10, 0, 'adjust', NULL), (${t0}, 'B', 5, 0, 'adjust', NULL), (${t0}, 'C', 5, 0, 'adjust', NULL),
        (${t0}, 'A', 0, 3, 'order-placed', 'held'), (${t0}, 'C', 0, 1, 'order-placed', 'held'),
        (${t0}, 'C', -1, 0, 'order-paid', 'paid'),
        (${t0}, 'D', 6, 0, 'adjust', NULL), (${t0}, 'D', 0, 1, 'order-placed', 'twice'), (${t0}, 'D', 0, 2, 'order-placed', 'twice');
      INSERT INTO orders (id, status, mode, provider, placed_at, expires_at, updated_at, holding) VALUES
        ('held', 'pending', 'on-order', 'boleto', ${t0}, ${t0 + 72 * H}, ${t0}, 1),
        ('waits', 'pending', 'on-payment', 'konbini', ${t0}, ${t0 + 24 * H}, ${t0}, 0),
        ('paid', 'paid', 'on-payment', 'card', ${t0}, ${t0 + H}, ${t0}, 0),
        ('twice', 'pending', 'on-order', 'card', ${t0}, ${t0 + 2 * H}, ${t0}, 1);
      INSERT INTO order_lines (order_id, line, sku, qty, hold_until) VALUES
        ('held', 1, 'A', 3, ${t0 + 72 * H}), ('held', 2, 'C', 1, ${t0 + 72 * H}),
        ('waits', 1, 'B', 2, NULL), ('paid', 1, 'C', 1, NULL),
        ('twice', 1, 'D', 1, ${t0 + 2 * H}), ('twice', 2, 'D', 2, ${t0 + 2 * H});`);
    old.close();

    const store = openSqliteStore({ path });
    try {
      const now = t0 + H;
      expect((await store.getOrder('held', now)).lines).toEqual([
        { sku: 'A', qty: 3 },
        { sku: 'C', qty: 1 },
      ]);
      expect((await store.getOrder('held', now)).reserved).toBe(4);
      expect((await store.getOrder('paid', now)).lines).toEqual([{ sku: 'C', qty: 1 }]);
      expect((await store.stockDetail('A', now)).holders.map((h) => [h.orderId, h.qty])).toEqual([['held', 3]]);
      expect((await store.stockDetail('B', now)).awaitingPayment.map((h) => [h.orderId, h.qty])).toEqual([
        ['waits', 2],
      ]);
      // A SKU listed twice by the first version is one pending row, and the order still ends once.
      expect((await store.stockDetail('D', now)).holders.map((h) => [h.orderId, h.qty])).toEqual([['twice', 3]]);
      expect(await store.verify()).toEqual([]);
      expect((await store.notify({ id: 'twice', transition: 'pay', nowMs: now })).status).toBe('paid');
      expect(await store.stockDetail('D', now)).toMatchObject({ onHand: 3, reserved: 0, holders: [] });
      // The upgraded store goes on working: the hold lapses with its window and is recorded once.
      expect((await store.stockDetail('A', t0 + 73 * H)).available).toBe(10);
      expect(await store.expireDue(t0 + 73 * H)).toEqual(['waits', 'held']);
      expect(await store.verify()).toEqual([]);
    } finally {
      store.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'order_lines'`).get()).toBeUndefined();
    db.close();
  });

  it('refuses a folder that does not exist (exit 4)', () => {
    expect(() => openSqliteStore({ path: join(dir, 'missing', 'x.db') })).toThrow(
      expect.objectContaining({ exitCode: 4 }),
    );
  });
});

// ── properties over random sequences of commands ─────────────────────────────

type Op =
  | { k: 'adjust'; sku: number; set?: number; add?: number }
  | { k: 'place'; sku: number; qty: number; provider: string; mode: Mode }
  | { k: 'pay' | 'fail' | 'cancel'; order: number; event: boolean }
  | { k: 'replay'; nth: number }
  | { k: 'expire' }
  | { k: 'tick'; hours: number };

const SKUS = ['A', 'B', 'C'];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('adjust' as const),
    sku: fc.nat(2),
    set: fc.option(fc.nat(6), { nil: undefined }),
    add: fc.integer({ min: -3, max: 4 }),
  }),
  fc.record({
    k: fc.constant('place' as const),
    sku: fc.nat(2),
    qty: fc.integer({ min: 1, max: 3 }),
    provider: fc.constantFrom('card', 'boleto', 'konbini'),
    mode: fc.constantFrom<Mode>('on-order', 'on-payment'),
  }),
  fc.record({
    k: fc.constantFrom('pay' as const, 'fail' as const, 'cancel' as const),
    order: fc.nat(30),
    event: fc.boolean(),
  }),
  fc.record({ k: fc.constant('replay' as const), nth: fc.nat(30) }),
  fc.constant({ k: 'expire' as const }),
  fc.record({ k: fc.constant('tick' as const), hours: fc.constantFrom(0.1, 1, 10, 50) }),
);

async function tolerant<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof InvError && e.exitCode === 3) return undefined;
    throw e;
  }
}

async function movementCount(store: SqliteStore): Promise<number> {
  let total = 0;
  for (const sku of SKUS) total += (await tolerant(store.history(sku)))?.movements.length ?? 0;
  return total;
}

async function run(ops: Op[], onlyMode?: Mode) {
  const store = fresh();
  let now = Date.parse('2026-11-27T00:00:00Z');
  const orders: string[] = [];
  const notices: { id: string; t: 'pay' | 'fail' | 'cancel'; event: string }[] = [];
  let late = false;
  try {
    for (const sku of SKUS) await store.adjustStock({ sku, set: 3, nowMs: now });
    for (const o of ops) {
      if (o.k === 'tick') now += o.hours * H;
      else if (o.k === 'adjust')
        await tolerant(
          store.adjustStock({ sku: SKUS[o.sku], set: o.set, add: o.set === undefined ? o.add : undefined, nowMs: now }),
        );
      else if (o.k === 'place') {
        await store.setBaseMode(onlyMode ?? o.mode);
        const id = `o${orders.length}`;
        const before = (await store.listStock({ skus: [SKUS[o.sku]], nowMs: now }))[0].available;
        const placed = await tolerant(
          store.placeOrder({ id, provider: o.provider, lines: [{ sku: SKUS[o.sku], qty: o.qty }], nowMs: now }),
        );
        if (placed) orders.push(id);
        else expect(before).toBeLessThan(o.qty); // refused only when short
      } else if (o.k === 'expire') await store.expireDue(now);
      else if (o.k === 'replay') {
        const nth = notices[o.nth % Math.max(1, notices.length)];
        if (!nth) continue;
        const count = await movementCount(store);
        const again = await store.notify({ id: nth.id, transition: nth.t, eventId: nth.event, nowMs: now });
        expect(again.duplicate).toBe(true);
        expect(await movementCount(store)).toBe(count);
      } else {
        const id = orders[o.order % Math.max(1, orders.length)];
        if (!id) continue;
        const event = `e${notices.length}`;
        const r = await tolerant(
          store.notify({ id, transition: o.k, eventId: o.event ? event : undefined, nowMs: now }),
        );
        if (r?.latePayment) late = true;
        if (r && o.event) notices.push({ id, t: o.k, event });
      }
      // Ledger sums equal stock, reserved never negative, holds match reserved.
      expect(await store.verify()).toEqual([]);
      if (onlyMode === 'on-order' && !late) {
        for (const item of await store.listStock({ nowMs: now })) expect(item.available).toBeGreaterThanOrEqual(0);
      }
    }
    // In the end every reservation ended in exactly one sale or release.
    await store.expireDue(now + 1000 * H);
    for (const item of await store.listStock({ nowMs: now + 1000 * H })) expect(item.reserved).toBe(0);
    const perOrder = new Map<string, number>();
    for (const sku of SKUS) {
      for (const m of (await store.history(sku)).movements) {
        if (m.orderId) perOrder.set(m.orderId, (perOrder.get(m.orderId) ?? 0) + m.reservedDelta);
      }
    }
    for (const [, sum] of perOrder) expect(sum).toBe(0);
  } finally {
    store.close();
  }
}

describe('placing through the store itself', () => {
  it('merges a SKU listed twice into one line, and a taken id is said before an unknown provider', async () => {
    const store = fresh();
    try {
      await store.adjustStock({ sku: 'A', set: 5, nowMs: 0 });
      await store.setBaseMode('on-order');
      const o = await store.placeOrder({
        id: 'o1',
        provider: 'card',
        lines: [
          { sku: 'A', qty: 1 },
          { sku: 'A', qty: 2 },
        ],
        nowMs: 0,
      });
      expect(o.lines).toEqual([{ sku: 'A', qty: 3 }]);
      expect((await store.stockDetail('A', 0)).holders.map((h) => [h.orderId, h.qty])).toEqual([['o1', 3]]);
      await expect(
        store.placeOrder({ id: 'o1', provider: 'no-such-provider', lines: [{ sku: 'A', qty: 1 }], nowMs: 0 }),
      ).rejects.toMatchObject({ code: 'ORDER_EXISTS', exitCode: 3 });
      await expect(
        store.placeOrder({ id: 'o2', provider: 'no-such-provider', lines: [{ sku: 'A', qty: 1 }], nowMs: 0 }),
      ).rejects.toMatchObject({ exitCode: 2 });
      expect(await store.verify()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('ledger properties (fast-check)', () => {
  it('for any sequence of adjustments and orders, stock equals the ledger and every hold ends once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => run(ops)),
      { numRuns: 60, seed: 42 },
    );
  });

  it('on-order never drives available below zero (without late payments)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => run(ops, 'on-order')),
      { numRuns: 60, seed: 7 },
    );
  });
});
