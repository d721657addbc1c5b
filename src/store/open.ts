/**
 * Opening the store: the one place that sets the pragmas, checks the file is an
 * inv store, runs migrations and maps SQLite's failures to exit code 4.
 */
import Database from 'better-sqlite3';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvError, StoreError } from '../core/errors.js';
import { Damage } from './decode.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, TABLES } from './schema.js';

export type DB = Database.Database;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * The native addon's path, given to better-sqlite3 directly: its default lookup
 * (the `bindings` package) probes a dozen paths on every start.
 */
let addonPath: string | null | undefined;
function nativeBinding(): string | undefined {
  if (addonPath === undefined) {
    try {
      const req = typeof require === 'function' ? require : createRequire(import.meta.url);
      const candidate = join(
        dirname(req.resolve('better-sqlite3/package.json')),
        'build',
        'Release',
        'better_sqlite3.node',
      );
      addonPath = existsSync(candidate) ? candidate : null;
    } catch {
      addonPath = null;
    }
  }
  return addonPath ?? undefined;
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

function notAStore(path: string, what: string): StoreError {
  return new StoreError(
    'NOT_A_STORE',
    `${path} is not an inv store (${what}); it was left untouched`,
    'point --db (or INV_DB) at an inv store, or at a new file',
  );
}

/** Refuses, before SQLite touches it, a file that is not a SQLite database at all. */
/** The store is inv's, but broken: exit 4, the file left exactly as it is. */
export function damaged(path: string, what: string, hint?: string, scope: 'store' | 'value' = 'store'): StoreError {
  return new StoreError(
    'NOT_A_STORE',
    `the store ${path} is damaged (${what}); it was left as it is`,
    hint ?? 'restore a backup (inv restore FILE); do not edit the file',
    scope,
  );
}

/**
 * Refuses, before SQLite touches it, a file that is not a SQLite database at
 * all, or whose header SQLite would misread: an unknown file format version
 * makes SQLite open it read-only, and the first write would then be reported
 * as a permission problem (sqlite.org/fileformat.html, "The Database Header").
 */
function checkHeader(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new StoreError('STORE_UNAVAILABLE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    if (n === 0) return; // an empty file becomes a new store
    if (n < 16 || buf.toString('latin1', 0, 16) !== SQLITE_HEADER) throw notAStore(path, 'not a SQLite database');
    if (n < 100) throw damaged(path, 'its header is cut short');
    const pageSize = buf.readUInt16BE(16);
    if (!(pageSize === 1 || (pageSize >= 512 && (pageSize & (pageSize - 1)) === 0))) {
      throw damaged(path, `its header gives an impossible page size, ${pageSize}`);
    }
    for (const [at, what] of [
      [18, 'write'],
      [19, 'read'],
    ] as const) {
      if (buf[at] !== 1 && buf[at] !== 2)
        throw damaged(path, `its header gives an unknown file format ${what} version, ${buf[at]}`);
    }
    if (buf[21] !== 64 || buf[22] !== 32 || buf[23] !== 32)
      throw damaged(path, 'its header has wrong payload fractions');
  } finally {
    closeSync(fd);
  }
}

export function mapSqliteError(e: unknown, path: string, reading = false): unknown {
  if (e instanceof InvError) return e;
  if (e instanceof Damage) return damaged(path, e.message, e.hint, 'value');
  const code = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(
      'STORE_BUSY',
      `the store ${path} is locked by another process beyond the busy timeout; nothing was changed`,
      'try again, or raise INV_BUSY_TIMEOUT (milliseconds)',
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return damaged(path, msg);
  // A table or column of inv's schema is gone: someone edited the file.
  if (code === 'SQLITE_ERROR' && /^no such (table|column)/.test(msg)) return damaged(path, msg);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    if (existsSync(path) && writable(path) && writable(dirname(path))) {
      // Not the permissions: a read-only mount, or a file SQLite will not write.
      return new StoreError(
        'STORE_UNAVAILABLE',
        `cannot write the store ${path} although its file and folder may be written (${msg}): a read-only mount, or a damaged file; nothing was changed`,
        'check the mount, and run inv verify',
      );
    }
    return new StoreError(
      'STORE_UNAVAILABLE',
      `cannot write the store ${path} (${msg}); nothing was changed`,
      'check the permissions of the file and its folder',
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    const full = code === 'SQLITE_FULL' || /SQLITE_IOERR_(WRITE|FSYNC|SHMSIZE|TRUNCATE)/.test(code);
    return new StoreError(
      'STORE_UNAVAILABLE',
      reading
        ? `the store ${path} could not be read (${msg}${full ? ': SQLite needs a little room on the disk even to read' : ''}); nothing was changed`
        : `the store ${path} could not be written (${msg}); nothing was changed`,
      full ? 'free some disk space and try again' : 'check the disk, then run inv verify',
    );
  }
  return e;
}

export interface OpenOptions {
  path: string;
  /** Create the parent folder if missing (only for the default path). */
  createDir?: boolean;
  busyTimeoutMs?: number;
  /** The command only reads: a store in a read-only file or folder is then opened read-only. */
  readOnly?: boolean;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A WAL store in a folder that cannot be written cannot be read in place: SQLite
 * needs to create its shared-memory file beside it (better-sqlite3 has no URI
 * `immutable=1`). A read-only command then reads a private copy in the temporary
 * folder; the returned `cleanup` removes it.
 */
/** Every connection inv opens goes through here, with the addon path given directly. */
export function connect(path: string, opts: Database.Options = {}): DB {
  return new Database(path, { ...opts, nativeBinding: nativeBinding() });
}

export function openForReading(opts: OpenOptions): { db: DB; cleanup: () => void } {
  const dir = dirname(opts.path);
  const sideFiles = existsSync(`${opts.path}-wal`) || existsSync(`${opts.path}-shm`);
  if (!opts.readOnly || !existsSync(opts.path) || writable(dir) || sideFiles)
    return { db: openDatabase(opts), cleanup: () => {} };
  checkHeader(opts.path);
  const tmp = mkdtempSync(join(tmpdir(), 'inv-ro-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const copy = join(tmp, 'store.db');
    copyFileSync(opts.path, copy);
    return { db: openDatabase({ ...opts, path: copy, readOnly: false, createDir: false }), cleanup };
  } catch (e) {
    cleanup();
    if (e instanceof StoreError)
      throw new StoreError(e.code, e.message.replaceAll(join(tmp, 'store.db'), opts.path), e.hint);
    throw mapSqliteError(e, opts.path);
  }
}

export function openDatabase(opts: OpenOptions): DB {
  const { path } = opts;
  const dir = dirname(path);
  if (!existsSync(dir)) {
    if (!opts.createDir)
      throw new StoreError('STORE_UNAVAILABLE', `cannot create the store ${path}: the folder ${dir} does not exist`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `cannot create the folder ${dir}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
  }
  const exists = existsSync(path);
  if (exists) {
    const st = statSync(path);
    if (st.isDirectory()) throw new StoreError('STORE_UNAVAILABLE', `${path} is a folder, not a store file`);
    // /dev/null, a FIFO, a socket: SQLite would write a journal beside it (/dev/null-journal) and fail oddly.
    if (!st.isFile())
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `${path} is not a regular file (a device, FIFO or socket), so it cannot be a store`,
        'point --db (or INV_DB) at a store file',
      );
    checkHeader(path);
  } else {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new StoreError('STORE_UNAVAILABLE', `cannot create the store ${path}: the folder ${dir} is not writable`);
    }
  }
  // Reading a store that may not be written (a read-only file, folder or mount) works;
  // any write through such a connection fails with SQLITE_READONLY (exit 4).
  const readOnly = exists && opts.readOnly === true && !(writable(path) && writable(dir));
  let db: DB | undefined;
  try {
    db = connect(path, { timeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, readonly: readOnly });
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = tableNames(db);
    if (appId !== APPLICATION_ID && (appId !== 0 || tables.length > 0)) {
      throw notAStore(path, appId === 0 ? 'a SQLite database of another program' : `application id ${appId}`);
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId === APPLICATION_ID && version === 0)
      throw damaged(path, 'its schema version is 0, yet it is marked as an inv store');
    if (version === SCHEMA_VERSION) checkTables(path, tables);
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `${path} was written by a newer inv (schema ${version}, this one knows ${SCHEMA_VERSION})`,
        'upgrade inv',
      );
    }
    if (readOnly) {
      if (version < SCHEMA_VERSION)
        throw new StoreError(
          'STORE_UNAVAILABLE',
          `${path} needs an upgrade of its schema, but it cannot be written`,
          'run a command that writes, with write access to the store',
        );
      return db;
    }
    // Only now that the file is known to be ours (or new) may anything change it.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('wal_autocheckpoint = 8000');
    db.pragma('foreign_keys = ON');
    if (version < SCHEMA_VERSION) {
      migrate(db, path);
      checkTables(path, tableNames(db));
    }
    return db;
  } catch (e) {
    db?.close();
    throw mapSqliteError(e, path, opts.readOnly === true);
  }
}

const tableNames = (db: DB): string[] =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);

/** Every table of the current schema is there (a dropped one would fail later, half-way through a command). */
function checkTables(path: string, tables: string[]): void {
  const missing = TABLES.filter((t) => !tables.includes(t));
  if (missing.length > 0)
    throw damaged(
      path,
      `its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
    );
}

function migrate(db: DB, path: string): void {
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < SCHEMA_VERSION; v++) {
      try {
        db.exec(MIGRATIONS[v]);
      } catch (e) {
        // A migration meets what it does not expect (a table already there, one missing): not a store it can upgrade.
        if ((e as { code?: string }).code === 'SQLITE_ERROR')
          throw damaged(path, `its schema ${v} cannot be upgraded: ${(e as Error).message}`);
        throw e;
      }
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
