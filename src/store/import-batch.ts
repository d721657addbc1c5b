/**
 * Imports into the SQLite store (SPEC section 4), in two steps that keep memory
 * flat however large the file:
 *
 * 1. `stage()`: the command streams the file and hands over checked rows, which
 *    go into a staging table outside the store, keyed by (sku, location): an
 *    upsert merges the rows of one SKU at one location as they arrive and keeps
 *    what the conflict check needs (how many rows, the first product, every line
 *    once there are several). SQLite spills it to a temporary file beyond its
 *    page cache, so memory does not grow with the file. Nothing in the store is
 *    locked or changed during this step, which lasts as long as the reading.
 *    Small imports stage into a TEMP table of this connection. Large ones (or
 *    stdin, of unknown size) stage from a worker thread into a scratch database
 *    file: the worker's inserts then run while this thread parses the next
 *    rows, on the second core, instead of after them; and a file sorted by SKU
 *    without repeats (the usual case) goes into a plain table, with nothing to
 *    merge (STAGER_THREAD).
 * 2. `apply()`: one BEGIN IMMEDIATE transaction reads the staged rows by SKU (the
 *    key order makes that a plain scan), checks the SKUs that have units
 *    reserved with the core's adjustment rule, then writes every ledger movement
 *    and every changed SKU with set-based INSERT … SELECT statements: counters
 *    and movements change together, in one transaction, as SqliteStore.move()
 *    does row by row. Unchanged SKUs are filtered out in SQL, so importing the
 *    same file again writes nothing.
 *
 * A big transaction needs no per-row durability: synchronous=FULL costs one
 * fsync at the commit, whatever the number of rows; the staging thread flushes
 * the store's files meanwhile, so that this fsync finds little left to write
 * (FLUSH_EVERY_MS).
 */
import type { Statement } from 'better-sqlite3';
import { mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../core/errors.js';
import type {
  ImportApplied,
  ImportApplyOptions,
  ImportBatch,
  ImportChange,
  ImportConflict,
  ImportRefusal,
  ImportRow,
} from '../core/ports.js';
import { importRefusals } from '../core/stock.js';
import { mapSqliteError, type DB } from './open.js';
// Units held by orders past their window are available again: they do not block an import either.
import { DUE_HELD } from './sqlite-sql.js';

/** Rows per INSERT statement: one statement per row costs twice as much (perf-baselines §3). */
const BATCH = 100;
/**
 * Page cache for writing the staging table: small, since every write goes to
 * the end of a b-tree (rows out of order are appended aside and merged in order,
 * UNSORTED below). 2 MB measured as fast as 8 MB, 6–20 MB lighter at 1M rows.
 */
const STAGE_CACHE_KIB = 2_000;
/**
 * Pages of the scratch database: large, since it is only ever written at the
 * ends of its b-trees and read through whole (1M rows: 0.1 s less than 4 KiB
 * pages, of 2.7 s). The store keeps SQLite's 4 KiB: its transactions touch a few
 * pages each, and larger ones halved \`inv apply\`'s events/s.
 */
const STAGE_PAGE_BYTES = 65_536;
/**
 * While the import's transaction writes, the staging thread flushes the store's
 * WAL and database files to disk this often, so that the disk writes alongside
 * the statements instead of all at the commit's and the checkpoint's fsync
 * (150 MB each for a million new SKUs). It only adds syncs: the commit's own
 * fsync still makes the import durable. PostgreSQL spreads its writeback the
 * same way (checkpoint_flush_after, wal_writer_flush_after). Measured at 1M
 * rows: 2.62 s → 2.40 s; 50 ms flushed less of it.
 */
const FLUSH_EVERY_MS = 20;
/** Page cache while reading the staging table and applying it, both in SKU order. */
const APPLY_CACHE_KIB = 2_000;
/** Inputs from this size on (and stdin) are staged by a worker thread. */
export const WORKER_FROM_BYTES = 2 << 20;
/** Batches posted to the worker and not yet written: bounds the memory between the threads. */
const WINDOW = 4;
const SEP = '\u001f';
/** Lines (and products) remembered per SKU and location: enough to name a conflict, never a runaway string. */
const MAX_LINES = 50;

/** `keyed`: keyed by (sku, loc), for the upsert; else a plain table, rows in the order they came. */
const stageTable = (create: string, keyed = true) => `
  ${create} import_stage (
    sku      TEXT NOT NULL,
    loc      TEXT NOT NULL DEFAULT '',
    qty      INTEGER NOT NULL,  -- the sum of the rows at this (sku, loc)
    last     INTEGER,           -- the last row's quantity, once there are several
    name     TEXT,              -- the last non-empty name
    low      INTEGER,           -- NULL: keep the threshold, -1: remove it, n: set it
    product  TEXT,              -- the first row's product
    line     INTEGER NOT NULL,  -- the first row's line
    n        INTEGER NOT NULL DEFAULT 1,
    lines    TEXT,              -- every line, once there are several
    products TEXT               -- every product, once there are several
    ${keyed ? ', PRIMARY KEY (sku, loc)) WITHOUT ROWID' : ')'}`;

/**
 * Two row shapes: wide (7 values) for formats with locations or products, and
 * narrow (5) for the others, where location and product are always the same:
 * binding and passing two values fewer per row makes staging 20% faster.
 */
const SHAPES = {
  7: { columns: 'sku, loc, qty, name, low, product, line', group: '(?,?,?,?,?,?,?)' },
  5: { columns: 'sku, qty, name, low, line', group: '(?,?,?,?,?)' },
} as const;
type Cols = keyof typeof SHAPES;
const insertHead = (table: string, cols: Cols) => `INSERT INTO ${table} (${SHAPES[cols].columns}) VALUES `;
const INSERT_TAIL = `
  ON CONFLICT (sku, loc) DO UPDATE SET
    n = n + 1,
    qty = qty + excluded.qty,
    last = excluded.qty,
    name = COALESCE(excluded.name, name),
    low = COALESCE(excluded.low, low),
    lines = CASE WHEN n < ${MAX_LINES} THEN COALESCE(lines, line) || ',' || excluded.line ELSE lines END,
    products = CASE WHEN n < ${MAX_LINES} THEN COALESCE(products, COALESCE(product, '')) || char(31) || COALESCE(excluded.product, '') ELSE products END`;
const insertSql = (table: string, cols: Cols, rows: number) =>
  insertHead(table, cols) + Array.from({ length: rows }, () => SHAPES[cols].group).join(',') + INSERT_TAIL;

/**
 * One row per SKU: locations summed; at one location, all rows summed or the
 * last one kept. Without locations the staged rows are one per SKU already, and
 * reading them as they are spares a grouping pass.
 */
const agg = (table: string, duplicates: 'sum' | 'last', located: boolean) => {
  const qty = duplicates === 'last' ? 'COALESCE(last, qty)' : 'qty';
  return located
    ? `SELECT sku, SUM(${qty}) AS qty, MAX(name) AS name, MAX(low) AS low, MIN(line) AS line FROM ${table} GROUP BY sku`
    : `SELECT sku, ${qty} AS qty, name, low, line FROM ${table}`;
};

/** Where staged rows go; `finish` makes them readable from the store's connection as `table`. */
interface Stager {
  readonly table: string;
  /**
   * After `finish`: the number of staged rows when each is known to hold one
   * key, seen once (a file sorted by SKU without repeats: no conflict to look
   * for, no rows to count); null when not known.
   */
  readonly distinct: number | null;
  /**
   * After `finish`: the staged rows are a plain table (the worker's 'plain'
   * stage), one per SKU, with no index: read through, never looked up by SKU.
   */
  readonly plain: boolean;
  /** `params`: `cols` values per row, in the order of SHAPES[cols]. */
  write(params: unknown[], cols: Cols): Promise<void>;
  finish(): Promise<void>;
  /** Runs the import's write transaction, flushing the store's files meanwhile where it can (FLUSH_EVERY_MS). */
  flushing<T>(write: () => T): T;
  dispose(): void;
}

/** A TEMP table of the store's connection: no thread to start, for small imports. */
class TempStager implements Stager {
  readonly table = 'temp.import_stage';
  readonly distinct = null;
  readonly plain = false;
  private open = false;
  private readonly full = new Map<Cols, Statement>();

  constructor(private readonly db: DB) {
    this.db.pragma('temp_store = FILE');
    this.db.pragma(`temp.cache_size = -${STAGE_CACHE_KIB}`);
    this.db.exec('DROP TABLE IF EXISTS temp.import_stage');
    this.db.exec(stageTable('CREATE TEMP TABLE'));
  }

  async write(params: unknown[], cols: Cols): Promise<void> {
    // Only the temporary database is written: a deferred transaction there
    // takes no lock on the store.
    if (!this.open) {
      this.db.exec('BEGIN');
      this.open = true;
    }
    const rows = params.length / cols;
    let i = 0;
    if (rows >= BATCH) {
      let full = this.full.get(cols);
      if (!full) {
        full = this.db.prepare(insertSql(this.table, cols, BATCH));
        this.full.set(cols, full);
      }
      for (; i + BATCH <= rows; i += BATCH) full.run(params.slice(i * cols, (i + BATCH) * cols));
    }
    if (i < rows) this.db.prepare(insertSql(this.table, cols, rows - i)).run(params.slice(i * cols));
  }

  async finish(): Promise<void> {
    if (this.open) this.db.exec('COMMIT');
    this.open = false;
  }

  /** A small import: its commit has little to flush, not worth a thread. */
  flushing<T>(write: () => T): T {
    return write();
  }

  dispose(): void {
    if (this.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.open = false;
    this.db.exec('DROP TABLE IF EXISTS temp.import_stage');
  }
}

/**
 * Rows that arrive out of key order, in the scratch database: appended as they
 * come (an insert at a random place of the staging table's b-tree costs ten
 * times one at its end: 12 s against 1.2 s for a million shuffled SKUs), then
 * sorted once and merged into the staging table in key order and, within a
 * key, in the order they were read (by line), by the same upsert.
 */
const UNSORTED = `
  CREATE TABLE import_unsorted (
    sku     TEXT NOT NULL,
    loc     TEXT NOT NULL DEFAULT '',
    qty     INTEGER NOT NULL,
    name    TEXT,
    low     INTEGER,
    product TEXT,
    line    INTEGER NOT NULL
  )`;
const MERGE_UNSORTED = `INSERT INTO import_stage (sku, loc, qty, name, low, product, line)
  SELECT sku, loc, qty, name, low, product, line FROM import_unsorted WHERE true ORDER BY sku, loc, line${INSERT_TAIL}`;

/**
 * The worker's program, run with `eval` so that it needs no file of its own in
 * the bundle: it opens the scratch file with better-sqlite3 (resolved by the
 * main thread), writes each posted batch of rows, and acknowledges it. Rows go
 * where they cost least, in three stages, each for good once left:
 * - 'plain': while every SKU is above the one before it (a file sorted by SKU
 *   without repeats: the usual case) and no row has a location, a product or a
 *   low-stock value, each row is appended to a plain table: one row per SKU
 *   already, nothing to merge, the cheapest b-tree to write (1M rows: 0.08 s of
 *   2.4). The first row that is not such moves them into the keyed table.
 * - 'keyed': while rows keep their key order, they go into the keyed staging
 *   table, each at its end, merged by the upsert.
 * - 'aside': from the first row out of order on, into import_unsorted, merged
 *   at the end (UNSORTED). Every row of the earlier stages was read before
 *   every row of this one, so a key's rows still merge in the order they were read.
 * The order is judged by JavaScript's string order, which differs from SQLite's
 * for a few characters: such a row only costs an insert inside a b-tree
 * instead of at its end (and SKUs that rise in one order are distinct in both).
 */
const STAGER_THREAD = `
const { parentPort, workerData: w } = require('node:worker_threads');
// After a failure (a full disk) nothing more is written: the batches still queued
// are dropped, so that no SQLite call is under way while the main thread, told
// of the failure, ends this thread (one that fails then, as the isolate stops,
// aborts the whole process).
let failed = false;
const fail = (e) => {
  if (failed) return;
  failed = true;
  parentPort.postMessage({ error: String((e && e.message) || e), code: e && e.code });
  parentPort.close();
};
let db;
const heads = { plain: 'head', keyed: 'head', aside: 'headU' };
const text = (kind, cols, rows) =>
  w.shapes[cols][heads[kind]] + Array(rows).fill(w.shapes[cols].group).join(',') + (kind === 'keyed' ? w.tail : '');
const full = { plain: {}, keyed: {}, aside: {} };
let stage = 'plain';
// Every key seen once so far, in rising order: then every staged row is one key, n = 1.
let distinct = true;
let rows = 0;
let lastSku = null;
let lastLoc = '';
// Flushing the store's files while the main thread applies (FLUSH_EVERY_MS). The
// WAL is opened here once it exists, and closed at the end: SQLite takes no lock
// on it. The database file's descriptor comes from the main thread, which never
// closes it (storeDescriptor).
const fs = require('node:fs');
let stopped = false;
let wal = null;
const flush = (f) => {
  if (stopped) return;
  try {
    if (wal === null) wal = fs.openSync(f.wal, 'r');
    fs.fdatasyncSync(wal);
    if (f.db !== null) fs.fdatasyncSync(f.db);
  } catch {
    // Best effort: the commit's own fsync is what makes the import durable.
  }
  setTimeout(() => flush(f), w.flushMs);
};
// Rows from..to of a batch, into the table of stage 'kind'.
const put = (kind, cols, params, from, to) => {
  let i = from;
  if (i + w.batch <= to) {
    const stmt = (full[kind][cols] ??= db.prepare(text(kind, cols, w.batch)));
    for (; i + w.batch <= to; i += w.batch) stmt.run(params.slice(i * cols, (i + w.batch) * cols));
  }
  if (i < to) db.prepare(text(kind, cols, to - i)).run(params.slice(i * cols, to * cols));
};
// The plain rows so far into the keyed table: distinct keys, in their order.
const toKeyed = () => {
  db.exec('ALTER TABLE import_stage RENAME TO import_plain');
  db.exec(w.schema);
  db.exec('INSERT INTO import_stage (sku, qty, name, low, line) SELECT sku, qty, name, low, line FROM import_plain ORDER BY rowid');
  db.exec('DROP TABLE import_plain');
  stage = 'keyed';
};
try {
  const Database = require(w.sqlite);
  db = new Database(w.file);
  db.pragma('page_size = ' + w.pageBytes);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -' + w.cacheKiB);
  // The final sort may use a second thread: the main one waits for it.
  db.pragma('threads = 1');
  db.exec(w.plainSchema);
  db.exec(w.unsorted);
  db.exec('BEGIN');
} catch (e) { fail(e); }
parentPort.on('message', (m) => {
  if (failed) return;
  try {
    if (m === 'end') {
      if (stage === 'aside') db.exec(w.merge);
      db.exec('COMMIT');
      db.close();
      parentPort.postMessage({ done: true, distinct: distinct ? rows : null, plain: stage === 'plain' });
      return;
    }
    if (m.flush) return flush(m.flush);
    if (m === 'stop') {
      stopped = true;
      if (wal !== null) fs.closeSync(wal);
      parentPort.close();
      return;
    }
    const { cols, params } = m;
    const count = params.length / cols;
    rows += count;
    let from = 0;
    for (let k = 0; k < count && stage !== 'aside'; k++) {
      const sku = params[k * cols];
      const loc = cols === 7 ? params[k * cols + 1] : '';
      const rising = lastSku === null || sku > lastSku || (sku === lastSku && loc > lastLoc);
      if (!rising) distinct = false;
      if (stage === 'plain' && (!rising || cols !== 5 || params[k * cols + 3] !== null)) {
        put('plain', cols, params, from, k);
        from = k;
        toKeyed();
      }
      if (!rising && (sku < lastSku || (sku === lastSku && loc < lastLoc))) {
        put('keyed', cols, params, from, k);
        from = k;
        stage = 'aside';
        break;
      }
      lastSku = sku;
      lastLoc = loc;
    }
    put(stage, cols, params, from, count);
    parentPort.postMessage({ ack: true });
  } catch (e) { fail(e); }
});`;

/** A scratch database written by a worker thread, attached to the store's connection to apply it. */
class WorkerStager implements Stager {
  readonly table = 'stage.import_stage';
  distinct: number | null = null;
  plain = false;
  private readonly dir: string;
  private readonly file: string;
  private readonly worker: Worker;
  private outstanding = 0;
  private failure: Error | null = null;
  private done = false;
  private exited = false;
  private attached = false;
  private wake: (() => void) | null = null;

  private readonly removeDir = (): void => rmSync(this.dir, { recursive: true, force: true });

  constructor(
    private readonly db: DB,
    sqlite: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
    sweepStaleScratch(this.dir);
    // Interrupted (Ctrl-C ends the process from bin/inv.cjs): the scratch folder goes with it.
    process.once('exit', this.removeDir);
    this.file = join(this.dir, 'stage.db');
    this.worker = new Worker(STAGER_THREAD, {
      eval: true,
      workerData: {
        sqlite,
        file: this.file,
        cacheKiB: STAGE_CACHE_KIB,
        pageBytes: STAGE_PAGE_BYTES,
        flushMs: FLUSH_EVERY_MS,
        schema: stageTable('CREATE TABLE'),
        plainSchema: stageTable('CREATE TABLE', false),
        unsorted: UNSORTED,
        merge: MERGE_UNSORTED,
        shapes: Object.fromEntries(
          ([5, 7] as const).map((c) => [
            c,
            { head: insertHead('import_stage', c), headU: insertHead('import_unsorted', c), group: SHAPES[c].group },
          ]),
        ),
        tail: INSERT_TAIL,
        batch: BATCH,
      },
    });
    this.worker.on(
      'message',
      (m: { ack?: true; done?: true; distinct?: number | null; plain?: boolean; error?: string; code?: string }) => {
        if (m.ack) this.outstanding--;
        if (m.done) {
          this.done = true;
          this.distinct = m.distinct ?? null;
          this.plain = m.plain === true;
        }
        if (m.error !== undefined) this.failure ??= Object.assign(new Error(m.error), { code: m.code });
        this.notify();
      },
    );
    this.worker.on('error', (e) => {
      this.failure ??= e;
      this.notify();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      this.notify();
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private check(): void {
    if (this.failure) {
      const code = (this.failure as NodeJS.ErrnoException).code ?? '';
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `cannot write the import's staging file in ${tmpdir()} (${this.failure.message}); nothing was changed`,
        code === 'SQLITE_FULL'
          ? 'free some disk space in the temporary folder (or point TMPDIR elsewhere) and try again'
          : undefined,
      );
    }
  }

  async write(params: unknown[], cols: Cols): Promise<void> {
    this.check();
    this.worker.postMessage({ cols, params });
    this.outstanding++;
    while (this.outstanding > WINDOW && !this.failure && !this.exited) await this.next();
    this.check();
  }

  async finish(): Promise<void> {
    this.check();
    this.worker.postMessage('end');
    while (!this.done && !this.failure && !this.exited) await this.next();
    this.check();
    if (!this.done)
      throw new StoreError('STORE_UNAVAILABLE', "the import's staging thread stopped early; nothing was changed");
    this.db.prepare('ATTACH DATABASE ? AS stage').run(this.file);
    this.attached = true;
    // Only read from now on, through the open file: remove its name at once, so
    // that nothing is left behind even if the process is killed while applying.
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // A system that cannot remove an open file: dispose() removes it.
    }
    this.db.pragma(`stage.cache_size = -${APPLY_CACHE_KIB}`);
    // From now on the thread only flushes: it must never keep the process alive.
    this.worker.unref();
  }

  flushing<T>(write: () => T): T {
    if (this.exited || this.failure) return write();
    this.worker.postMessage({ flush: { wal: `${resolve(this.db.name)}-wal`, db: storeDescriptor(this.db.name) } });
    try {
      return write();
    } finally {
      this.worker.postMessage('stop');
    }
  }

  dispose(): void {
    // A thread that failed, or finished its staging, is idle: told to stop, it
    // ends by itself. Only one still writing is ended outright.
    if (!this.exited) {
      if (this.failure || this.done) this.worker.postMessage('stop');
      else void this.worker.terminate();
    }
    if (this.attached && this.db.open && !this.db.inTransaction) {
      this.db.exec('DETACH DATABASE stage');
      this.attached = false;
    }
    this.removeDir();
    process.off('exit', this.removeDir);
  }
}

/**
 * A read-only descriptor of the store's file, for the flushing thread: opened once
 * per store and process and never closed, because closing any descriptor of a
 * file drops every POSIX lock this process holds on it, SQLite's included (which
 * would let another process think the store unused and remove its WAL). Null
 * where the file cannot be opened: its flushing is then left to the checkpoint.
 */
const descriptors = new Map<string, number | null>();
function storeDescriptor(name: string): number | null {
  const path = resolve(name);
  let fd = descriptors.get(path);
  if (fd === undefined) {
    try {
      fd = openSync(path, 'r');
    } catch {
      fd = null;
    }
    descriptors.set(path, fd);
  }
  return fd;
}

const SCRATCH_PREFIX = 'inv-import-';

/** A scratch folder untouched this long belongs to no running import (one writes to it all the time). */
const STALE_MS = 3_600_000;

/**
 * Scratch folders of imports whose process is gone (killed outright, so that no
 * exit hook ran): the folder names carry the pid, and the next import removes
 * those whose process no longer runs and which nothing has written to for an
 * hour (a TMPDIR shared with another pid namespace may hold a live import of
 * the same pid number). Best effort: what cannot be removed is left.
 */
function sweepStaleScratch(ours: string): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  // "An hour ago" by the clock that stamps the files (the one of the file system, which a
  // network TMPDIR or a faked clock may set apart from this process's): our own new folder's time.
  let old: number;
  try {
    old = statSync(ours).mtimeMs - STALE_MS;
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^inv-import-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    try {
      const dir = join(tmpdir(), name);
      const touched = [dir, ...readdirSync(dir).map((f) => join(dir, f))].map((f) => statSync(f).mtimeMs);
      if (Math.max(...touched) < old) rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours to remove, or gone meanwhile
    }
  }
}

/** better-sqlite3's entry file, for the worker; null where require is not at hand (tests run from source). */
function sqliteModule(): string | null {
  try {
    return typeof require === 'function' ? require.resolve('better-sqlite3') : null;
  } catch {
    return null;
  }
}

export class SqliteImport implements ImportBatch {
  private readonly stager: Stager;
  private finished = false;
  private lowGiven = false;
  /** Some row has a location: SKUs may then span several staged rows. */
  private located = false;

  constructor(
    private readonly db: DB,
    private readonly path: string,
    expectedBytes: number | null,
  ) {
    const sqlite = expectedBytes === null || expectedBytes >= WORKER_FROM_BYTES ? sqliteModule() : null;
    let stager: Stager | null = null;
    if (sqlite !== null) {
      try {
        stager = new WorkerStager(db, sqlite);
      } catch {
        // No thread or no scratch file to be had: stage here, only slower.
      }
    }
    try {
      this.stager = stager ?? new TempStager(db);
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
  }

  private get table(): string {
    return this.stager.table;
  }

  private async guard<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapSqliteError(e, this.path);
    }
  }

  async stage(rows: ImportRow[]): Promise<void> {
    if (rows.length === 0) return;
    const cols: Cols = rows.every((r) => r.location === '' && r.product === null) ? 5 : 7;
    // Filled by push, not preallocated: a packed array crosses to the staging
    // thread and binds to its statements as one; one made by new Array(n) stays
    // holey, and reading it back element by element cost the staging thread a
    // third of its time (1M rows: 3.0 s → 2.75 s for the whole import).
    const params: unknown[] = [];
    for (const r of rows) {
      let low: number | null = null;
      if (r.lowStock !== undefined) {
        low = r.lowStock === null ? -1 : r.lowStock;
        this.lowGiven = true;
      }
      if (r.location !== '') this.located = true;
      if (cols === 7) params.push(r.sku, r.location, r.qty, r.name, low, r.product, r.line);
      else params.push(r.sku, r.qty, r.name, low, r.line);
    }
    await this.guard(() => this.stager.write(params, cols));
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    await this.guard(() => this.stager.finish());
    // A low-stock value moves the staged rows out of the plain table (STAGER_THREAD),
    // which has no index to look a SKU's value up by when applying.
    if (this.lowGiven && this.stager.plain) throw new Error('low-stock values were staged in a plain table');
    this.finished = true;
  }

  async conflicts(limit: number): Promise<ImportConflict[]> {
    await this.finish();
    if (!this.located && this.stager.distinct !== null) return [];
    return this.guard(() => {
      const rows = this.db
        .prepare(
          this.located
            ? `SELECT sku, SUM(n) AS n, group_concat(COALESCE(lines, line), ',') AS lines,
                  group_concat(COALESCE(products, COALESCE(product, '')), char(31)) AS products,
                  group_concat(CASE WHEN n > 1 THEN loc END, char(31)) AS repeated
           FROM ${this.table} GROUP BY sku
           HAVING MAX(n) > 1 OR MIN(COALESCE(product, '')) <> MAX(COALESCE(product, ''))
           ORDER BY MIN(line) LIMIT ?`
            : `SELECT sku, n, lines, products, NULL AS repeated FROM ${this.table} WHERE n > 1 ORDER BY line LIMIT ?`,
        )
        .all(limit) as { sku: string; n: number; lines: string; products: string; repeated: string | null }[];
      return rows.map((r) => ({
        sku: r.sku,
        rows: r.n,
        lines: r.lines
          .split(',')
          .map(Number)
          .sort((a, b) => a - b),
        products: [...new Set(r.products.split(SEP))].filter((p) => p !== ''),
        repeatedAt: r.repeated === null ? [] : r.repeated.split(SEP),
      }));
    });
  }

  /** SKUs of the file that have units reserved: the only ones the store's rules can refuse. */
  private refusals(o: ImportApplyOptions): ImportRefusal[] {
    // No order holds units (the usual case before a stock take): nothing to refuse, nothing to read.
    if (this.db.prepare('SELECT EXISTS (SELECT 1 FROM pending WHERE held = 1)').pluck().get() === 0) return [];
    const staged = `(${agg(this.table, o.duplicates, this.located)}) a`;
    // A plain staging table has no index by SKU: read it through and look each SKU up in the store.
    const from = this.stager.plain
      ? `${staged} CROSS JOIN skus s ON s.sku = a.sku`
      : `skus s JOIN ${staged} ON a.sku = s.sku`;
    const rows = this.db
      .prepare(`
      SELECT s.sku, s.on_hand AS onHand, s.reserved - ${DUE_HELD} AS reserved, a.qty, a.line
      FROM ${from}
      WHERE s.sku IN (SELECT sku FROM pending WHERE held = 1) AND s.reserved > 0`)
      .all({ now: o.nowMs }) as { sku: string; onHand: number; reserved: number; qty: number; line: number }[];
    return importRefusals(rows, Boolean(o.add));
  }

  private changes(o: ImportApplyOptions): ImportChange[] {
    const rows = this.db
      .prepare(`
      SELECT a.sku, a.line, a.qty, a.name, a.low, s.sku IS NULL AS created, s.on_hand AS onHand, s.name AS oldName, s.low_stock AS oldLow
      FROM (${agg(this.table, o.duplicates, this.located)}) a LEFT JOIN skus s ON s.sku = a.sku ORDER BY a.line`)
      .all() as {
      sku: string;
      line: number;
      qty: number;
      name: string | null;
      low: number | null;
      created: number;
      onHand: number | null;
      oldName: string | null;
      oldLow: number | null;
    }[];
    const out: ImportChange[] = [];
    for (const r of rows) {
      const before = r.onHand ?? 0;
      const after = o.add ? before + r.qty : r.qty;
      const name = r.name !== null && r.name !== '' ? r.name : (r.oldName ?? '');
      const lowStock = r.low === null ? r.oldLow : r.low < 0 ? null : r.low;
      const created = r.created === 1;
      if (!created && after === before && name === r.oldName && lowStock === r.oldLow) continue;
      out.push({
        sku: r.sku,
        line: r.line,
        created,
        name,
        nameBefore: r.oldName,
        before: created ? null : before,
        after,
        lowStockBefore: r.oldLow,
        lowStock,
      });
    }
    return out;
  }

  async apply(o: ImportApplyOptions): Promise<ImportApplied> {
    await this.finish();
    return this.guard(() => {
      const skus =
        !this.located && this.stager.distinct !== null
          ? this.stager.distinct
          : (this.db
              .prepare(`SELECT COUNT(${this.located ? 'DISTINCT sku' : '*'}) FROM ${this.table}`)
              .pluck()
              .get() as number);
      const source = agg(this.table, o.duplicates, this.located);
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
        // Movements first, while the SKUs still hold their old counts; the new
        // SKUs they point at are inserted by the next statement.
        this.db
          .prepare(`
          INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id, note)
          SELECT @now, a.sku, ${target} - COALESCE(s.on_hand, 0), 0, 'import', NULL, @note
          FROM (${source}) a LEFT JOIN skus s ON s.sku = a.sku
          WHERE ${target} IS NOT COALESCE(s.on_hand, 0)`)
          .run({ now: o.nowMs, note: o.note });
        const newLow = this.lowGiven
          ? `(SELECT CASE WHEN x.low IS NULL THEN low_stock WHEN x.low < 0 THEN NULL ELSE x.low END
               FROM (SELECT MAX(low) AS low FROM ${this.table} WHERE sku = excluded.sku) x)`
          : 'low_stock';
        const written = this.db
          .prepare(`
          INSERT INTO skus (sku, name, on_hand, low_stock)
          SELECT sku, COALESCE(name, ''), qty, CASE WHEN low >= 0 THEN low END FROM (${source}) WHERE true
          ON CONFLICT (sku) DO UPDATE SET
            on_hand = ${o.add ? 'on_hand + excluded.on_hand' : 'excluded.on_hand'},
            name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
            low_stock = ${newLow}
          WHERE ${o.add ? 'excluded.on_hand <> 0' : 'on_hand IS NOT excluded.on_hand'}
             OR (excluded.name <> '' AND excluded.name IS NOT name)
             OR low_stock IS NOT ${newLow}`)
          .run().changes;
        const created = (count.get() as number) - before;
        return { skus, created, updated: written - created, unchanged: skus - written, refused, changes };
      };
      // A dry run reads in a deferred transaction; a real one takes the write
      // lock first, so that what is checked is what is written.
      if (o.dryRun) return this.db.transaction(run).deferred();
      // Foreign keys are not checked row by row here (it costs a third of the
      // apply): every movement written names a SKU of the staged set, and the
      // same transaction inserts every SKU of that set. The pragma only takes
      // effect outside a transaction, hence around it.
      this.db.pragma('foreign_keys = OFF');
      // The staged rows come out in SKU order, so every write below appends to
      // its b-tree: a small cache is enough, and a large one only piles up dirty
      // pages for the commit to write at once (measured: 2 MB beats 16 MB by 10%).
      const cache = this.db.pragma('main.cache_size', { simple: true }) as number;
      this.db.pragma(`main.cache_size = -${APPLY_CACHE_KIB}`);
      try {
        return this.stager.flushing(() => this.db.transaction(run).immediate());
      } finally {
        this.db.pragma('foreign_keys = ON');
        this.db.pragma(`main.cache_size = ${cache}`);
      }
    });
  }

  dispose(): void {
    if (!this.db.open) return;
    try {
      this.stager.dispose();
    } catch {
      // Closing the connection drops the temporary table anyway; the scratch folder is removed above.
    }
  }
}
