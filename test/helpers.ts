import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, it } from 'vitest';

export const BIN = resolve(__dirname, '..', 'bin', 'inv.cjs');

let sharedCopy: string | undefined;

/**
 * The built inv, copied into a temporary folder that every user may read: for the
 * tests that run inv as the unprivileged user `nobody` (root ignores file
 * permissions), who cannot reach a checkout that sits under a 0700 folder.
 * Holds what inv needs at run time: bin/, dist/, package.json, the packages the
 * bundle leaves outside it (csv-parse, cli-progress, @inquirer/prompts) with
 * theirs, and better-sqlite3 with its native module. Removed after the test file.
 */
export function sharedBin(): string {
  if (sharedCopy) return sharedCopy;
  const root = resolve(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'inv-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
  // The packages the bundle requires from node_modules (scripts/build.mjs), and the ones they require.
  const wanted = ['csv-parse', 'cli-progress', '@inquirer/prompts'];
  const copied = new Set<string>();
  while (wanted.length > 0) {
    const name = wanted.pop()!;
    if (copied.has(name)) continue;
    copied.add(name);
    const from = join(root, 'node_modules', name);
    // Not hoisted: it sits in its parent's own node_modules, copied with the parent.
    if (!statSync(from, { throwIfNoEntry: false })) continue;
    cpSync(from, join(dir, 'node_modules', name), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    wanted.push(...Object.keys(pkg.dependencies ?? {}));
  }
  const sqlite = join('node_modules', 'better-sqlite3');
  mkdirSync(join(dir, sqlite, 'build', 'Release'), { recursive: true });
  for (const part of ['package.json', 'lib', join('build', 'Release', 'better_sqlite3.node')]) {
    cpSync(join(root, sqlite, part), join(dir, sqlite, part), { recursive: true });
  }
  const readable = (p: string) => {
    const dirLike = statSync(p).isDirectory();
    chmodSync(p, dirLike ? 0o755 : 0o644);
    if (dirLike) for (const n of readdirSync(p)) readable(join(p, n));
  };
  readable(dir);
  sharedCopy = join(dir, 'bin', 'inv.cjs');
  return sharedCopy;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** A temporary folder removed after the test file; HOME points here so no default store is ever touched. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inv-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * What every child process of the tests inherits from the run: the PATH, and a
 * faked clock (faketime's LD_PRELOAD and FAKETIME settings), so that the whole
 * suite, inv processes included, can run on another date
 * (`faketime -f +365d npx vitest run`). Nothing else: no INV_* of the caller.
 */
export const BASE_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] =>
      e[1] !== undefined && (e[0] === 'PATH' || e[0] === 'LD_PRELOAD' || e[0].startsWith('FAKETIME')),
  ),
);

function env(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...BASE_ENV,
    HOME: home,
    XDG_DATA_HOME: join(home, 'xdg'),
    NO_COLOR: '1',
    ...extra,
  };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e;
}

function parse(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** Runs the built `inv` as a child process. */
export function inv(
  args: string[],
  o: { home: string; input?: string; env?: Record<string, string | undefined> },
): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: env(o.home, o.env),
    input: o.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: parse(r.stdout) };
}

export function invAsync(args: string[], o: { home: string; env?: Record<string, string | undefined> }): Promise<Run> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: env(o.home, o.env) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr, json: parse(stdout) }));
  });
}

/**
 * The backend the end-to-end tests' stores live on: SQLite files, or with
 * INV_TEST_BACKEND=postgres (and the server of `npm run test:pg`) a new
 * PostgreSQL database per store, so that every command is shown to behave the
 * same on both. `.ci/run` runs the suite once each way.
 */
export const BACKEND: 'sqlite' | 'postgres' =
  process.env.INV_TEST_BACKEND === 'postgres' && process.env.INV_TEST_PG_URL ? 'postgres' : 'sqlite';

/** For tests that look inside the SQLite file itself (its bytes, its folder, its journal) or at its own machinery (the import's staging thread): run on SQLite only. */
export const itOnSqlite = BACKEND === 'sqlite' ? it : it.skip;

let pgSerial = 0;

function psql(url: string, sql: string): void {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

/** A new, empty PostgreSQL database on the test server; dropped after the test file. */
export function pgStoreUrl(): string {
  const admin = process.env.INV_TEST_PG_URL!;
  const name = `inv_e_${process.pid}_${Date.now().toString(36)}_${++pgSerial}`;
  psql(admin, `CREATE DATABASE ${name}`);
  // Dropped after the block that made it (as tempDir's folders are), not with the first block's.
  afterAll(() => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return admin.replace(/^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`);
}

const TABLES = ['settings', 'skus', 'movements', 'orders', 'pending', 'events', 'overrides', 'schedule', 'providers'];

/**
 * Everything a store holds, to show that a command changed nothing: the SQLite
 * file's bytes, or every row of every table of a PostgreSQL store.
 */
export function storeBytes(db: string): Buffer {
  if (!/^postgres(ql)?:/.test(db)) return readFileSync(db);
  const sql = TABLES.map((t) => `SELECT '${t}', x::text FROM ${t} x`).join(' UNION ALL ') + ' ORDER BY 1, 2';
  const r = spawnSync('psql', ['-X', '-q', '-At', '-d', db, '-c', sql], { encoding: 'buffer' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs SQL straight on a store, behind inv's back (to damage it): SQLite or PostgreSQL alike. */
export function storeSql(db: string, sql: string): void {
  if (/^postgres(ql)?:/.test(db)) {
    psql(db, sql);
    return;
  }
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const D=require('better-sqlite3');const d=new D(process.argv[1]);d.exec(process.argv[2]);d.close()`,
      db,
      sql,
    ],
    {
      encoding: 'utf8',
      cwd: resolve(__dirname, '..'),
    },
  );
  if (r.status !== 0) throw new Error(`sqlite failed: ${r.stderr}`);
}

/** A store in a fresh folder (on the backend of the run), and a runner bound to it. */
export function tempStore(dir = tempDir(), name = 'store.db') {
  const db = BACKEND === 'postgres' ? pgStoreUrl() : join(dir, name);
  const run = (args: string[], extra: { input?: string; env?: Record<string, string | undefined> } = {}) =>
    inv(['--db', db, ...args], { home: dir, ...extra });
  return { dir, db, run };
}
