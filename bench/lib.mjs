// Shared helpers for the benchmarks. Every benchmark file is bench/*.bench.mjs and
// default-exports `async (opts) => Row[]`, where a Row is
//   { bench, metric, value, unit, baseline, baselineValue, ratio, goal, ok }
// `ratio` compares `value` with a baseline measured in the same run (never a
// constant), `goal` says in words what ratio is wanted, and `ok` whether it was met.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'inv.cjs');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A temporary folder for a benchmark's stores; removed by the returned cleanup. */
export function scratch(prefix = 'inv-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment for child processes: never the operator's default store. */
export function benchEnv(dir, extra = {}) {
  return { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: join(dir, 'xdg'), NO_COLOR: '1', ...extra };
}

/** Runs a command to completion; returns wall milliseconds, exit code and output. */
export function timed(cmd, args, { env, input, cwd } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, input, cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command and samples its peak resident memory (VmHWM) just before it exits. */
export function timedWithPeak(cmd, args, { env, stdinFile, stdout } = {}) {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const shell = `${JSON.stringify(cmd)} ${args.map((a) => JSON.stringify(a)).join(' ')}${stdinFile ? ` < ${JSON.stringify(stdinFile)}` : ''}${stdout === 'ignore' ? ' > /dev/null' : ''}`;
    // /usr/bin/time -f %M gives the peak RSS in KiB when available.
    const p = spawn('/usr/bin/time', ['-f', '%M', 'sh', '-c', shell], { env });
    let err = '';
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', fail);
    p.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const lines = err.trim().split('\n');
      const kib = Number(lines[lines.length - 1]);
      done({
        ms,
        code,
        peakMiB: Number.isFinite(kib) ? kib / 1024 : NaN,
        stdout: out,
        stderr: lines.slice(0, -1).join('\n'),
      });
    });
  });
}

/** Paired runs of two commands, alternating, to cancel out machine noise. Returns medians. */
export function paired(a, b, runs, opts = {}) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    ta.push(timed(a[0], a.slice(1), opts).ms);
    tb.push(timed(b[0], b.slice(1), opts).ms);
  }
  return { a: median(ta), b: median(tb) };
}

export function row(bench, metric, value, unit, baseline, baselineValue, goal, ok) {
  return {
    bench,
    metric,
    value,
    unit,
    baseline,
    baselineValue,
    ratio: baselineValue ? value / baselineValue : null,
    goal,
    ok,
  };
}

/** The moment the order benches act at, and their shop: SKUs S0… with a million units each. */
export const ORDERS_NOW = '2026-11-27T10:00:00Z';
export const ORDER_SKUS = 1000;

/** place `${prefix}0`…, then pay 70% and fail 30% of them: n events in all. */
export function placePayFail(n, prefix = 'o') {
  const places = Math.round(n / 2);
  const lines = [];
  for (let i = 0; i < places; i++)
    lines.push(
      JSON.stringify({
        type: 'place',
        id: `${prefix}${i}`,
        provider: 'boleto',
        items: [{ sku: `S${i % ORDER_SKUS}`, qty: 1 }],
      }),
    );
  for (let i = 0; i < n - places; i++)
    lines.push(JSON.stringify({ type: i % 10 < 7 ? 'pay' : 'fail', id: `${prefix}${i}`, event: `${prefix}e${i}` }));
  return lines;
}

/** Stocks the shop at `db` (a file or a URL) and sets it on-order; returns `db`. */
export function seedOrdersShop(dir, db) {
  const stock = Array.from({ length: ORDER_SKUS }, (_, i) =>
    JSON.stringify({ type: 'stock-set', sku: `S${i}`, qty: 1_000_000 }),
  ).join('\n');
  const r = timed(process.execPath, [BIN, '--db', db, '--now', ORDERS_NOW, 'apply', '-'], {
    env: benchEnv(dir),
    input: stock,
  });
  if (r.code !== 0) throw new Error(`seeding failed: ${r.stderr}`);
  const m = timed(process.execPath, [BIN, '--db', db, 'set-mode', 'on-order'], { env: benchEnv(dir) });
  if (m.code !== 0) throw new Error(m.stderr);
  return db;
}

/** The moment the serve benches act at (their signatures are made for it), and their shop's SKUs. */
export const SERVE_NOW = '2026-12-03T10:00:00Z';
/** SERVE_NOW in seconds, as Stripe's signatures stamp it. */
export const SERVE_NOW_SEC = Date.parse(SERVE_NOW) / 1000;
export const SERVE_SKUS = 100;

/** A store `name` in `dir` with SERVE_SKUS SKUs of a million units each, on-order; returns its path. */
export function seedServeShop(dir, name) {
  const db = join(dir, name);
  const env = benchEnv(dir, { INV_NOW: SERVE_NOW });
  const stock = Array.from({ length: SERVE_SKUS }, (_, i) => ({ sku: `S${i}`, qty: 1_000_000 }));
  const r = timed(process.execPath, [BIN, '--db', db, 'import', '-', '--format', 'json'], {
    env,
    input: JSON.stringify(stock),
  });
  if (r.code !== 0) throw new Error(`seeding failed: ${r.stderr}`);
  timed(process.execPath, [BIN, '--db', db, 'set-mode', 'on-order'], { env });
  return db;
}

/** `inv apply --from stripe` of `bodies`, from a file, on a fresh serve shop `name`: the store and the run's wall ms. */
export function applyServeEvents(dir, name, bodies) {
  const db = seedServeShop(dir, name);
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, bodies.join('\n'));
  const a = timed(process.execPath, [BIN, '--db', db, 'apply', '--from', 'stripe', file], {
    env: benchEnv(dir, { INV_NOW: SERVE_NOW }),
  });
  if (a.code !== 0) throw new Error(`apply failed: ${a.stderr.slice(0, 500)}`);
  return { db, ms: a.ms };
}

/** What a serve shop ends with: its stock, each order's status, lines and hold (as JSON text), and whether it verifies. */
export function serveState(dir, db) {
  const env = benchEnv(dir, { INV_NOW: SERVE_NOW });
  const inv = (args) => timed(process.execPath, [BIN, '--db', db, ...args], { env }).stdout;
  const orders = JSON.parse(inv(['order', 'list', '--json'])).orders.map((o) => [o.id, o.status, o.lines, o.reserved]);
  return {
    stock: inv(['stock', '--json']),
    orders: JSON.stringify(orders),
    ok: JSON.parse(inv(['verify', '--json'])).ok,
  };
}
