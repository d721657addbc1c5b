/**
 * The PostgreSQL implementation of the Store port, for shops whose checkouts run
 * on several servers. The rules are the core's (src/core/orders.ts); this file
 * loads what a plan needs, asks once and writes it, in SQL.
 *
 * Concurrency, as the SQLite store's write lock gives it: every write runs in
 * one transaction (READ COMMITTED) that locks what it changes, rows in one fixed
 * order — the order row first, then its SKUs by SKU — so two writers never
 * deadlock; placing stays a conditional UPDATE (`… WHERE available ≥ need`)
 * after its SKU rows are locked, so the check and the take see the same stock.
 * Event ids and order ids stay exactly-once through primary keys. Serialization
 * failures and deadlocks (SQLSTATE 40001, 40P01) are retried a bounded number of
 * times, then reported as a busy store (exit 4), like SQLite's busy timeout;
 * `lock_timeout` is INV_BUSY_TIMEOUT.
 */
import pg from 'pg';
import { RefusedError, StoreError, failsTheStore } from '../core/errors.js';
import { type MovementReason, mergeLines, type OrderStatus } from '../core/lifecycle.js';
import type { Mode, Policy, ScheduleWindow } from '../core/modes.js';
import {
  type LedgerRow,
  type OrderState,
  type PendingRow,
  type SeenEvent,
  type Step,
  history,
  holders,
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
} from '../core/orders.js';
import type {
  AdjustInput,
  AppliedPolicy,
  PolicyPlan,
  BatchOutcome,
  Adjusted,
  BackupInfo,
  ImportBatch,
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
import { iso } from '../core/values.js';
import {
  Damage,
  StoredValueCheck,
  type StoredEvent,
  type StoredOrder,
  type StoredSku,
  type StoredWindow,
  decodeMode,
  decodeProvider,
  encodeLines,
  decodeOrder,
  type OrderRow,
} from './decode.js';
import { PG_APPLICATION, PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-schema.js';
import { COPY_PAGE, EMPTY_SETTINGS, keyColumns, NOT_COPIED, notEmpty, TABLE_COLUMNS } from './tables.js';
import { damaged, mapPgError, maskPassword, RETRYABLE } from './pg-errors.js';

type Row = Record<string, unknown>;

/** BIGINT and NUMERIC as numbers: every value inv stores is far below 2^53 (times in ms, quantities ±10^9). */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

const RETRIES = 6;

interface SkuRow {
  sku: string;
  name: string;
  on_hand: number;
  reserved: number;
  low_stock: number | null;
  due: number;
}

/** Units of a SKU held by orders past their window: already available again (core/orders.ts stockItem). */
const dueHeld = (now: string) =>
  `(SELECT COALESCE(SUM(p.qty), 0) FROM pending p WHERE p.sku = s.sku AND p.until <= ${now} AND p.held = 1)`;
const SKU_COLUMNS = (now: string) => `s.sku, s.name, s.on_hand, s.reserved, s.low_stock, ${dueHeld(now)} AS due`;

export interface PgOpenOptions {
  url: string;
  busyTimeoutMs: number;
  /** A database without inv's tables is no store: throw this instead of making it one. */
  ifMissing?: () => Error;
}

/** Connects, checks that the database is an inv store (or empty: then it becomes one), and migrates it. */
export async function openPgStore(o: PgOpenOptions): Promise<PgStore> {
  const label = maskPassword(o.url);
  // Pipelined: a write whose result nothing waits for goes out with the next statement, not a round trip of its own.
  const client = new pg.Client({ connectionString: o.url, types, application_name: 'inv', pipeline: true });
  // A dropped connection must reach the command as an error, not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(o.busyTimeoutMs))}`);
    if (o.ifMissing && (await tablesOf(client)).length === 0) throw o.ifMissing();
    await prepare(client, label);
  } catch (e) {
    await client.end().catch(() => {});
    throw mapPgError(e, label);
  }
  return new PgStore(client, label);
}

async function tablesOf(client: pg.Client): Promise<string[]> {
  return (
    await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
  ).rows.map((r) => r.tablename as string);
}

async function prepare(client: pg.Client, label: string): Promise<void> {
  const tables = await tablesOf(client);
  let version = 0;
  if (tables.includes('inv_meta')) {
    const meta = new Map(
      (await client.query(`SELECT key, value FROM inv_meta`)).rows.map((r) => [r.key as string, r.value as string]),
    );
    if (meta.get('application') !== PG_APPLICATION)
      throw notAStore(label, `its inv_meta names ${JSON.stringify(meta.get('application'))}`);
    version = Number(meta.get('schema_version') ?? 0);
    if (version > PG_SCHEMA_VERSION)
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `${label} was written by a newer inv (schema ${version}, this one knows ${PG_SCHEMA_VERSION})`,
        'upgrade inv',
      );
  } else if (tables.length > 0) {
    throw notAStore(
      label,
      `it holds tables inv did not create: ${tables.slice(0, 8).join(', ')}${tables.length > 8 ? ', …' : ''}`,
    );
  }
  if (version < PG_SCHEMA_VERSION) await migrate(client, label);
  const missing = TABLE_COLUMNS.map(([t]) => t).filter((t) => !tables.includes(t));
  if (version === PG_SCHEMA_VERSION && missing.length > 0)
    throw damaged(
      label,
      `its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
    );
}

const notAStore = (label: string, what: string) =>
  new StoreError(
    'NOT_A_STORE',
    `${label} is not an inv store (${what}); it was left untouched`,
    'point --db (or INV_DB) at an inv store, or at an empty database',
  );

/** Runs the migrations not yet run, in one transaction, one process at a time (an advisory lock). */
async function migrate(client: pg.Client, label: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${0x696e7631})`);
    const tables = await tablesOf(client);
    let version = 0;
    if (tables.includes('inv_meta')) {
      version = Number(
        (await client.query(`SELECT value FROM inv_meta WHERE key = 'schema_version'`)).rows[0]?.value ?? 0,
      );
    } else if (tables.length > 0) {
      throw notAStore(label, `it holds tables inv did not create: ${tables.slice(0, 8).join(', ')}`);
    }
    for (let v = version; v < PG_SCHEMA_VERSION; v++) await client.query(PG_MIGRATIONS[v]);
    await client.query(
      `INSERT INTO inv_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(PG_SCHEMA_VERSION)],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

export class PgStore implements Store {
  /** Transactions open on this connection: inside one, a transaction is a savepoint. */
  private depth = 0;

  /** Statements sent but not awaited (BEGIN, writes whose result nothing needs): settled before COMMIT. */
  private inFlight: { done: Promise<unknown>; error?: unknown }[] = [];

  /** Sends a statement without waiting for it: the pipeline keeps the order, `settle` reports its failure. */
  private later(sql: string, params: unknown[] = []): void {
    const entry: { done: Promise<unknown>; error?: unknown } = { done: Promise.resolve() };
    entry.done = this.q(sql, params).catch((e) => {
      entry.error = e;
    });
    this.inFlight.push(entry);
  }

  /** Waits for every statement sent with `later`; throws the first one's failure (the one that aborted the transaction). */
  private async settle(): Promise<void> {
    const sent = this.inFlight.splice(0);
    await Promise.all(sent.map((x) => x.done));
    const failed = sent.find((x) => x.error !== undefined);
    if (failed) throw failed.error;
  }
  private config?: { version: string; policy: Policy; catalogue: Provider[]; damaged: Map<string, Damage> };

  constructor(
    private readonly client: pg.Client,
    readonly label: string,
  ) {}

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }

  /** Statements with parameters are prepared once per connection (named), as a hand-written loop would. */
  private readonly prepared = new Map<string, string>();

  private async q<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (params.length === 0) return (await this.client.query(sql)).rows as R[];
    let name = this.prepared.get(sql);
    if (!name) {
      name = `inv${this.prepared.size}`;
      this.prepared.set(sql, name);
    }
    return (await this.client.query({ name, text: sql, values: params })).rows as R[];
  }

  /**
   * Runs `fn` in a transaction (a savepoint inside another), retrying the whole
   * of it on a serialization failure or a deadlock, a bounded number of times.
   */
  async transaction<T>(fn: () => Promise<T>, readOnly = false): Promise<T> {
    if (this.depth > 0) {
      const sp = `s${this.depth}`;
      await this.q(`SAVEPOINT ${sp}`);
      this.depth++;
      try {
        const r = await fn();
        await this.settle();
        await this.q(`RELEASE SAVEPOINT ${sp}`);
        return r;
      } catch (e) {
        const first = await this.settle().then(
          () => e,
          (sent) => sent,
        );
        await this.q(`ROLLBACK TO SAVEPOINT ${sp}`).catch(() => {});
        throw mapPgError(first, this.label);
      } finally {
        this.depth--;
      }
    }
    for (let attempt = 1; ; attempt++) {
      this.depth++;
      try {
        this.later(readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
        const r = await fn();
        // COMMIT goes out behind the writes still in flight; a failed one has made it a rollback.
        const commit = this.q('COMMIT');
        await this.settle().catch(async (sent) => {
          await commit.catch(() => {});
          throw sent;
        });
        await commit;
        return r;
      } catch (caught) {
        const e = await this.settle().then(
          () => caught,
          (sent) => sent,
        );
        await this.q('ROLLBACK').catch(() => {});
        const code = (e as { code?: string }).code ?? '';
        const again =
          RETRYABLE.has(code) ||
          (code === '23505' &&
            ['events_pkey', 'stock_events_pkey'].includes((e as { constraint?: string }).constraint ?? ''));
        if (again && attempt < RETRIES) {
          this.config = undefined;
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          continue;
        }
        throw mapPgError(e, this.label);
      } finally {
        this.depth--;
      }
    }
  }

  /**
   * Group commit: one transaction, a savepoint per operation. A retry (a
   * serialization failure, a deadlock) runs the whole batch again from the
   * start, so the outcomes are gathered afresh each time.
   */
  readonly batchLimit = 50;

  async batch<T>(ops: readonly (() => Promise<T>)[], o: { stopOnFailure?: boolean } = {}): Promise<BatchOutcome<T>[]> {
    return this.transaction(async () => {
      const out: BatchOutcome<T>[] = [];
      for (const op of ops) {
        try {
          // The store method the operation calls is its savepoint: no second one around it.
          out.push({ ok: true, value: await op() });
        } catch (error) {
          if (failsTheStore(error)) throw error;
          out.push({ ok: false, error });
          if (o.stopOnFailure) break;
        }
      }
      return out;
    });
  }

  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn, this.depth === 0);
  }

  // ── backups and copies ────────────────────────────────────────────────────

  async backup(destFile: string): Promise<{ pages: number; file: string }> {
    // A PostgreSQL store is backed up as an inv SQLite store: one file, readable anywhere, restorable into either backend.
    const { openSqliteStore } = await import('./index.js');
    const copy = openSqliteStore({ path: destFile, busyTimeoutMs: 5000 });
    try {
      await copy.importRows(this.exportRows(), { replace: true });
      return { pages: copy.pageCount(), file: destFile };
    } finally {
      copy.close();
    }
  }

  async restore(backupFile: string): Promise<BackupInfo> {
    const { inspectBackup, openSqliteStore } = await import('./index.js');
    const info = inspectBackup(backupFile);
    const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // A private copy, brought to the current schema, is read: the backup file itself is never changed.
    const dir = mkdtempSync(join(tmpdir(), 'inv-restore-'));
    try {
      copyFileSync(backupFile, join(dir, 'backup.db'));
      const src = openSqliteStore({ path: join(dir, 'backup.db'), busyTimeoutMs: 5000 });
      try {
        await this.importRows(src.exportRows(), { replace: true });
      } finally {
        src.close();
      }
      return info;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async *exportRows(): AsyncGenerator<TableRows> {
    // One snapshot for the whole copy, while others may write.
    await this.q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    this.depth++;
    try {
      for (const [table, columns] of TABLE_COLUMNS) {
        const key = keyColumns(table, columns);
        const marks = key.map((_, i) => `$${i + 1}`).join(', ');
        let after: unknown[] | null = null;
        for (;;) {
          const rows: pg.QueryResult<unknown[]> = await this.client.query({
            text: `SELECT ${columns.join(', ')} FROM ${table} WHERE ${NOT_COPIED[table] ?? 'TRUE'} ${after === null ? '' : `AND (${key.join(', ')}) > (${marks})`} ORDER BY ${key.join(', ')} LIMIT ${COPY_PAGE}`,
            values: after ?? [],
            rowMode: 'array',
          });
          if (rows.rows.length > 0) yield { table, rows: rows.rows as unknown[][] };
          if (rows.rows.length < COPY_PAGE) break;
          after = (rows.rows[rows.rows.length - 1] as unknown[]).slice(0, key.length);
        }
      }
      await this.q('COMMIT');
    } catch (e) {
      await this.q('ROLLBACK').catch(() => {});
      throw mapPgError(e, this.label);
    } finally {
      this.depth--;
    }
  }

  async importRows(pages: AsyncIterable<TableRows>, o: { replace: boolean }): Promise<Record<string, number>> {
    const counts: Record<string, number> = Object.fromEntries(TABLE_COLUMNS.map(([t]) => [t, 0]));
    const columns = new Map(TABLE_COLUMNS);
    await this.write(async () => {
      // Nobody else changes the store while it is filled (readers still read the old one).
      await this.q(`LOCK TABLE ${TABLE_COLUMNS.map(([t]) => t).join(', ')} IN EXCLUSIVE MODE`);
      if (o.replace) {
        // All but the store's own bookkeeping (NOT_COPIED): its config_version counts on, so no process keeps a stale policy.
        await this.q(
          `TRUNCATE ${TABLE_COLUMNS.map(([t]) => t)
            .filter((t) => !NOT_COPIED[t])
            .join(', ')}`,
        );
        for (const [t, keep] of Object.entries(NOT_COPIED)) await this.q(`DELETE FROM ${t} WHERE ${keep}`);
      } else if (!(await this.holdsNothing())) throw notEmpty(this.label);
      for await (const page of pages) {
        const cols = columns.get(page.table);
        if (!cols) throw new Error(`unknown table ${page.table}`);
        for (let i = 0; i < page.rows.length; i += 500) {
          const chunk = page.rows.slice(i, i + 500);
          const values: unknown[] = [];
          const groups = chunk.map(
            (r) =>
              `(${(r as unknown[])
                .map((v) => {
                  values.push(v);
                  return `$${values.length}`;
                })
                .join(', ')})`,
          );
          const conflict = page.table === 'settings' ? ' ON CONFLICT (key) DO UPDATE SET value = excluded.value' : '';
          await this.q(`INSERT INTO ${page.table} (${cols.join(', ')}) VALUES ${groups.join(', ')}${conflict}`, values);
        }
        counts[page.table] += page.rows.length;
      }
      // Identity columns go on after the highest id copied.
      for (const t of ['movements', 'schedule']) {
        await this.q(
          `SELECT setval(pg_get_serial_sequence('${t}', 'id'), GREATEST((SELECT MAX(id) FROM ${t}), 1), (SELECT MAX(id) FROM ${t}) IS NOT NULL)`,
        );
      }
      await this.bumpConfig();
    });
    return counts;
  }

  private async holdsNothing(): Promise<boolean> {
    for (const [table] of TABLE_COLUMNS) {
      if (table === 'settings') continue;
      if ((await this.q(`SELECT 1 FROM ${table} LIMIT 1`)).length > 0) return false;
    }
    const settings = await this.q<{ key: string; value: string }>(`SELECT key, value FROM settings`);
    return settings.every((s) => s.key === 'config_version' || EMPTY_SETTINGS[s.key] === s.value);
  }

  // ── policy ────────────────────────────────────────────────────────────────

  private async bumpConfig(): Promise<void> {
    await this.q(`INSERT INTO settings (key, value) VALUES ('config_version', '1')
      ON CONFLICT (key) DO UPDATE SET value = (settings.value::bigint + 1)::text`);
  }

  private async currentConfig(): Promise<{ policy: Policy; catalogue: Provider[]; damaged: Map<string, Damage> }> {
    const version =
      ((await this.q(`SELECT value FROM settings WHERE key = 'config_version'`))[0]?.value as string) ?? '0';
    if (this.config?.version !== version) {
      const damaged = new Map<string, Damage>();
      this.config = {
        version,
        policy: await this.policy(Number.NEGATIVE_INFINITY),
        catalogue: mergeCatalogue(await this.custom(damaged)),
        damaged,
      };
    }
    return this.config;
  }

  private async policy(nowMs: number): Promise<Policy> {
    const base = decodeMode(
      (await this.q(`SELECT value FROM settings WHERE key = 'base_mode'`))[0]?.value,
      'the base mode',
    );
    const overrides: Record<string, Mode> = {};
    for (const r of await this.q<{ provider: string; mode: string }>(
      `SELECT provider, mode FROM overrides ORDER BY provider`,
    )) {
      overrides[r.provider] = decodeMode(r.mode, `the override for ${r.provider}`);
    }
    const schedule = (
      await this.q<{ id: number; mode: string; from_at: number; until_at: number; reason: string | null }>(
        `SELECT id, mode, from_at, until_at, reason FROM schedule WHERE until_at > $1 ORDER BY from_at, id`,
        [Number.isFinite(nowMs) ? nowMs : -8.64e15],
      )
    ).map((r) => ({
      id: r.id,
      mode: decodeMode(r.mode, `the mode of window ${r.id}`),
      from: iso(r.from_at),
      until: iso(r.until_at),
      reason: r.reason,
    }));
    return { base, overrides, schedule };
  }

  getPolicy(nowMs: number): Promise<Policy> {
    return this.read(() => this.policy(nowMs));
  }

  async setBaseMode(mode: Mode): Promise<Mode> {
    return (await this.setPolicy({ base: mode })).base;
  }

  async setOverride(provider: string, mode: Mode | null): Promise<Mode | null> {
    return (await this.setPolicy({ overrides: { [provider]: mode } })).overrides[provider];
  }

  addWindow(w: Omit<ScheduleWindow, 'id'>): Promise<ScheduleWindow> {
    return this.write(async () => {
      const [r] = await this.q<{ id: number }>(
        `INSERT INTO schedule (mode, from_at, until_at, reason) VALUES ($1, $2, $3, $4) RETURNING id`,
        [w.mode, Date.parse(w.from), Date.parse(w.until), w.reason],
      );
      await this.bumpConfig();
      return { ...w, id: r.id };
    });
  }

  cancelWindow(id: number): Promise<ScheduleWindow> {
    return this.write(async () => {
      const [r] = await this.q<{ id: number; mode: Mode; from_at: number; until_at: number; reason: string | null }>(
        `DELETE FROM schedule WHERE id = $1 RETURNING id, mode, from_at, until_at, reason`,
        [id],
      );
      if (!r)
        throw new RefusedError(
          'UNKNOWN_SCHEDULE',
          `no scheduled window with id ${id}`,
          [],
          'list them with: inv schedule',
        );
      await this.bumpConfig();
      return { id: r.id, mode: r.mode, from: iso(r.from_at), until: iso(r.until_at), reason: r.reason };
    });
  }

  setPolicy(p: {
    base?: Mode;
    overrides?: Record<string, Mode | null>;
  }): Promise<{ base: Mode; overrides: Record<string, Mode | null> }> {
    return this.write(async () => {
      // The settings row is the policy's lock: two changes of the policy never interleave.
      const base = (await this.q(`SELECT value FROM settings WHERE key = 'base_mode' FOR UPDATE`))[0]?.value as Mode;
      const overrides: Record<string, Mode | null> = {};
      for (const [provider, mode] of Object.entries(p.overrides ?? {})) {
        overrides[provider] =
          ((await this.q(`SELECT mode FROM overrides WHERE provider = $1`, [provider]))[0]?.mode as Mode | undefined) ??
          null;
        if (mode)
          await this.q(
            `INSERT INTO overrides (provider, mode) VALUES ($1, $2) ON CONFLICT (provider) DO UPDATE SET mode = excluded.mode`,
            [provider, mode],
          );
        else await this.q(`DELETE FROM overrides WHERE provider = $1`, [provider]);
      }
      if (p.base) await this.q(`UPDATE settings SET value = $1 WHERE key = 'base_mode'`, [p.base]);
      await this.bumpConfig();
      return { base, overrides };
    });
  }

  applyPolicy(plan: PolicyPlan): Promise<AppliedPolicy> {
    // One transaction: the steps below run as savepoints inside it, and any error undoes them all.
    return this.write(async () => {
      const was = await this.setPolicy(plan);
      const windows: Record<string, number | null> = {};
      for (const [name, hours] of Object.entries(plan.windows)) {
        let before: number | null = null;
        await this.tuneProvider(name, (existing) => {
          before = existing?.windowHours ?? null;
          return tuneProvider(existing, name, { windowHours: hours });
        });
        windows[name] = before;
      }
      const window = plan.schedule ? await this.addWindow(plan.schedule) : null;
      return { was: { ...was, windows }, window };
    });
  }

  // ── providers ─────────────────────────────────────────────────────────────

  private async custom(damaged?: Map<string, Damage>): Promise<Provider[]> {
    const out: Provider[] = [];
    for (const r of await this.q<{ name: string; doc: string }>(`SELECT name, doc FROM providers ORDER BY name`)) {
      try {
        out.push(decodeProvider(r.doc, r.name));
      } catch (e) {
        if (!(damaged && e instanceof Damage)) throw e;
        damaged.set(r.name, e);
      }
    }
    return out;
  }

  customProviders(): Promise<Provider[]> {
    return this.read(() => this.custom());
  }

  // Payment method mappings are settings rows `method:<platform:method>` (as in SQLite).
  methodMap(): Promise<Record<string, string>> {
    return this.read(async () => {
      const rows = await this.q<{ key: string; value: string }>(
        `SELECT key, value FROM settings WHERE key >= 'method:' AND key < 'method;' ORDER BY key`,
      );
      return Object.fromEntries(rows.map((r) => [r.key.slice('method:'.length), r.value]));
    });
  }

  mapMethod(method: string, provider: string | null): Promise<string | null> {
    return this.write(async () => {
      const key = `method:${method}`;
      const before =
        ((await this.q(`SELECT value FROM settings WHERE key = $1 FOR UPDATE`, [key]))[0]?.value as
          | string
          | undefined) ?? null;
      if (provider === null) await this.q(`DELETE FROM settings WHERE key = $1`, [key]);
      else
        await this.q(
          `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [key, provider],
        );
      return before;
    });
  }

  tuneProvider(
    name: string,
    tune: (existing: Provider | undefined) => Provider,
  ): Promise<{ created: boolean; provider: Provider }> {
    return this.write(async () => {
      await this.q(`SELECT value FROM settings WHERE key = 'base_mode' FOR UPDATE`);
      const existing = mergeCatalogue(await this.custom(new Map())).find((p) => p.name === name);
      const provider = tune(existing);
      await this.q(
        `INSERT INTO providers (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`,
        [provider.name, JSON.stringify(provider)],
      );
      await this.bumpConfig();
      return { created: !existing, provider };
    });
  }

  // ── stock ─────────────────────────────────────────────────────────────────

  private item(r: SkuRow): StockItem {
    return stockItem(
      { sku: r.sku, name: r.name, onHand: r.on_hand, reserved: r.reserved, lowStock: r.low_stock },
      r.due,
    );
  }

  private async skuRow(sku: string, nowMs: number, lock = false): Promise<SkuRow | undefined> {
    return (
      await this.q<SkuRow & Row>(
        `SELECT ${SKU_COLUMNS('$2')} FROM skus s WHERE s.sku = $1${lock ? ' FOR UPDATE' : ''}`,
        [sku, nowMs],
      )
    )[0];
  }

  private async mustSku(sku: string, nowMs: number): Promise<SkuRow> {
    const r = await this.skuRow(sku, nowMs);
    if (!r) throw unknownSku(sku);
    return r;
  }

  /** Locks SKU rows for a change, in SKU order (so two writers never wait on each other in a circle). */
  private async lockSkus(skus: Iterable<string>): Promise<void> {
    const list = [...new Set(skus)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (list.length > 0) await this.q(`SELECT 1 FROM skus WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`, [list]);
  }

  listStock(q: { skus?: string[]; nowMs: number }): Promise<StockItem[]> {
    return this.read(async () => {
      if (q.skus && q.skus.length > 0) {
        const out: StockItem[] = [];
        for (const sku of q.skus) out.push(this.item(await this.mustSku(sku, q.nowMs)));
        return out;
      }
      return (await this.q<SkuRow & Row>(`SELECT ${SKU_COLUMNS('$1')} FROM skus s ORDER BY s.sku`, [q.nowMs])).map(
        (r) => this.item(r),
      );
    });
  }

  async *iterateStock(nowMs: number): AsyncGenerator<StockItem> {
    await this.q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    this.depth++;
    try {
      let after: string | null = null;
      for (;;) {
        const rows: (SkuRow & Row)[] = await this.q<SkuRow & Row>(
          `SELECT ${SKU_COLUMNS('$1')} FROM skus s ${after === null ? '' : 'WHERE s.sku > $2'} ORDER BY s.sku LIMIT ${COPY_PAGE}`,
          after === null ? [nowMs] : [nowMs, after],
        );
        for (const r of rows) yield this.item(r);
        if (rows.length < COPY_PAGE) break;
        after = rows[rows.length - 1].sku;
      }
      await this.q('COMMIT');
    } catch (e) {
      await this.q('ROLLBACK').catch(() => {});
      throw mapPgError(e, this.label);
    } finally {
      this.depth--;
    }
  }

  async beginImport(): Promise<ImportBatch> {
    const { PgImport } = await import('./pg-import.js');
    return new PgImport(this.client, this.label, (fn) => this.write(fn));
  }

  stockDetail(sku: string, nowMs: number): Promise<StockDetail> {
    return this.read(async () => {
      const item = this.item(await this.mustSku(sku, nowMs));
      const rows = (
        await this.q<Omit<PendingRow, 'held'> & { held: number } & Row>(
          `SELECT o.id AS "orderId", o.provider, o.mode, o.placed_at AS "placedAt", o.expires_at AS "expiresAt", p.qty, p.held
           FROM pending p JOIN orders o ON o.id = p.order_id WHERE p.sku = $1 ORDER BY o.placed_at, o.id`,
          [sku],
        )
      ).map((r) => ({ ...r, held: r.held === 1 }));
      return { ...item, ...holders(rows as PendingRow[], nowMs) };
    });
  }

  /** The one way stock changes: the SKU's counters and a ledger row, together. */
  private async move(
    sku: string,
    onHandDelta: number,
    reservedDelta: number,
    reason: MovementReason,
    at: number,
    orderId: string | null,
    note: string | null,
  ): Promise<void> {
    if (onHandDelta === 0 && reservedDelta === 0) return;
    this.later(
      `WITH u AS (UPDATE skus SET on_hand = on_hand + $2, reserved = reserved + $3 WHERE sku = $1)
       INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note) VALUES ($4, $1, $2, $3, $5, $6, $7)`,
      [sku, onHandDelta, reservedDelta, at, reason, orderId, note],
    );
  }

  createSkus(
    items: readonly { sku: string; name: string; qty: number; lowStock: number | null }[],
    note: string,
    nowMs: number,
  ): Promise<string[]> {
    return this.write(async () => {
      const created: string[] = [];
      for (const it of [...items].sort((a, b) => (a.sku < b.sku ? -1 : 1))) {
        const delta = adjustment({ onHand: 0, reserved: 0 }, { set: it.qty }, it.sku);
        const added = await this.q(
          `INSERT INTO skus (sku, name, low_stock) VALUES ($1, $2, $3) ON CONFLICT (sku) DO NOTHING RETURNING sku`,
          [it.sku, it.name, it.lowStock],
        );
        if (added.length === 0) continue;
        await this.move(it.sku, delta, 0, 'adjust', nowMs, null, note);
        created.push(it.sku);
      }
      return items.map((i) => i.sku).filter((s) => created.includes(s));
    });
  }

  adjustStock(a: AdjustInput): Promise<Adjusted> {
    return this.write(async () => {
      let row = await this.skuRow(a.sku, a.nowMs, true);
      const kind = a.set !== undefined ? 'set' : 'add';
      if (a.eventId !== undefined) {
        const [seen] = await this.q<SeenStockEvent & Row>(`SELECT sku, kind FROM stock_events WHERE event_id = $1`, [
          a.eventId,
        ]);
        if (stockEventSeen(a.eventId, seen, { sku: a.sku, kind })) {
          if (!row) throw unknownSku(a.sku);
          return adjustedAgain({ sku: a.sku, name: row.name, onHand: row.on_hand, reserved: row.reserved - row.due });
        }
        // A concurrent insert of the same id fails on the key, and the transaction is retried (it then sees it).
        await this.q(`INSERT INTO stock_events (event_id, sku, kind, at) VALUES ($1, $2, $3, $4)`, [
          a.eventId,
          a.sku,
          kind,
          a.nowMs,
        ]);
      }
      const created = !row;
      if (!row) {
        if (a.set === undefined) throw unknownSku(a.sku, `create it with: inv stock set ${a.sku} QTY`);
        await this.q(`INSERT INTO skus (sku, name) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING`, [
          a.sku,
          a.name ?? '',
        ]);
        row = (await this.skuRow(a.sku, a.nowMs, true))!;
      }
      const before = row.on_hand;
      const reserved = row.reserved - row.due;
      const delta = adjustment({ onHand: before, reserved }, { set: a.set, add: a.add }, a.sku);
      if (a.name !== undefined && a.name !== row.name)
        await this.q(`UPDATE skus SET name = $1 WHERE sku = $2`, [a.name, a.sku]);
      if (a.lowStock !== undefined) await this.q(`UPDATE skus SET low_stock = $1 WHERE sku = $2`, [a.lowStock, a.sku]);
      await this.move(a.sku, delta, 0, 'adjust', a.nowMs, null, a.note ?? null);
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

  history(sku: string): Promise<{ sku: string; movements: Movement[] }> {
    return this.read(async () => {
      if ((await this.q(`SELECT 1 FROM skus WHERE sku = $1`, [sku])).length === 0) throw unknownSku(sku);
      const rows = await this.q<LedgerRow & Row>(
        `SELECT at, reason, order_id AS "orderId", on_hand_delta AS "onHandDelta", reserved_delta AS "reservedDelta", note
         FROM movements WHERE sku = $1 ORDER BY at, id`,
        [sku],
      );
      return { sku, movements: history(rows as LedgerRow[]) };
    });
  }

  verify(): Promise<Problem[]> {
    return this.read(async () => {
      const problems: Problem[] = [];
      const drift = await this.q<{ sku: string; on_hand: number; reserved: number; oh: number; rs: number }>(`
        SELECT s.sku, s.on_hand, s.reserved, COALESCE(m.oh, 0) AS oh, COALESCE(m.rs, 0) AS rs
        FROM skus s LEFT JOIN (SELECT sku, SUM(on_hand_delta) AS oh, SUM(reserved_delta) AS rs FROM movements GROUP BY sku) m ON m.sku = s.sku
        WHERE s.on_hand IS DISTINCT FROM COALESCE(m.oh, 0) OR s.reserved IS DISTINCT FROM COALESCE(m.rs, 0) ORDER BY s.sku`);
      for (const d of drift) {
        problems.push({
          sku: d.sku,
          message: `stock says onHand ${d.on_hand}, reserved ${d.reserved}; the ledger sums to onHand ${d.oh}, reserved ${d.rs}`,
        });
      }
      for (const r of await this.q<{ sku: string; reserved: number }>(
        `SELECT sku, reserved FROM skus WHERE reserved < 0 ORDER BY sku`,
      )) {
        problems.push({ sku: r.sku, message: `reserved is negative (${r.reserved})` });
      }
      const holds = await this.q<{ sku: string; reserved: number; held: number }>(`
        SELECT s.sku, s.reserved, COALESCE(h.held, 0) AS held FROM skus s
        LEFT JOIN (SELECT sku, SUM(qty) AS held FROM pending WHERE held = 1 GROUP BY sku) h ON h.sku = s.sku
        WHERE s.reserved IS DISTINCT FROM COALESCE(h.held, 0) ORDER BY s.sku`);
      for (const h of holds)
        problems.push({ sku: h.sku, message: `reserved is ${h.reserved} but unpaid orders hold ${h.held}` });
      const stray = await this.q<{ id: string; sku: string }>(`
        SELECT p.order_id AS id, p.sku FROM pending p LEFT JOIN orders o ON o.id = p.order_id
        WHERE o.id IS NULL OR o.status <> 'pending' OR p.until <> o.expires_at OR p.held <> o.holding ORDER BY p.sku, p.order_id`);
      for (const r of stray)
        problems.push({
          sku: r.sku,
          message: `order "${r.id}" is listed as pending for ${r.sku} but is not a pending order with that expiry`,
        });
      const c = new StoredValueCheck();
      c.baseMode((await this.q(`SELECT value FROM settings WHERE key = 'base_mode'`))[0]?.value as string | undefined);
      for (const r of await this.q<{ provider: string; mode: string }>(`SELECT provider, mode FROM overrides`))
        c.override(r);
      for (const r of await this.q<StoredWindow & Row>(`SELECT id, mode, from_at, until_at FROM schedule`)) c.window(r);
      for (const r of await this.q<{ name: string; doc: string }>(`SELECT name, doc FROM providers`)) c.provider(r);
      for await (const page of this.pages<StoredSku & Row>(`SELECT sku, low_stock FROM skus`, 'sku'))
        for (const r of page) c.sku(r);
      for await (const page of this.pages<StoredOrder & Row>(
        `SELECT id, status, mode, holding, placed_at, expires_at, lines FROM orders`,
        'id',
      ))
        for (const o of page) c.order(o);
      for (const r of await this.q<{ reason: string; n: number }>(
        `SELECT reason, COUNT(*) AS n FROM movements GROUP BY reason`,
      ))
        c.reasons(r);
      for (const r of await this.q<StoredEvent & Row>(
        `SELECT e.event_id, e.transition, o.id AS order_id FROM events e LEFT JOIN orders o ON o.id = e.order_id WHERE o.id IS NULL OR e.transition NOT IN ('pay', 'fail', 'cancel')`,
      ))
        c.event(r);
      problems.push(...c.problems);
      return problems;
    });
  }

  /** A table read page by page by its key, inside the caller's transaction. */
  private async *pages<R extends Row>(select: string, key: string): AsyncGenerator<R[]> {
    let after: unknown = null;
    for (;;) {
      const rows: R[] = await this.q<R>(
        `${select} ${after === null ? '' : `WHERE ${key} > $1`} ORDER BY ${key} LIMIT ${COPY_PAGE}`,
        after === null ? [] : [after],
      );
      if (rows.length > 0) yield rows;
      if (rows.length < COPY_PAGE) return;
      after = rows[rows.length - 1][key];
    }
  }

  isEmpty(): Promise<boolean> {
    return this.read(async () => (await this.q(`SELECT 1 FROM skus LIMIT 1`)).length === 0);
  }

  // ── orders ────────────────────────────────────────────────────────────────

  private async available(sku: string, nowMs: number): Promise<number> {
    return this.item(await this.mustSku(sku, nowMs)).available;
  }

  private async writeStep(before: OrderState, step: Step): Promise<void> {
    for (const m of step.movements)
      await this.move(m.sku, m.onHandDelta, m.reservedDelta, m.reason, m.at, m.orderId, m.note);
    const o = step.order;
    const update = `UPDATE orders SET status = $1, holding = $2, updated_at = $3, oversold_units = $4, late_payment = $5 WHERE id = $6`;
    const values = [o.status, o.holding ? 1 : 0, o.updatedAt, o.oversoldUnits, o.latePayment ? 1 : 0, o.id];
    if (step.leftPending) {
      // Its pending lines go with the same statement (one round trip).
      this.later(
        `WITH d AS (DELETE FROM pending WHERE order_id = $6 AND until = $7 AND sku = ANY($8::text[])) ${update}`,
        [...values, before.expiresAt, before.lines.map((l) => l.sku)],
      );
    } else this.later(update, values);
  }

  placeOrder(p: PlaceInput): Promise<OrderDoc> {
    return this.write(async () => {
      const config = await this.currentConfig();
      let provider: Provider;
      try {
        const broken = config.damaged.get(p.provider);
        if (broken) throw broken;
        provider = findProvider(config.catalogue, p.provider);
      } catch (e) {
        // An order id that is taken is the first thing said, whatever else is wrong.
        if ((await this.q(`SELECT 1 FROM orders WHERE id = $1`, [p.id])).length > 0) throw orderExists(p.id);
        throw e;
      }
      const plan = planPlace({ id: p.id, provider, lines: mergeLines(p.lines), policy: config.policy, nowMs: p.nowMs });
      const o = plan.order;
      const added = await this.q(
        `INSERT INTO orders (id, status, mode, provider, placed_at, expires_at, updated_at, holding, lines)
         VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [o.id, o.mode, o.provider, o.placedAt, o.expiresAt, o.updatedAt, o.holding ? 1 : 0, encodeLines(o.lines)],
      );
      if (added.length === 0) {
        const [row] = await this.q<OrderRow & Row>(`SELECT * FROM orders WHERE id = $1`, [p.id]);
        return placeAgain(decodeOrder(row), { provider: provider.name, lines: p.lines }, p.nowMs);
      }
      // The SKUs this order takes from, locked in SKU order; then the check and the take in one conditional UPDATE.
      // (One SKU needs no lock first: the conditional UPDATE takes it.)
      const taken = plan.lines.filter((l) => l.onHandDelta !== 0 || l.reservedDelta !== 0).map((l) => l.sku);
      if (new Set(taken).size > 1) await this.lockSkus(taken);
      for (const l of plan.lines) {
        const enough = `s.sku = $1 AND (s.on_hand - s.reserved >= $2 OR s.on_hand - s.reserved + ${dueHeld('$3')} >= $2)`;
        const writes = l.onHandDelta !== 0 || l.reservedDelta !== 0;
        const ok = writes
          ? await this.q(
              `UPDATE skus s SET on_hand = on_hand + $4, reserved = reserved + $5 WHERE ${enough} RETURNING 1`,
              [l.sku, l.need, p.nowMs, l.onHandDelta, l.reservedDelta],
            )
          : await this.q(`SELECT 1 FROM skus s WHERE ${enough}`, [l.sku, l.need, p.nowMs]);
        if (ok.length === 0) throw outOfStock(l.sku, await this.available(l.sku, p.nowMs), l.qty);
        this.later(`INSERT INTO pending (sku, until, order_id, qty, held) VALUES ($1, $2, $3, $4, $5)`, [
          l.sku,
          o.expiresAt,
          o.id,
          l.qty,
          l.holds ? 1 : 0,
        ]);
      }
      for (const m of plan.movements) {
        this.later(
          `INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [m.at, m.sku, m.onHandDelta, m.reservedDelta, m.reason, m.orderId, m.note],
        );
      }
      return orderDoc(o, p.nowMs);
    });
  }

  notify(n: NotifyInput): Promise<OrderDoc> {
    return this.write(async () => {
      // The order row first, then its SKUs: the same order as every writer.
      // With the event id already seen, if it was (one round trip).
      const [row] = await this.q<OrderRow & { seen_order: string | null; seen_transition: string | null } & Row>(
        `SELECT o.*, e.order_id AS seen_order, e.transition AS seen_transition
         FROM orders o LEFT JOIN events e ON e.event_id = $2 WHERE o.id = $1 FOR UPDATE OF o`,
        [n.id, n.eventId ?? null],
      );
      if (!row) throw unknownOrder(n.id);
      const { seen_order, seen_transition, ...orderRow } = row;
      const o = decodeOrder(orderRow as unknown as OrderRow);
      const seen =
        seen_order === null ? undefined : ({ orderId: seen_order, transition: seen_transition } as SeenEvent);
      if (n.eventId !== undefined && seen?.orderId === o.id && seen.transition === n.transition)
        return orderDoc(o, n.nowMs, true);
      // Its SKUs locked in SKU order, and their availability read, together.
      const avail = new Map<string, number>();
      const skus = [...new Set(o.lines.map((l) => l.sku))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (skus.length > 0)
        for (const r of await this.q<SkuRow & Row>(
          `SELECT ${SKU_COLUMNS('$2')} FROM skus s WHERE s.sku = ANY($1::text[]) ORDER BY s.sku FOR UPDATE`,
          [skus, n.nowMs],
        ))
          avail.set(r.sku, this.item(r).available);
      for (const sku of skus) if (!avail.has(sku)) throw unknownSku(sku);
      const plan = planNotify(o, n, seen, (sku) => avail.get(sku)!);
      if (plan.kind === 'duplicate') return orderDoc(o, n.nowMs, true);
      let before = o;
      for (const step of plan.steps) {
        await this.writeStep(before, step);
        before = step.order;
      }
      if (plan.event) {
        const e = plan.event;
        this.later(`INSERT INTO events (event_id, order_id, transition, at) VALUES ($1, $2, $3, $4)`, [
          e.id,
          e.orderId,
          e.transition,
          e.at,
        ]);
      }
      return orderDoc(plan.order, n.nowMs, plan.repeat);
    });
  }

  expireDue(nowMs: number): Promise<string[]> {
    return this.write(async () => {
      const rows = await this.q<OrderRow & Row>(
        `SELECT * FROM orders WHERE status = 'pending' AND id IN (SELECT order_id FROM pending WHERE until <= $1) ORDER BY id FOR UPDATE`,
        [nowMs],
      );
      const due = rows
        .map((r) => decodeOrder(r))
        .sort((a, b) => a.expiresAt - b.expiresAt || a.placedAt - b.placedAt || (a.id < b.id ? -1 : 1));
      await this.lockSkus(due.flatMap((o) => o.lines.map((l) => l.sku)));
      for (const o of due) {
        const step = planExpiry(o, nowMs);
        if (step) await this.writeStep(o, step);
      }
      return due.map((o) => o.id);
    });
  }

  getOrder(id: string, nowMs: number): Promise<OrderDoc> {
    return this.read(async () => {
      const [row] = await this.q<OrderRow & Row>(`SELECT * FROM orders WHERE id = $1`, [id]);
      if (!row) throw unknownOrder(id);
      return orderDoc(decodeOrder(row), nowMs);
    });
  }

  listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]> {
    return this.read(async () =>
      (await this.q<OrderRow & Row>(`SELECT * FROM orders ORDER BY placed_at, id`))
        .map((o) => orderDoc(decodeOrder(o), q.nowMs))
        .filter((d) => !q.status || d.status === q.status),
    );
  }
}
