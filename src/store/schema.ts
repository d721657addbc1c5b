import { TABLE_COLUMNS } from './tables.js';

/**
 * The store's schema, as numbered migrations. `PRAGMA user_version` holds the
 * number of migrations applied; `PRAGMA application_id` marks the file as an
 * inv store so that a foreign SQLite file is never mistaken for one.
 *
 * Times are integers (milliseconds since the epoch, UTC): they compare and
 * index cheaply and are turned into ISO-8601 strings only on the way out.
 */
export const APPLICATION_ID = 0x696e7631; // "inv1"

export const MIGRATIONS: readonly string[] = [
  /* 1 */ `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  INSERT INTO settings (key, value) VALUES ('base_mode', 'on-payment');

  CREATE TABLE skus (
    sku       TEXT PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    on_hand   INTEGER NOT NULL DEFAULT 0,
    reserved  INTEGER NOT NULL DEFAULT 0,
    low_stock INTEGER
  ) STRICT;

  -- The ledger: append-only. Every change to skus.on_hand / skus.reserved is one row here.
  CREATE TABLE movements (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    sku            TEXT NOT NULL REFERENCES skus(sku),
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    order_id       TEXT,
    note           TEXT
  ) STRICT;
  CREATE INDEX movements_by_sku ON movements (sku, at, id);

  -- Few indexes on purpose, and WITHOUT ROWID tables keyed by what they are looked
  -- up by: every extra b-tree is one more page written and synced per order
  -- (perf-baselines.md §4).
  CREATE TABLE orders (
    id             TEXT PRIMARY KEY,
    status         TEXT NOT NULL,
    mode           TEXT NOT NULL,
    provider       TEXT NOT NULL,
    placed_at      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    holding        INTEGER NOT NULL,
    oversold_units INTEGER NOT NULL DEFAULT 0,
    late_payment   INTEGER NOT NULL DEFAULT 0
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX orders_due ON orders (expires_at) WHERE status = 'pending';

  -- (Migration 2 folds order_lines into orders.lines and replaces both indexes below with the pending table.)
  -- hold_until is the order's expiry while its units are reserved, NULL otherwise.
  -- The index on (sku, hold_until) answers both "units of this SKU held by holds
  -- past their window" (a range scan) and "which orders wait for this SKU".
  CREATE TABLE order_lines (
    order_id   TEXT NOT NULL REFERENCES orders(id),
    line       INTEGER NOT NULL,
    sku        TEXT NOT NULL REFERENCES skus(sku),
    qty        INTEGER NOT NULL,
    hold_until INTEGER,
    PRIMARY KEY (order_id, line)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX lines_by_sku ON order_lines (sku, hold_until);

  -- Payment notification ids already applied (at-least-once delivery).
  CREATE TABLE events (
    event_id   TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL,
    transition TEXT NOT NULL,
    at         INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE overrides (provider TEXT PRIMARY KEY, mode TEXT NOT NULL) STRICT;
  CREATE TABLE schedule (
    id       INTEGER PRIMARY KEY,
    mode     TEXT NOT NULL,
    from_at  INTEGER NOT NULL,
    until_at INTEGER NOT NULL,
    reason   TEXT
  ) STRICT;
  CREATE TABLE providers (name TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
  `,
  /* 2 */ `
  -- Fewer b-trees per order: each one is a page written and synced per event,
  -- and the order's own lines are read and written with the order anyway.
  -- An order's lines move into the order row as JSON: [["SKU", qty], …].
  ALTER TABLE orders ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
  UPDATE orders SET lines = (
    SELECT json_group_array(json_array(sku, qty))
    FROM (SELECT sku, qty FROM order_lines l WHERE l.order_id = orders.id ORDER BY line));

  -- One row per line of each pending order, while it is pending: held = 1 when the
  -- line reserves units (on-order), 0 when it waits for its payment (on-payment).
  -- Keyed by (sku, until) it answers "units of this SKU held past their window"
  -- (a range) and "which orders hold or wait for this SKU"; the expiry sweep
  -- reads it whole, and it holds only pending orders.
  CREATE TABLE pending (
    sku      TEXT NOT NULL,
    until    INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    qty      INTEGER NOT NULL,
    held     INTEGER NOT NULL,
    PRIMARY KEY (sku, until, order_id)
  ) STRICT, WITHOUT ROWID;
  -- An order that listed a SKU twice (the store never merged them itself) gets one row for it.
  INSERT INTO pending (sku, until, order_id, qty, held)
    SELECT l.sku, o.expires_at, o.id, SUM(l.qty), o.holding
    FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status = 'pending'
    GROUP BY o.id, l.sku;

  DROP INDEX orders_due;
  DROP INDEX lines_by_sku;
  DROP TABLE order_lines;
  `,
  /* 3 */ `
  -- Stock changes of inv apply that carry an event id (stock-set, stock-add), already
  -- applied: a stream sent again after a crash changes the stock once.
  CREATE TABLE stock_events (
    event_id TEXT PRIMARY KEY,
    sku      TEXT NOT NULL,
    kind     TEXT NOT NULL,
    at       INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The tables of the schema after the last migration: a store without one of them is damaged. */
export const TABLES: readonly string[] = TABLE_COLUMNS.map(([t]) => t);
