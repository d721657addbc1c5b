import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/store/index.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
let n = 0;
const _fresh = (): SqliteStore => openSqliteStore({ path: join(dir, `s${++n}.db`) });
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
