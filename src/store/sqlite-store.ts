/**
 * The SQLite implementation of the core's Store port. Each public method is one
 * transaction; writes use BEGIN IMMEDIATE so that the availability check and the
 * change it guards happen under the same write lock. Business decisions come
 * from src/core; this file only reads, applies and records them.
 */
import type { Statement } from 'better-sqlite3';
import { RefusedError } from '../core/errors.js';
import type { OrderStatus, Transition } from '../core/lifecycle.js';
import {
  REASONS,
  STATUSES,
  decide,
  isDue,
  isRepeat,
  lineMove,
  mergeLines,
  placeEffect,
  type MovementReason,
} from '../core/lifecycle.js';
import { resolveMode, type Mode, type Policy, type ScheduleWindow } from '../core/modes.js';
import type {
  BackupInfo,
  Adjusted,
  Holder,
  Movement,
  NotifyInput,
  OrderDoc,
  PlaceInput,
  Problem,
  StockDetail,
  StockItem,
  Store,
} from '../core/ports.js';
import { PROVIDER_NAME, findProvider, mergeCatalogue, type Provider } from '../core/providers.js';
import { adjustment, isLow, isOversold } from '../core/stock.js';
import { iso } from '../core/values.js';
import { backupTo, restoreInto } from './backup.js';
import { Damage, decodeLines, decodeMode, decodeProvider, encodeLines, storedSkuProblem } from './decode.js';
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
interface OrderRow {
  id: string;
  status: OrderStatus;
  mode: Mode;
  provider: string;
  placed_at: number;
  expires_at: number;
  updated_at: number;
  holding: number;
  oversold_units: number;
  late_payment: number;
  lines: string;
}
interface Line {
  sku: string;
  qty: number;
}

const HOURS = 3_600_000;

/** Units of a SKU held by orders past their window: already available again (SPEC section 2, Clock). */
const DUE_HELD = `(SELECT COALESCE(SUM(p.qty), 0) FROM pending p WHERE p.sku = s.sku AND p.until <= @now AND p.held = 1)`;

/** Enough available for a line: holds past their window count, but are only summed when the plain check falls short. */
const ENOUGH = `s.sku = @sku AND (s.on_hand - s.reserved >= @need OR s.on_hand - s.reserved + ${DUE_HELD} >= @need)`;
const TAKE_IF_AVAILABLE = `UPDATE skus AS s SET on_hand = on_hand + @onHand, reserved = reserved + @reserve WHERE ${ENOUGH}`;
const IS_AVAILABLE = `SELECT 1 FROM skus AS s WHERE ${ENOUGH}`;
const SKU_ROW = `SELECT s.*, ${DUE_HELD} AS due FROM skus s WHERE s.sku = @sku`;
const ALL_SKU_ROWS = `SELECT s.*, ${DUE_HELD} AS due FROM skus s ORDER BY s.sku`;

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

  private write<T>(fn: () => T): T {
    try {
      return this.tx.immediate(fn) as T;
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
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

  // ── stock ─────────────────────────────────────────────────────────────────

  private item(r: SkuRow): StockItem {
    const reserved = r.reserved - r.due;
    const available = r.on_hand - reserved;
    return {
      sku: r.sku,
      name: r.name,
      onHand: r.on_hand,
      reserved,
      available,
      lowStock: r.low_stock,
      low: isLow(available, r.low_stock),
      oversold: isOversold(available),
    };
  }

  private skuRow(sku: string, nowMs: number): SkuRow | undefined {
    return this.q(SKU_ROW).get({ sku, now: nowMs }) as SkuRow | undefined;
  }

  private mustSku(sku: string, nowMs: number): SkuRow {
    const r = this.skuRow(sku, nowMs);
    if (!r) throw new RefusedError('UNKNOWN_SKU', `unknown SKU "${sku}"`, [{ sku }], 'list SKUs with: inv stock');
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
    return new Import(this.db, this.path, DUE_HELD, o.expectedBytes ?? null);
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
      const rows = this.q(`
        SELECT o.id, o.provider, o.mode, o.placed_at, o.expires_at, p.qty, p.held
        FROM pending p JOIN orders o ON o.id = p.order_id
        WHERE p.sku = ? ORDER BY o.placed_at, o.id`).all(sku) as {
        id: string;
        provider: string;
        mode: Mode;
        placed_at: number;
        expires_at: number;
        qty: number;
        held: number;
      }[];
      const toHolder = (r: (typeof rows)[number]): Holder => ({
        orderId: r.id,
        qty: r.qty,
        provider: r.provider,
        mode: r.mode,
        placedAt: iso(r.placed_at),
        expiresAt: iso(r.expires_at),
        expired: r.expires_at <= nowMs,
      });
      return {
        ...item,
        holders: rows.filter((r) => r.held === 1).map(toHolder),
        awaitingPayment: rows.filter((r) => r.held === 0 && r.expires_at > nowMs).map(toHolder),
      };
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
      this.bumpConfig();
      return { base, overrides };
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

  async adjustStock(a: {
    sku: string;
    set?: number;
    add?: number;
    name?: string;
    lowStock?: number | null;
    note?: string;
    nowMs: number;
  }): Promise<Adjusted> {
    return this.write(() => {
      let row = this.skuRow(a.sku, a.nowMs);
      const created = !row;
      if (!row) {
        if (a.set === undefined)
          throw new RefusedError(
            'UNKNOWN_SKU',
            `unknown SKU "${a.sku}"`,
            [{ sku: a.sku }],
            `create it with: inv stock set ${a.sku} QTY`,
          );
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
      if (!this.q(`SELECT 1 FROM skus WHERE sku = ?`).get(sku))
        throw new RefusedError('UNKNOWN_SKU', `unknown SKU "${sku}"`, [{ sku }], 'list SKUs with: inv stock');
      let onHand = 0;
      let reserved = 0;
      const rows = this.q(
        `SELECT at, reason, order_id, on_hand_delta, reserved_delta, note FROM movements WHERE sku = ? ORDER BY at, id`,
      ).all(sku) as {
        at: number;
        reason: MovementReason;
        order_id: string | null;
        on_hand_delta: number;
        reserved_delta: number;
        note: string | null;
      }[];
      const movements = rows.map((r) => {
        onHand += r.on_hand_delta;
        reserved += r.reserved_delta;
        return {
          at: iso(r.at),
          reason: r.reason,
          orderId: r.order_id,
          onHandDelta: r.on_hand_delta,
          reservedDelta: r.reserved_delta,
          onHand,
          reserved,
          note: r.note,
        };
      });
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
    const problems: Problem[] = [];
    const check = (sku: string | null, fn: () => void) => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof Damage)) throw e;
        problems.push({ sku, message: e.message });
      }
    };
    check(null, () =>
      decodeMode(
        (this.q(`SELECT value FROM settings WHERE key = 'base_mode'`).get() as { value: string } | undefined)?.value,
        'the base mode',
      ),
    );
    for (const r of this.q(`SELECT provider, mode FROM overrides`).all() as { provider: string; mode: string }[]) {
      check(null, () => decodeMode(r.mode, `the override for ${r.provider}`));
      if (!PROVIDER_NAME.test(r.provider))
        problems.push({ sku: null, message: `an override names the provider ${JSON.stringify(r.provider)}` });
    }
    for (const r of this.q(`SELECT id, mode, from_at, until_at FROM schedule`).all() as {
      id: number;
      mode: string;
      from_at: number;
      until_at: number;
    }[]) {
      check(null, () => decodeMode(r.mode, `the mode of window ${r.id}`));
      if (!(r.from_at < r.until_at)) problems.push({ sku: null, message: `window ${r.id} ends before it starts` });
    }
    for (const r of this.q(`SELECT name, doc FROM providers`).all() as { name: string; doc: string }[])
      check(null, () => decodeProvider(r.doc, r.name));
    const skus = new Set<string>();
    for (const r of this.q(`SELECT sku, low_stock FROM skus`).iterate() as IterableIterator<{
      sku: string;
      low_stock: number | null;
    }>) {
      skus.add(r.sku);
      const why = storedSkuProblem(r.sku);
      if (why)
        problems.push({ sku: r.sku, message: `the SKU ${JSON.stringify(r.sku)} ${why.replace(/^SKU \S+ /, '')}` });
      if (r.low_stock !== null && !(r.low_stock >= 0))
        problems.push({ sku: r.sku, message: `lowStock is ${r.low_stock}` });
    }
    const orders = this.q(
      `SELECT id, status, mode, holding, placed_at, expires_at, lines FROM orders`,
    ).iterate() as IterableIterator<
      Pick<OrderRow, 'id' | 'status' | 'mode' | 'holding' | 'placed_at' | 'expires_at' | 'lines'>
    >;
    for (const o of orders) {
      if (!(STATUSES as readonly string[]).includes(o.status))
        problems.push({ sku: null, message: `order "${o.id}" has the status ${JSON.stringify(o.status)}` });
      check(null, () => decodeMode(o.mode, `the mode of order "${o.id}"`));
      if (o.holding !== 0 && o.holding !== 1)
        problems.push({ sku: null, message: `order "${o.id}" has holding ${o.holding}` });
      if (!(o.placed_at <= o.expires_at))
        problems.push({ sku: null, message: `order "${o.id}" expires before it was placed` });
      check(null, () => {
        for (const l of decodeLines(o.lines, o.id)) {
          if (!skus.has(l.sku))
            problems.push({
              sku: l.sku,
              message: `order "${o.id}" has a line for the unknown SKU ${JSON.stringify(l.sku)}`,
            });
        }
      });
    }
    for (const r of this.q(`SELECT reason, COUNT(*) AS n FROM movements GROUP BY reason`).all() as {
      reason: string;
      n: number;
    }[]) {
      if (!(REASONS as readonly string[]).includes(r.reason))
        problems.push({ sku: null, message: `${r.n} movements have the reason ${JSON.stringify(r.reason)}` });
    }
    for (const r of this.q(
      `SELECT e.event_id, e.transition, o.id AS order_id FROM events e LEFT JOIN orders o ON o.id = e.order_id WHERE o.id IS NULL OR e.transition NOT IN ('pay', 'fail', 'cancel')`,
    ).all() as { event_id: string; transition: string; order_id: string | null }[]) {
      problems.push({
        sku: null,
        message: `notification "${r.event_id}" ${r.order_id === null ? 'names an order that does not exist' : `has the transition ${JSON.stringify(r.transition)}`}`,
      });
    }
    return problems;
  }

  async isEmpty(): Promise<boolean> {
    return this.read(() => !this.q(`SELECT 1 FROM skus LIMIT 1`).get());
  }

  // ── orders ────────────────────────────────────────────────────────────────

  private orderRow(id: string): OrderRow | undefined {
    return this.q(`SELECT * FROM orders WHERE id = ?`).get(id) as OrderRow | undefined;
  }

  private doc(o: OrderRow, nowMs: number, duplicate = false, lines: Line[] = decodeLines(o.lines, o.id)): OrderDoc {
    const due = isDue(o.status, o.expires_at, nowMs);
    return {
      id: o.id,
      status: due ? 'expired' : o.status,
      mode: o.mode,
      provider: o.provider,
      placedAt: iso(o.placed_at),
      expiresAt: iso(o.expires_at),
      updatedAt: iso(due ? o.expires_at : o.updated_at),
      lines,
      reserved: due || o.holding !== 1 ? 0 : lines.reduce((n, l) => n + l.qty, 0),
      oversoldUnits: o.oversold_units,
      latePayment: o.late_payment === 1,
      duplicate,
    };
  }

  private mustOrder(id: string): OrderRow {
    const o = this.orderRow(id);
    if (!o)
      throw new RefusedError('UNKNOWN_ORDER', `unknown order "${id}"`, [{ id }], 'list orders with: inv order list');
    return o;
  }

  async placeOrder(p: PlaceInput): Promise<OrderDoc> {
    return this.write(() => {
      const config = this.currentConfig();
      const exists = () =>
        new RefusedError(
          'ORDER_EXISTS',
          `order "${p.id}" exists already`,
          [{ id: p.id }],
          `see it with: inv order show ${p.id}`,
        );
      let provider: Provider;
      try {
        const broken = config.damaged.get(p.provider);
        if (broken) throw broken;
        provider = findProvider(config.catalogue, p.provider);
      } catch (e) {
        // An order id that is taken is the first thing said, whatever else is wrong.
        if (this.orderRow(p.id)) throw exists();
        throw e;
      }
      const lines = mergeLines(p.lines); // one pending row per SKU
      const { mode } = resolveMode(config.policy, p.nowMs, provider.name);
      const expiresAt = p.nowMs + Math.round(provider.windowHours * HOURS);
      const order: OrderRow = {
        id: p.id,
        status: 'pending',
        mode,
        provider: provider.name,
        placed_at: p.nowMs,
        expires_at: expiresAt,
        updated_at: p.nowMs,
        holding: mode === 'on-order' ? 1 : 0,
        oversold_units: 0,
        late_payment: 0,
        lines: encodeLines(lines),
      };
      try {
        this.q(
          `INSERT INTO orders (id, status, mode, provider, placed_at, expires_at, updated_at, holding, lines) VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          order.id,
          order.mode,
          order.provider,
          order.placed_at,
          order.expires_at,
          order.updated_at,
          order.holding,
          order.lines,
        );
      } catch (e) {
        // The primary key says it, in the same statement: no separate look-up first.
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
        throw exists();
      }
      // Check and take in one conditional UPDATE, under the write lock.
      const take = this.q(TAKE_IF_AVAILABLE);
      // When nothing is taken (on-payment), only the check: an UPDATE would rewrite the row for nothing.
      const check = this.q(IS_AVAILABLE);
      for (const line of lines) {
        const effect = placeEffect(mode, line.qty);
        const args = {
          sku: line.sku,
          onHand: effect.onHandDelta,
          reserve: effect.reservedDelta,
          need: effect.requireAvailable,
          now: p.nowMs,
        };
        const writes = effect.onHandDelta !== 0 || effect.reservedDelta !== 0;
        const ok = writes ? take.run(args).changes === 1 : check.get(args) !== undefined;
        if (!ok) {
          const row = this.mustSku(line.sku, p.nowMs);
          const avail = this.item(row).available;
          throw new RefusedError(
            'OUT_OF_STOCK',
            `out of stock: ${line.sku} has ${avail} available, the order needs ${line.qty}`,
            [{ sku: line.sku, available: avail, requested: line.qty }],
            `see what holds it: inv stock show ${line.sku}`,
          );
        }
        this.q(`INSERT INTO pending (sku, until, order_id, qty, held) VALUES (?, ?, ?, ?, ?)`).run(
          line.sku,
          expiresAt,
          p.id,
          line.qty,
          effect.holds ? 1 : 0,
        );
        if (writes) {
          this.q(
            `INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note) VALUES (?, ?, ?, ?, 'order-placed', ?, ?)`,
          ).run(p.nowMs, line.sku, effect.onHandDelta, effect.reservedDelta, p.id, `${provider.name}, ${mode}`);
        }
      }
      return this.doc(order, p.nowMs, false, lines);
    });
  }

  /** Applies one lifecycle transition to a loaded order. Returns false when it was a no-op. */
  private transition(o: OrderRow, lines: Line[], t: Transition, at: number, nowMs: number): 'applied' | 'noop' {
    const d = decide({ status: o.status, holding: o.holding === 1 }, t);
    if (d.kind === 'noop') return 'noop';
    if (d.kind === 'refused') {
      throw new RefusedError('INVALID_TRANSITION', `order "${o.id}" is ${o.status}: ${d.message}`, [
        { id: o.id, status: o.status, transition: t },
      ]);
    }
    let oversold = 0;
    for (const l of lines) {
      // Only a payment taken from what is available needs to know how much is.
      const avail = d.takes && !d.releases ? this.item(this.skuRow(l.sku, nowMs)!).available : 0;
      const mv = lineMove(d, l.qty, avail);
      oversold += mv.oversold;
      const note = mv.oversold > 0 ? `oversold by ${mv.oversold}` : null;
      this.move(l.sku, mv.onHandDelta, mv.reservedDelta, d.reason, at, o.id, note);
      // Every transition that applies takes an order out of pending.
      if (o.status === 'pending')
        this.q(`DELETE FROM pending WHERE sku = ? AND until = ? AND order_id = ?`).run(l.sku, o.expires_at, o.id);
    }
    this.q(
      `UPDATE orders SET status = ?, holding = 0, updated_at = ?, oversold_units = oversold_units + ?, late_payment = late_payment OR ? WHERE id = ?`,
    ).run(d.status, at, oversold, d.latePayment ? 1 : 0, o.id);
    Object.assign(o, {
      status: d.status,
      holding: 0,
      updated_at: at,
      oversold_units: o.oversold_units + oversold,
      late_payment: o.late_payment || (d.latePayment ? 1 : 0),
    });
    return 'applied';
  }

  /** Records the expiry of an order past its window, at the moment it expired. */
  private settleExpiry(o: OrderRow, lines: Line[], nowMs: number): boolean {
    if (!isDue(o.status, o.expires_at, nowMs)) return false;
    this.transition(o, lines, 'expire', o.expires_at, nowMs);
    return true;
  }

  async notify(n: NotifyInput): Promise<OrderDoc> {
    return this.write(() => {
      const o = this.mustOrder(n.id);
      if (n.eventId !== undefined) {
        const ev = this.q(`SELECT order_id, transition FROM events WHERE event_id = ?`).get(n.eventId) as
          | { order_id: string; transition: string }
          | undefined;
        if (ev) {
          if (ev.order_id === n.id && ev.transition === n.transition) return this.doc(o, n.nowMs, true);
          throw new RefusedError(
            'EVENT_CONFLICT',
            `event "${n.eventId}" was already applied as ${ev.transition} of order "${ev.order_id}"`,
            [{ event: n.eventId, orderId: ev.order_id, transition: ev.transition }],
          );
        }
      }
      const lines = decodeLines(o.lines, o.id);
      this.settleExpiry(o, lines, n.nowMs);
      const repeat = isRepeat(o.status, n.transition);
      this.transition(o, lines, n.transition, n.nowMs, n.nowMs);
      if (n.eventId !== undefined) {
        this.q(`INSERT INTO events (event_id, order_id, transition, at) VALUES (?, ?, ?, ?)`).run(
          n.eventId,
          n.id,
          n.transition,
          n.nowMs,
        );
      }
      return this.doc(o, n.nowMs, repeat, lines);
    });
  }

  async expireDue(nowMs: number): Promise<string[]> {
    return this.write(() => {
      // Only pending orders have rows in `pending`: the sweep reads that table, not every order ever placed.
      const due =
        this.q(`SELECT * FROM orders WHERE id IN (SELECT order_id FROM pending WHERE until <= ?) AND status = 'pending'
        ORDER BY expires_at, placed_at, id`).all(nowMs) as OrderRow[];
      for (const o of due) this.settleExpiry(o, decodeLines(o.lines, o.id), nowMs);
      return due.map((o) => o.id);
    });
  }

  async getOrder(id: string, nowMs: number): Promise<OrderDoc> {
    return this.read(() => this.doc(this.mustOrder(id), nowMs));
  }

  async listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]> {
    return this.read(() => {
      const rows = this.q(`SELECT * FROM orders ORDER BY placed_at, id`).all() as OrderRow[];
      return rows.map((o) => this.doc(o, q.nowMs)).filter((d) => !q.status || d.status === q.status);
    });
  }
}
