/**
 * Imports into the SQLite store (SPEC section 4), in two steps that keep memory
 * flat however large the file:
 *
 * 1. `stage()`: the command streams the file and hands over checked rows, which
 *    go into a TEMP table (this connection only, spilled to a temporary file
 *    beyond the page cache, never in the store). The table is keyed by
 *    (sku, location), so an upsert merges the rows of one SKU at one location as
 *    they arrive and remembers what the conflict check needs: how many rows, the
 *    first product, every line when there is more than one. Nothing in the store
 *    is locked or changed during this step, which is as long as the file.
 * 2. `apply()`: one BEGIN IMMEDIATE transaction reads the staged rows grouped by
 *    SKU (the key order makes that a plain scan), checks the SKUs that have units
 *    reserved with the core's adjustment rule, then writes every ledger movement
 *    and every changed SKU with set-based INSERT … SELECT statements: the
 *    counters and their movements change together, in the same transaction, as
 *    SqliteStore.move() does row by row. Unchanged SKUs are filtered out in SQL,
 *    so re-importing a file writes nothing.
 *
 * A big transaction needs no per-row durability: synchronous=FULL costs one
 * fsync at the commit, whatever the number of rows.
 */
import type { Statement } from 'better-sqlite3';
import { InvError } from '../core/errors.js';
import type {
  ImportApplied, ImportApplyOptions, ImportBatch, ImportChange, ImportConflict, ImportRefusal, ImportRow,
} from '../core/ports.js';
import { adjustment } from '../core/stock.js';
import { mapSqliteError, type DB } from './open.js';

/** Rows per INSERT statement: one statement per row costs twice as much (perf-baselines §3). */
const BATCH = 100;
const COLS = 7;
/** Page cache for the import's temporary table; the store's own cache is left as it is. */
const TEMP_CACHE_KIB = 16_000;
const SEP = '\u001f';

const STAGE_TABLE = `
  CREATE TEMP TABLE import_stage (
    sku      TEXT NOT NULL,
    loc      TEXT NOT NULL,
    qty      INTEGER NOT NULL,  -- the sum of the rows at this (sku, loc)
    last     INTEGER,           -- the last row's quantity, once there are several
    name     TEXT,              -- the last non-empty name
    low      INTEGER,           -- NULL: keep the threshold, -1: remove it, n: set it
    product  TEXT,              -- the first row's product
    line     INTEGER NOT NULL,  -- the first row's line
    n        INTEGER NOT NULL DEFAULT 1,
    lines    TEXT,              -- every line, once there are several
    products TEXT,              -- every product, once there are several
    PRIMARY KEY (sku, loc)
  ) WITHOUT ROWID`;

const stageSql = (rows: number) => `
  INSERT INTO temp.import_stage (sku, loc, qty, name, low, product, line)
  VALUES ${Array.from({ length: rows }, () => '(?,?,?,?,?,?,?)').join(',')}
  ON CONFLICT (sku, loc) DO UPDATE SET
    n = n + 1,
    qty = qty + excluded.qty,
    last = excluded.qty,
    name = COALESCE(excluded.name, name),
    low = COALESCE(excluded.low, low),
    lines = COALESCE(lines, line) || ',' || excluded.line,
    products = COALESCE(products, COALESCE(product, '')) || char(31) || COALESCE(excluded.product, '')`;

/** One row per SKU: locations summed; at one location, all rows summed or the last one kept. */
const agg = (duplicates: 'sum' | 'last') => `
  SELECT sku, SUM(${duplicates === 'last' ? 'COALESCE(last, qty)' : 'qty'}) AS qty,
         MAX(name) AS name, MAX(low) AS low, MIN(line) AS line
  FROM temp.import_stage GROUP BY sku`;

/**
 * The due-hold expression of SqliteStore (DUE_HELD): units held by orders past
 * their window count as available again, so they do not block an import either.
 */
export type DueHeldSql = string;

export class SqliteImport implements ImportBatch {
  private readonly full: Statement;
  private staging = false;
  private lowGiven = false;

  constructor(private readonly db: DB, private readonly path: string, private readonly dueHeld: DueHeldSql) {
    this.guard(() => {
      this.db.pragma('temp_store = FILE');
      this.db.pragma(`temp.cache_size = -${TEMP_CACHE_KIB}`);
      this.db.exec('DROP TABLE IF EXISTS temp.import_stage');
      this.db.exec(STAGE_TABLE);
    });
    this.full = this.db.prepare(stageSql(BATCH));
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (this.db.inTransaction && this.staging) {
        this.db.exec('ROLLBACK');
        this.staging = false;
      }
      throw mapSqliteError(e, this.path);
    }
  }

  async stage(rows: ImportRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.guard(() => {
      // The staging writes touch only the temporary database: a deferred
      // transaction there takes no lock on the store.
      if (!this.staging) {
        this.db.exec('BEGIN');
        this.staging = true;
      }
      const params: unknown[] = [];
      let k = 0;
      for (const r of rows) {
        let low: number | null = null;
        if (r.lowStock !== undefined) {
          low = r.lowStock === null ? -1 : r.lowStock;
          this.lowGiven = true;
        }
        params.push(r.sku, r.location, r.qty, r.name, low, r.product, r.line);
        if (++k === BATCH) {
          this.full.run(params);
          params.length = 0;
          k = 0;
        }
      }
      if (k > 0) this.db.prepare(stageSql(k)).run(params);
    });
  }

  private endStaging(): void {
    if (this.staging) {
      this.db.exec('COMMIT');
      this.staging = false;
    }
  }

  async conflicts(limit: number): Promise<ImportConflict[]> {
    return this.guard(() => {
      this.endStaging();
      const rows = this.db.prepare(`
        SELECT sku, group_concat(COALESCE(lines, line), ',') AS lines,
               group_concat(COALESCE(products, COALESCE(product, '')), char(31)) AS products,
               group_concat(CASE WHEN n > 1 THEN loc END, char(31)) AS repeated
        FROM temp.import_stage GROUP BY sku
        HAVING MAX(n) > 1 OR MIN(COALESCE(product, '')) <> MAX(COALESCE(product, ''))
        ORDER BY MIN(line) LIMIT ?`).all(limit) as { sku: string; lines: string; products: string; repeated: string | null }[];
      return rows.map((r) => ({
        sku: r.sku,
        lines: r.lines.split(',').map(Number).sort((a, b) => a - b),
        products: [...new Set(r.products.split(SEP))].filter((p) => p !== ''),
        repeatedAt: r.repeated === null ? [] : r.repeated.split(SEP),
      }));
    });
  }

  /** SKUs of the file that have units reserved: the only ones the store's rules can refuse. */
  private refusals(o: ImportApplyOptions): ImportRefusal[] {
    const rows = this.db.prepare(`
      SELECT s.sku, s.on_hand AS onHand, s.reserved - ${this.dueHeld} AS reserved, a.qty, a.line
      FROM skus s JOIN (${agg(o.duplicates)}) a ON a.sku = s.sku
      WHERE s.sku IN (SELECT sku FROM order_lines WHERE hold_until IS NOT NULL) AND s.reserved > 0`)
      .all({ now: o.nowMs }) as { sku: string; onHand: number; reserved: number; qty: number; line: number }[];
    const refused: ImportRefusal[] = [];
    for (const r of rows) {
      // A negative quantity is units owed (SPEC section 4): only units reserved
      // for unpaid orders make a row refusable, by the same rule as `stock set`.
      if (r.reserved <= 0) continue;
      const change = o.add ? { add: r.qty } : { add: r.qty - r.onHand };
      try {
        adjustment({ onHand: r.onHand, reserved: r.reserved }, change, r.sku);
      } catch (e) {
        if (!(e instanceof InvError)) throw e;
        refused.push({ sku: r.sku, line: r.line, qty: r.qty, message: e.message });
      }
    }
    return refused.sort((a, b) => a.line - b.line);
  }

  private changes(o: ImportApplyOptions): ImportChange[] {
    const rows = this.db.prepare(`
      SELECT a.sku, a.line, a.qty, a.name, a.low, s.sku IS NULL AS created, s.on_hand AS onHand, s.name AS oldName, s.low_stock AS oldLow
      FROM (${agg(o.duplicates)}) a LEFT JOIN skus s ON s.sku = a.sku ORDER BY a.line`).all() as
      { sku: string; line: number; qty: number; name: string | null; low: number | null; created: number; onHand: number | null; oldName: string | null; oldLow: number | null }[];
    const out: ImportChange[] = [];
    for (const r of rows) {
      const before = r.onHand ?? 0;
      const after = o.add ? before + r.qty : r.qty;
      const name = r.name !== null && r.name !== '' ? r.name : (r.oldName ?? '');
      const lowStock = r.low === null ? r.oldLow : r.low < 0 ? null : r.low;
      const created = r.created === 1;
      if (!created && after === before && name === r.oldName && lowStock === r.oldLow) continue;
      out.push({ sku: r.sku, line: r.line, created, name, nameBefore: r.oldName, before: created ? null : before, after, lowStockBefore: r.oldLow, lowStock });
    }
    return out;
  }

  async apply(o: ImportApplyOptions): Promise<ImportApplied> {
    return this.guard(() => {
      this.endStaging();
      const skus = (this.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT sku FROM temp.import_stage)`).get() as { n: number }).n;
      const run = () => {
        const refused = this.refusals(o);
        const changes = o.listChanges || o.dryRun ? this.changes(o) : null;
        if (refused.length > 0 || o.dryRun) {
          const created = changes?.filter((c) => c.created).length ?? 0;
          const updated = (changes?.length ?? 0) - created;
          return { skus, created, updated, unchanged: skus - created - updated, refused, changes };
        }
        const count = this.db.prepare(`SELECT COUNT(*) AS n FROM skus`).pluck();
        const before = count.get() as number;
        const target = o.add ? 'COALESCE(s.on_hand, 0) + a.qty' : 'a.qty';
        // Movements first, while the SKUs still hold their old counts; a new
        // SKU's row follows in the next statement, so its foreign key is checked
        // at the commit (defer_foreign_keys lasts for this transaction only).
        this.db.pragma('defer_foreign_keys = ON');
        this.db.prepare(`
          INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note)
          SELECT @now, a.sku, ${target} - COALESCE(s.on_hand, 0), 0, 'import', NULL, @note
          FROM (${agg(o.duplicates)}) a LEFT JOIN skus s ON s.sku = a.sku
          WHERE ${target} IS NOT COALESCE(s.on_hand, 0)`).run({ now: o.nowMs, note: o.note });
        const newLow = this.lowGiven
          ? `(SELECT CASE WHEN x.low IS NULL THEN low_stock WHEN x.low < 0 THEN NULL ELSE x.low END
               FROM (SELECT MAX(low) AS low FROM temp.import_stage WHERE sku = excluded.sku) x)`
          : 'low_stock';
        const written = this.db.prepare(`
          INSERT INTO skus (sku, name, on_hand, low_stock)
          SELECT sku, COALESCE(name, ''), qty, CASE WHEN low >= 0 THEN low END FROM (${agg(o.duplicates)}) WHERE true
          ON CONFLICT (sku) DO UPDATE SET
            on_hand = ${o.add ? 'on_hand + excluded.on_hand' : 'excluded.on_hand'},
            name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
            low_stock = ${newLow}
          WHERE ${o.add ? 'excluded.on_hand <> 0' : 'on_hand IS NOT excluded.on_hand'}
             OR (excluded.name <> '' AND excluded.name IS NOT name)
             OR low_stock IS NOT ${newLow}`).run().changes;
        const created = (count.get() as number) - before;
        return { skus, created, updated: written - created, unchanged: skus - written, refused, changes };
      };
      // A dry run reads in a deferred transaction; a real one takes the write
      // lock first, so that what is checked is what is written.
      return o.dryRun ? this.db.transaction(run).deferred() : this.db.transaction(run).immediate();
    });
  }

  dispose(): void {
    if (!this.db.open) return;
    try {
      if (this.staging) this.db.exec('ROLLBACK');
      this.db.exec('DROP TABLE IF EXISTS temp.import_stage');
    } catch {
      // Closing the connection drops the temporary table anyway.
    }
    this.staging = false;
  }
}
