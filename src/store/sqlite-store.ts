/**
 * The SQLite implementation of the core's Store port. Each public method is one
 * transaction; writes use BEGIN IMMEDIATE so that the availability check and the
 * change it guards happen under the same write lock. Business decisions come
 * from src/core; this file only reads, applies and records them.
 */
import type { Statement } from 'better-sqlite3';
import { failsTheStore, RefusedError } from '../core/errors.js';
import type { OrderStatus } from '../core/lifecycle.js';
import { mergeLines, type MovementReason } from '../core/lifecycle.js';
import type { Mode, Policy, ScheduleWindow } from '../core/modes.js';
import type {
  AdjustInput,
  AppliedPolicy,
  PolicyPlan,
  BackupInfo,
  BatchOutcome,
  Adjusted,
  Movement,
  NotifyInput,
  OrderDoc,
  PlaceInput,
  Problem,
  StockDetail,
  StockItem,
  Store,
  TableRows,
} from '../core/ports.js';
import { findProvider, mergeCatalogue, tuneProvider, type Provider } from '../core/providers.js';
import { adjustedAgain, adjustment, stockEventSeen, type SeenStockEvent } from '../core/stock.js';
import {
  orderDoc,
  orderExists,
  outOfStock,
  placeAgain,
  planExpiry,
  planNotify,
  planPlace,
  stockItem,
  unknownOrder,
  unknownSku,
  history,
  holders,
  type LedgerRow,
  type OrderState,
  type PendingRow,
  type SeenEvent,
  type Step,
} from '../core/orders.js';
import { iso } from '../core/values.js';
import { backupTo, restoreInto } from './backup.js';
import {
  Damage,
  StoredValueCheck,
  decodeMode,
  decodeProvider,
  encodeLines,
  type StoredEvent,
  type StoredOrder,
  type StoredSku,
  type StoredWindow,
  decodeOrder,
  type OrderRow,
} from './decode.js';
import { mapSqliteError, type DB } from './open.js';
import type { SqliteImport } from './import-batch.js';

interface SkuRow {
  sku: string;
  name: string;
  on_hand: number;
  reserved: number;
  low_stock: number | null;
  due: number;
}

import { ALL_SKU_ROWS, IS_AVAILABLE, SKU_ROW, TAKE_IF_AVAILABLE } from './sqlite-sql.js';
import { COPY_PAGE, EMPTY_SETTINGS, keyColumns, NOT_COPIED, notEmpty, TABLE_COLUMNS } from './tables.js';

export class SqliteStore implements Store {
  private readonly stmts = new Map<string, Statement>();
  /** One transaction wrapper for every call: better-sqlite3 builds four functions per db.transaction(). */
  private readonly tx: ReturnType<DB['transaction']>;

  constructor(
    private readonly db: DB,
    private readonly path: string,
    private readonly onClose: () => void = () => {},
  ) {
    this.tx = db.transaction((fn: () => unknown) => fn());
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.onClose();
  }

  get label(): string {
    return this.path;
  }

  /** The file's size in pages (what a backup reports). */
  pageCount(): number {
    return this.db.pragma('page_count', { simple: true }) as number;
  }

  async *exportRows(): AsyncGenerator<TableRows> {
    // One read transaction for the whole copy: one consistent snapshot, while others may write.
    this.db.exec('BEGIN DEFERRED');
    try {
      for (const [table, columns] of TABLE_COLUMNS) {
        const it = this.db
          .prepare(
            `SELECT ${columns.join(', ')} FROM ${table} ${NOT_COPIED[table] ? `WHERE ${NOT_COPIED[table]}` : ''} ORDER BY ${keyColumns(table, columns).join(', ')}`,
          )
          .raw()
          .iterate() as IterableIterator<unknown[]>;
        let rows: unknown[][] = [];
        for (const r of it) {
          rows.push(r);
          if (rows.length === COPY_PAGE) {
            yield { table, rows };
            rows = [];
          }
        }
        if (rows.length > 0) yield { table, rows };
      }
    } catch (e) {
      throw mapSqliteError(e, this.path, true);
    } finally {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  async importRows(pages: AsyncIterable<TableRows>, o: { replace: boolean }): Promise<Record<string, number>> {
    const counts: Record<string, number> = Object.fromEntries(TABLE_COLUMNS.map(([t]) => [t, 0]));
    const columns = new Map(TABLE_COLUMNS);
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        // All but the store's own bookkeeping (NOT_COPIED): its config_version counts on, so no process keeps a stale policy.
        if (o.replace)
          for (const [table] of [...TABLE_COLUMNS].reverse())
            this.db.exec(`DELETE FROM ${table} ${NOT_COPIED[table] ? `WHERE ${NOT_COPIED[table]}` : ''}`);
        else if (!this.holdsNothing()) throw notEmpty(this.path);
        for await (const page of pages) {
          const cols = columns.get(page.table);
          if (!cols) throw new Error(`unknown table ${page.table}`);
          const put = this.q(
            `INSERT OR REPLACE INTO ${page.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          );
          for (const r of page.rows) put.run(...(r as unknown[]));
          counts[page.table] += page.rows.length;
        }
        this.bumpConfig();
        this.config = undefined;
        this.db.exec('COMMIT');
      } finally {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      }
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
    return counts;
  }

  /** No SKU, order, movement, override, window or provider, and the settings a new store starts with. */
  private holdsNothing(): boolean {
    for (const [table] of TABLE_COLUMNS) {
      if (table === 'settings') continue;
      if (this.q(`SELECT 1 FROM ${table} LIMIT 1`).get()) return false;
    }
    const settings = this.q(`SELECT key, value FROM settings`).all() as { key: string; value: string }[];
    return settings.every((s) => s.key === 'config_version' || EMPTY_SETTINGS[s.key] === s.value);
  }

  backup(destFile: string): Promise<{ pages: number; file: string }> {
    return backupTo(this.db, this.path, destFile);
  }

  async restore(backupFile: string): Promise<BackupInfo> {
    return restoreInto(this.db, this.path, backupFile, this.db.pragma('busy_timeout', { simple: true }) as number);
  }

  private q(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Inside a batch: each operation has its savepoint already, so a method needs no second one. */
  private batching = false;

  private write<T>(fn: () => T): T {
    try {
      return this.batching ? fn() : (this.tx.immediate(fn) as T);
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
  }

  /**
   * One BEGIN IMMEDIATE … COMMIT around many operations: one fsync for them all.
   * Each runs in a savepoint of its own, inside which the store's methods nest
   * theirs (better-sqlite3 turns a transaction inside a transaction into a
   * savepoint). Their SQL runs synchronously, so nothing else reaches this
   * connection between BEGIN and COMMIT although the operations are awaited.
   */
  readonly batchLimit = 4000;

  async batch<T>(ops: readonly (() => Promise<T>)[], o: { stopOnFailure?: boolean } = {}): Promise<BatchOutcome<T>[]> {
    const out: BatchOutcome<T>[] = [];
    if (this.batching) throw new Error('a batch inside a batch');
    try {
      this.q('BEGIN IMMEDIATE').run();
      this.batching = true;
      try {
        for (const op of ops) {
          this.q('SAVEPOINT batch_op').run();
          try {
            const value = await op();
            this.q('RELEASE batch_op').run();
            out.push({ ok: true, value });
          } catch (error) {
            // SQLite ends the whole transaction itself on some errors (a full disk, an I/O error).
            if (failsTheStore(error) || !this.db.inTransaction) throw error;
            this.q('ROLLBACK TO batch_op').run();
            this.q('RELEASE batch_op').run();
            out.push({ ok: false, error });
            if (o.stopOnFailure) break;
          }
        }
        this.q('COMMIT').run();
      } finally {
        this.batching = false;
        if (this.db.inTransaction) {
          this.db.exec('ROLLBACK');
          // What the batch read of the configuration may have been rolled back with it.
          this.config = undefined;
        }
      }
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
    return out;
  }

  private read<T>(fn: () => T): T {
    try {
      return this.tx.deferred(fn) as T;
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
  }

  // ── policy ────────────────────────────────────────────────────────────────

  /**
   * Every change to the policy or the provider catalogue bumps `config_version`,
   * so a long-lived process (inv apply) reads one row per order instead of the
   * whole configuration, and still sees another process's change at once.
   */
  private config?: { version: string; policy: Policy; catalogue: Provider[]; damaged: Map<string, Damage> };

  private bumpConfig(): void {
    this.q(`INSERT INTO settings (key, value) VALUES ('config_version', '1')
      ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`).run();
  }

  private currentConfig(): { policy: Policy; catalogue: Provider[]; damaged: Map<string, Damage> } {
    const version =
      (this.q(`SELECT value FROM settings WHERE key = 'config_version'`).get() as { value: string } | undefined)
        ?.value ?? '0';
    if (this.config?.version !== version) {
      // All windows, ended or not: resolveMode looks at the time itself.
      // A damaged provider fails only the orders that use it (below), not every order.
      const damaged = new Map<string, Damage>();
      this.config = {
        version,
        policy: this.policy(Number.NEGATIVE_INFINITY),
        catalogue: mergeCatalogue(this.custom(damaged)),
        damaged,
      };
    }
    return this.config;
  }

  private policy(nowMs: number): Policy {
    const base = decodeMode(
      (this.q(`SELECT value FROM settings WHERE key = 'base_mode'`).get() as { value: string } | undefined)?.value,
      'the base mode',
    );
    const overrides: Record<string, Mode> = {};
    for (const r of this.q(`SELECT provider, mode FROM overrides ORDER BY provider`).all() as {
      provider: string;
      mode: string;
    }[]) {
      overrides[r.provider] = decodeMode(r.mode, `the override for ${r.provider}`);
    }
    const schedule = (
      this.q(`SELECT id, mode, from_at, until_at, reason FROM schedule WHERE until_at > ? ORDER BY from_at, id`).all(
        nowMs,
      ) as { id: number; mode: Mode; from_at: number; until_at: number; reason: string | null }[]
    ).map((r) => ({
      id: r.id,
      mode: decodeMode(r.mode, `the mode of window ${r.id}`),
      from: iso(r.from_at),
      until: iso(r.until_at),
      reason: r.reason,
    }));
    return { base, overrides, schedule };
  }

  async getPolicy(nowMs: number): Promise<Policy> {
    return this.read(() => this.policy(nowMs));
  }

  async setBaseMode(mode: Mode): Promise<Mode> {
    return (await this.setPolicy({ base: mode })).base;
  }

  async setOverride(provider: string, mode: Mode | null): Promise<Mode | null> {
    return (await this.setPolicy({ overrides: { [provider]: mode } })).overrides[provider];
  }

  async addWindow(w: Omit<ScheduleWindow, 'id'>): Promise<ScheduleWindow> {
    return this.write(() => {
      const r = this.q(`INSERT INTO schedule (mode, from_at, until_at, reason) VALUES (?, ?, ?, ?)`).run(
        w.mode,
        Date.parse(w.from),
        Date.parse(w.until),
        w.reason,
      );
      this.bumpConfig();
      return { ...w, id: Number(r.lastInsertRowid) };
    });
  }

  async cancelWindow(id: number): Promise<ScheduleWindow> {
    return this.write(() => {
      const r = this.q(`SELECT id, mode, from_at, until_at, reason FROM schedule WHERE id = ?`).get(id) as
        | { id: number; mode: Mode; from_at: number; until_at: number; reason: string | null }
        | undefined;
      if (!r)
        throw new RefusedError(
          'UNKNOWN_SCHEDULE',
          `no scheduled window with id ${id}`,
          [],
          'list them with: inv schedule',
        );
      this.q(`DELETE FROM schedule WHERE id = ?`).run(id);
      this.bumpConfig();
      return { id: r.id, mode: r.mode, from: iso(r.from_at), until: iso(r.until_at), reason: r.reason };
    });
  }

  // ── providers ─────────────────────────────────────────────────────────────

  /**
   * The operator's providers. With `damaged`, a damaged one is left out and noted
   * there instead of refusing the whole catalogue (so that orders for the others
   * go on, and `provider set` can mend it).
   */
  private custom(damaged?: Map<string, Damage>): Provider[] {
    const out: Provider[] = [];
    for (const r of this.q(`SELECT name, doc FROM providers ORDER BY name`).all() as { name: string; doc: string }[]) {
      try {
        out.push(decodeProvider(r.doc, r.name));
      } catch (e) {
        if (!(damaged && e instanceof Damage)) throw e;
        damaged.set(r.name, e);
      }
    }
    return out;
  }

  async customProviders(): Promise<Provider[]> {
    return this.read(() => this.custom());
  }

  // Payment method mappings are settings rows `method:<platform:method>`: no table of their own.
  async methodMap(): Promise<Record<string, string>> {
    return this.read(() => {
      const rows = this.q(`SELECT key, value FROM settings WHERE key >= 'method:' AND key < 'method;'`).all() as {
        key: string;
        value: string;
      }[];
      return Object.fromEntries(rows.map((r) => [r.key.slice('method:'.length), r.value]));
    });
  }

  async mapMethod(method: string, provider: string | null): Promise<string | null> {
    return this.write(() => {
      const key = `method:${method}`;
      const before =
        (this.q(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined)?.value ?? null;
      if (provider === null) this.q(`DELETE FROM settings WHERE key = ?`).run(key);
      else
        this.q(
          `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        ).run(key, provider);
      return before;
    });
  }

  // ── stock ─────────────────────────────────────────────────────────────────

  private item(r: SkuRow): StockItem {
    return stockItem(
      { sku: r.sku, name: r.name, onHand: r.on_hand, reserved: r.reserved, lowStock: r.low_stock },
      r.due,
    );
  }

  private skuRow(sku: string, nowMs: number): SkuRow | undefined {
    return this.q(SKU_ROW).get({ sku, now: nowMs }) as SkuRow | undefined;
  }

  private mustSku(sku: string, nowMs: number): SkuRow {
    const r = this.skuRow(sku, nowMs);
    if (!r) throw unknownSku(sku);
    return r;
  }

  async listStock(q: { skus?: string[]; nowMs: number }): Promise<StockItem[]> {
    return this.read(() => {
      if (q.skus && q.skus.length > 0) return q.skus.map((sku) => this.item(this.mustSku(sku, q.nowMs)));
      return (this.q(ALL_SKU_ROWS).all({ now: q.nowMs }) as SkuRow[]).map((r) => this.item(r));
    });
  }

  async beginImport(o: { expectedBytes?: number | null } = {}): Promise<SqliteImport> {
    // Loaded here, not at the top: the importer brings worker threads that no other command needs.
    const { SqliteImport: Import } = await import('./import-batch.js');
    return new Import(this.db, this.path, o.expectedBytes ?? null);
  }

  /** Streams every SKU, for exports and `stock --json` on large stores. */
  *iterateStock(nowMs: number): IterableIterator<StockItem> {
    try {
      for (const r of this.q(ALL_SKU_ROWS).iterate({ now: nowMs }) as IterableIterator<SkuRow>) {
        yield this.item(r);
      }
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
  }

  async stockDetail(sku: string, nowMs: number): Promise<StockDetail> {
    return this.read(() => {
      const item = this.item(this.mustSku(sku, nowMs));
      const rows = (
        this.q(`
        SELECT o.id AS orderId, o.provider, o.mode, o.placed_at AS placedAt, o.expires_at AS expiresAt, p.qty, p.held
        FROM pending p JOIN orders o ON o.id = p.order_id
        WHERE p.sku = ? ORDER BY o.placed_at, o.id`).all(sku) as (Omit<PendingRow, 'held'> & { held: number })[]
      ).map((r) => ({ ...r, held: r.held === 1 }));
      return { ...item, ...holders(rows, nowMs) };
    });
  }

  /** The one way stock changes: the SKU's counters and a ledger row, together. */
  private move(
    sku: string,
    onHandDelta: number,
    reservedDelta: number,
    reason: MovementReason,
    at: number,
    orderId: string | null,
    note: string | null,
  ): void {
    if (onHandDelta === 0 && reservedDelta === 0) return;
    this.q(`UPDATE skus SET on_hand = on_hand + ?, reserved = reserved + ? WHERE sku = ?`).run(
      onHandDelta,
      reservedDelta,
      sku,
    );
    this.q(
      `INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(at, sku, onHandDelta, reservedDelta, reason, orderId, note);
  }

  async createSkus(
    items: readonly { sku: string; name: string; qty: number; lowStock: number | null }[],
    note: string,
    nowMs: number,
  ): Promise<string[]> {
    return this.write(() => {
      const created: string[] = [];
      for (const it of items) {
        if (this.q(`SELECT 1 FROM skus WHERE sku = ?`).get(it.sku)) continue;
        const delta = adjustment({ onHand: 0, reserved: 0 }, { set: it.qty }, it.sku);
        this.q(`INSERT INTO skus (sku, name, low_stock) VALUES (?, ?, ?)`).run(it.sku, it.name, it.lowStock);
        this.move(it.sku, delta, 0, 'adjust', nowMs, null, note);
        created.push(it.sku);
      }
      return created;
    });
  }

  async setPolicy(p: {
    base?: Mode;
    overrides?: Record<string, Mode | null>;
  }): Promise<{ base: Mode; overrides: Record<string, Mode | null> }> {
    return this.write(() => {
      const was = this.policyRows(p);
      this.bumpConfig();
      return was;
    });
  }

  /** Writes the base mode and overrides inside the caller's transaction; returns what they were. */
  private policyRows(p: { base?: Mode; overrides?: Record<string, Mode | null> }): {
    base: Mode;
    overrides: Record<string, Mode | null>;
  } {
    const base = (this.q(`SELECT value FROM settings WHERE key = 'base_mode'`).get() as { value: Mode }).value;
    const overrides: Record<string, Mode | null> = {};
    for (const [provider, mode] of Object.entries(p.overrides ?? {})) {
      overrides[provider] =
        (this.q(`SELECT mode FROM overrides WHERE provider = ?`).get(provider) as { mode: Mode } | undefined)?.mode ??
        null;
      if (mode)
        this.q(
          `INSERT INTO overrides (provider, mode) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET mode = excluded.mode`,
        ).run(provider, mode);
      else this.q(`DELETE FROM overrides WHERE provider = ?`).run(provider);
    }
    if (p.base) this.q(`UPDATE settings SET value = ? WHERE key = 'base_mode'`).run(p.base);
    return { base, overrides };
  }

  async applyPolicy(plan: PolicyPlan): Promise<AppliedPolicy> {
    return this.write(() => {
      const was = this.policyRows(plan);
      const windows: Record<string, number | null> = {};
      for (const [name, hours] of Object.entries(plan.windows)) {
        const existing = mergeCatalogue(this.custom(new Map())).find((p) => p.name === name);
        windows[name] = existing?.windowHours ?? null;
        const provider = tuneProvider(existing, name, { windowHours: hours });
        this.q(
          `INSERT INTO providers (name, doc) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`,
        ).run(provider.name, JSON.stringify(provider));
      }
      let window: ScheduleWindow | null = null;
      if (plan.schedule) {
        const w = plan.schedule;
        const r = this.q(`INSERT INTO schedule (mode, from_at, until_at, reason) VALUES (?, ?, ?, ?)`).run(
          w.mode,
          Date.parse(w.from),
          Date.parse(w.until),
          w.reason,
        );
        window = { ...w, id: Number(r.lastInsertRowid) };
      }
      this.bumpConfig();
      return { was: { ...was, windows }, window };
    });
  }

  async tuneProvider(
    name: string,
    tune: (existing: Provider | undefined) => Provider,
  ): Promise<{ created: boolean; provider: Provider }> {
    return this.write(() => {
      const existing = mergeCatalogue(this.custom(new Map())).find((p) => p.name === name);
      const provider = tune(existing);
      this.q(`INSERT INTO providers (name, doc) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`).run(
        provider.name,
        JSON.stringify(provider),
      );
      this.bumpConfig();
      return { created: !existing, provider };
    });
  }

  async adjustStock(a: AdjustInput): Promise<Adjusted> {
    return this.write(() => {
      let row = this.skuRow(a.sku, a.nowMs);
      const kind = a.set !== undefined ? 'set' : 'add';
      if (a.eventId !== undefined) {
        const seen = this.q(`SELECT sku, kind FROM stock_events WHERE event_id = ?`).get(a.eventId) as
          | SeenStockEvent
          | undefined;
        if (stockEventSeen(a.eventId, seen, { sku: a.sku, kind })) {
          if (!row) throw unknownSku(a.sku);
          return adjustedAgain({ sku: a.sku, name: row.name, onHand: row.on_hand, reserved: row.reserved - row.due });
        }
        this.q(`INSERT INTO stock_events (event_id, sku, kind, at) VALUES (?, ?, ?, ?)`).run(
          a.eventId,
          a.sku,
          kind,
          a.nowMs,
        );
      }
      const created = !row;
      if (!row) {
        if (a.set === undefined) throw unknownSku(a.sku, `create it with: inv stock set ${a.sku} QTY`);
        this.q(`INSERT INTO skus (sku, name) VALUES (?, ?)`).run(a.sku, a.name ?? '');
        row = this.skuRow(a.sku, a.nowMs)!;
      }
      const before = row.on_hand;
      const reserved = row.reserved - row.due;
      const delta = adjustment({ onHand: before, reserved }, { set: a.set, add: a.add }, a.sku);
      if (a.name !== undefined && a.name !== row.name)
        this.q(`UPDATE skus SET name = ? WHERE sku = ?`).run(a.name, a.sku);
      if (a.lowStock !== undefined) this.q(`UPDATE skus SET low_stock = ? WHERE sku = ?`).run(a.lowStock, a.sku);
      this.move(a.sku, delta, 0, 'adjust', a.nowMs, null, a.note ?? null);
      return {
        sku: a.sku,
        name: a.name ?? row.name,
        created,
        before,
        after: before + delta,
        reserved,
        available: before + delta - reserved,
      };
    });
  }

  async history(sku: string): Promise<{ sku: string; movements: Movement[] }> {
    return this.read(() => {
      if (!this.q(`SELECT 1 FROM skus WHERE sku = ?`).get(sku)) throw unknownSku(sku);
      const rows = this.q(
        `SELECT at, reason, order_id AS orderId, on_hand_delta AS onHandDelta, reserved_delta AS reservedDelta, note
         FROM movements WHERE sku = ? ORDER BY at, id`,
      ).all(sku) as LedgerRow[];
      const movements = history(rows);
      return { sku, movements };
    });
  }

  async verify(): Promise<Problem[]> {
    return this.read(() => {
      const problems: Problem[] = [];
      const integrity = this.db.pragma('integrity_check') as { integrity_check: string }[];
      for (const r of integrity)
        if (r.integrity_check !== 'ok')
          problems.push({ sku: null, message: `SQLite integrity check: ${r.integrity_check}` });
      const fk = this.db.pragma('foreign_key_check') as unknown[];
      if (fk.length > 0) problems.push({ sku: null, message: `${fk.length} rows point at missing SKUs or orders` });
      const drift = this.q(`
        SELECT s.sku, s.on_hand, s.reserved, COALESCE(m.oh, 0) AS oh, COALESCE(m.rs, 0) AS rs
        FROM skus s LEFT JOIN (SELECT sku, SUM(on_hand_delta) AS oh, SUM(reserved_delta) AS rs FROM movements GROUP BY sku) m ON m.sku = s.sku
        WHERE s.on_hand IS NOT COALESCE(m.oh, 0) OR s.reserved IS NOT COALESCE(m.rs, 0)`).all() as {
        sku: string;
        on_hand: number;
        reserved: number;
        oh: number;
        rs: number;
      }[];
      for (const d of drift) {
        problems.push({
          sku: d.sku,
          message: `stock says onHand ${d.on_hand}, reserved ${d.reserved}; the ledger sums to onHand ${d.oh}, reserved ${d.rs}`,
        });
      }
      for (const r of this.q(`SELECT sku, reserved FROM skus WHERE reserved < 0`).all() as {
        sku: string;
        reserved: number;
      }[]) {
        problems.push({ sku: r.sku, message: `reserved is negative (${r.reserved})` });
      }
      const holds = this.q(`
        SELECT s.sku, s.reserved, COALESCE(h.held, 0) AS held FROM skus s
        LEFT JOIN (SELECT sku, SUM(qty) AS held FROM pending WHERE held = 1 GROUP BY sku) h ON h.sku = s.sku
        WHERE s.reserved IS NOT COALESCE(h.held, 0)`).all() as { sku: string; reserved: number; held: number }[];
      for (const h of holds)
        problems.push({ sku: h.sku, message: `reserved is ${h.reserved} but unpaid orders hold ${h.held}` });
      const stray = this.q(`
        SELECT p.order_id AS id, p.sku FROM pending p LEFT JOIN orders o ON o.id = p.order_id
        WHERE o.id IS NULL OR o.status <> 'pending' OR p.until <> o.expires_at OR p.held <> o.holding`).all() as {
        id: string;
        sku: string;
      }[];
      for (const r of stray)
        problems.push({
          sku: r.sku,
          message: `order "${r.id}" is listed as pending for ${r.sku} but is not a pending order with that expiry`,
        });
      problems.push(...this.storedValueProblems());
      return problems;
    });
  }

  /**
   * Every stored value the commands rely on, checked as they would read it: the
   * policy, the providers, each order's status, mode and lines, each movement's
   * reason, each SKU's spelling. A value that breaks a rule is a problem (exit 5),
   * not something found half-way through a later command.
   */
  private storedValueProblems(): Problem[] {
    const c = new StoredValueCheck();
    c.baseMode(
      (this.q(`SELECT value FROM settings WHERE key = 'base_mode'`).get() as { value: string } | undefined)?.value,
    );
    for (const r of this.q(`SELECT provider, mode FROM overrides`).all() as { provider: string; mode: string }[])
      c.override(r);
    for (const r of this.q(`SELECT id, mode, from_at, until_at FROM schedule`).all() as StoredWindow[]) c.window(r);
    for (const r of this.q(`SELECT name, doc FROM providers`).all() as { name: string; doc: string }[]) c.provider(r);
    for (const r of this.q(`SELECT sku, low_stock FROM skus`).iterate() as IterableIterator<StoredSku>) c.sku(r);
    for (const o of this.q(
      `SELECT id, status, mode, holding, placed_at, expires_at, lines FROM orders`,
    ).iterate() as IterableIterator<StoredOrder>)
      c.order(o);
    for (const r of this.q(`SELECT reason, COUNT(*) AS n FROM movements GROUP BY reason`).all() as {
      reason: string;
      n: number;
    }[])
      c.reasons(r);
    for (const r of this.q(
      `SELECT e.event_id, e.transition, o.id AS order_id FROM events e LEFT JOIN orders o ON o.id = e.order_id WHERE o.id IS NULL OR e.transition NOT IN ('pay', 'fail', 'cancel')`,
    ).all() as StoredEvent[])
      c.event(r);
    return c.problems;
  }

  async isEmpty(): Promise<boolean> {
    return this.read(() => !this.q(`SELECT 1 FROM skus LIMIT 1`).get());
  }

  // ── orders ────────────────────────────────────────────────────────────────
  // Each method loads what the core's plan needs (src/core/orders.ts), asks it
  // once, and writes the plan; placing keeps its conditional UPDATE as the check.

  private orderRow(id: string): OrderRow | undefined {
    return this.q(`SELECT * FROM orders WHERE id = ?`).get(id) as OrderRow | undefined;
  }

  private mustOrder(id: string): OrderState {
    const o = this.orderRow(id);
    if (!o) throw unknownOrder(id);
    return decodeOrder(o);
  }

  /** Available units of a SKU now, holds past their window counted back (core/orders.ts stockItem). */
  private available(sku: string, nowMs: number): number {
    return this.item(this.mustSku(sku, nowMs)).available;
  }

  /** Writes one planned step: the movements, the order leaving pending, the order's new state. */
  private writeStep(before: OrderState, step: Step): void {
    for (const m of step.movements) this.move(m.sku, m.onHandDelta, m.reservedDelta, m.reason, m.at, m.orderId, m.note);
    if (step.leftPending) {
      const drop = this.q(`DELETE FROM pending WHERE sku = ? AND until = ? AND order_id = ?`);
      for (const l of before.lines) drop.run(l.sku, before.expiresAt, before.id);
    }
    const o = step.order;
    this.q(
      `UPDATE orders SET status = ?, holding = ?, updated_at = ?, oversold_units = ?, late_payment = ? WHERE id = ?`,
    ).run(o.status, o.holding ? 1 : 0, o.updatedAt, o.oversoldUnits, o.latePayment ? 1 : 0, o.id);
  }

  async placeOrder(p: PlaceInput): Promise<OrderDoc> {
    return this.write(() => {
      const config = this.currentConfig();
      let provider: Provider;
      try {
        const broken = config.damaged.get(p.provider);
        if (broken) throw broken;
        provider = findProvider(config.catalogue, p.provider);
      } catch (e) {
        // An order id that is taken is the first thing said, whatever else is wrong.
        if (this.orderRow(p.id)) throw orderExists(p.id);
        throw e;
      }
      const plan = planPlace({ id: p.id, provider, lines: mergeLines(p.lines), policy: config.policy, nowMs: p.nowMs });
      const o = plan.order;
      try {
        this.q(
          `INSERT INTO orders (id, status, mode, provider, placed_at, expires_at, updated_at, holding, lines) VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
        ).run(o.id, o.mode, o.provider, o.placedAt, o.expiresAt, o.updatedAt, o.holding ? 1 : 0, encodeLines(o.lines));
      } catch (e) {
        // The primary key says it, in the same statement: no separate look-up first.
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
        return placeAgain(this.mustOrder(p.id), { provider: provider.name, lines: p.lines }, p.nowMs);
      }
      // Check and take in one conditional UPDATE, under the write lock.
      const take = this.q(TAKE_IF_AVAILABLE);
      // When nothing is taken (on-payment), only the check: an UPDATE would rewrite the row for nothing.
      const check = this.q(IS_AVAILABLE);
      const pend = this.q(`INSERT INTO pending (sku, until, order_id, qty, held) VALUES (?, ?, ?, ?, ?)`);
      for (const l of plan.lines) {
        const args = { sku: l.sku, onHand: l.onHandDelta, reserve: l.reservedDelta, need: l.need, now: p.nowMs };
        const writes = l.onHandDelta !== 0 || l.reservedDelta !== 0;
        const ok = writes ? take.run(args).changes === 1 : check.get(args) !== undefined;
        if (!ok) throw outOfStock(l.sku, this.available(l.sku, p.nowMs), l.qty);
        pend.run(l.sku, o.expiresAt, o.id, l.qty, l.holds ? 1 : 0);
      }
      const ledger = this.q(
        `INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const m of plan.movements)
        ledger.run(m.at, m.sku, m.onHandDelta, m.reservedDelta, m.reason, m.orderId, m.note);
      return orderDoc(o, p.nowMs);
    });
  }

  async notify(n: NotifyInput): Promise<OrderDoc> {
    return this.write(() => {
      const o = this.mustOrder(n.id);
      const seen =
        n.eventId === undefined
          ? undefined
          : (this.q(`SELECT order_id AS orderId, transition FROM events WHERE event_id = ?`).get(n.eventId) as
              | SeenEvent
              | undefined);
      const plan = planNotify(o, n, seen, (sku) => this.available(sku, n.nowMs));
      if (plan.kind === 'duplicate') return orderDoc(o, n.nowMs, true);
      let before = o;
      for (const step of plan.steps) {
        this.writeStep(before, step);
        before = step.order;
      }
      if (plan.event) {
        const e = plan.event;
        this.q(`INSERT INTO events (event_id, order_id, transition, at) VALUES (?, ?, ?, ?)`).run(
          e.id,
          e.orderId,
          e.transition,
          e.at,
        );
      }
      return orderDoc(plan.order, n.nowMs, plan.repeat);
    });
  }

  async expireDue(nowMs: number): Promise<string[]> {
    return this.write(() => {
      // Only pending orders have rows in `pending`: the sweep reads that table, not every order ever placed.
      const due = (
        this.q(`SELECT * FROM orders WHERE id IN (SELECT order_id FROM pending WHERE until <= ?) AND status = 'pending'
        ORDER BY expires_at, placed_at, id`).all(nowMs) as OrderRow[]
      ).map((r) => decodeOrder(r));
      for (const o of due) {
        const step = planExpiry(o, nowMs);
        if (step) this.writeStep(o, step);
      }
      return due.map((o) => o.id);
    });
  }

  async getOrder(id: string, nowMs: number): Promise<OrderDoc> {
    return this.read(() => orderDoc(this.mustOrder(id), nowMs));
  }

  async listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]> {
    return this.read(() => {
      const rows = this.q(`SELECT * FROM orders ORDER BY placed_at, id`).all() as OrderRow[];
      return rows.map((o) => orderDoc(decodeOrder(o), q.nowMs)).filter((d) => !q.status || d.status === q.status);
    });
  }
}
