// Exactly once under SIGKILL, at full size (issue 15): `inv apply` of the apply bench's
// 1,000,000-event stream killed with SIGKILL 20 times at random moments, each run
// sending the same stream again from its first line. After every kill: each event
// printed `ok` is in the store (none missing), and the events in the store whose
// lines were never printed are at most one batch (the one that committed as the
// process died). Then one run to the end: each line says what an uninterrupted
// run said, or that its event was applied already, and the store equals the
// uninterrupted run's (`verify --json`, `export`, `history --json`, and a digest
// of every table). The suite runs the same test on 9,000 events
// (test/e2e/apply-kill.test.ts). BENCH_QUICK=1: 100,000 events, 5 kills.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStream } from './apply.bench.mjs';
import { BIN, benchEnv, row, scratch, timed } from './lib.mjs';

const NOW = '2026-11-27T00:00:00Z';
/** Lines per batch in src/commands/apply.ts: what may be stored and not yet printed. */
const BATCH = 4000;

/** inv apply on `db`; with `killAt`, SIGKILLed a random 0–40 ms after its `killAt`-th result line. */
function runApply(dir, db, file, killAt) {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', file], {
      env: benchEnv(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    let lines = 0;
    let armed = killAt !== undefined;
    p.stdout.on('data', (d) => {
      chunks.push(d);
      if (!armed) return;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (lines >= killAt) {
        armed = false;
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 40));
      }
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code, signal) => done({ code, signal, stdout: Buffer.concat(chunks).toString('utf8'), stderr }));
  });
}

/** What each line of the stream leaves in the store when applied: the order, the payment event or the stock event. */
function keysOf(file) {
  const keys = [null]; // 1-based
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text === '') continue;
    const e = JSON.parse(text);
    keys.push(
      e.type === 'place'
        ? `order:${e.id}`
        : e.type === 'pay' || e.type === 'fail'
          ? `event:${e.event}`
          : e.event
            ? `stock:${e.event}`
            : null,
    );
  }
  return keys;
}

/** Everything those keys name that the store holds now, read off the file directly. */
function storedKeys(db) {
  const d = new Database(db, { readonly: true });
  try {
    const out = new Set();
    for (const id of d.prepare('SELECT id FROM orders').pluck().iterate()) out.add(`order:${id}`);
    for (const id of d.prepare('SELECT event_id FROM events').pluck().iterate()) out.add(`event:${id}`);
    for (const id of d.prepare('SELECT event_id FROM stock_events').pluck().iterate()) out.add(`stock:${id}`);
    return out;
  } finally {
    d.close();
  }
}

/** One SHA-256 per table, over its rows in key order: two stores with equal digests hold the same rows. */
function digests(db) {
  const d = new Database(db, { readonly: true });
  try {
    const tables = {
      skus: 'sku',
      movements: 'id',
      orders: 'id',
      pending: 'sku, until, order_id',
      events: 'event_id',
      stock_events: 'event_id',
    };
    return Object.fromEntries(
      Object.entries(tables).map(([t, key]) => {
        const h = createHash('sha256');
        for (const r of d.prepare(`SELECT * FROM ${t} ORDER BY ${key}`).raw().iterate()) h.update(JSON.stringify(r));
        return [t, h.digest('hex')];
      }),
    );
  } finally {
    d.close();
  }
}

const ok = (r) => r.code === 0;

export default async function applyKill({ quick }) {
  const n = quick ? 100_000 : 1_000_000;
  const kills = quick ? 5 : 20;
  const { dir, cleanup } = scratch();
  try {
    const file = join(dir, 'events.ndjson');
    const total = await writeStream(file, n);
    const keys = keysOf(file);
    const reference = join(dir, 'reference.db');
    const killed = join(dir, 'killed.db');
    for (const db of [reference, killed])
      if (!ok(timed(process.execPath, [BIN, '--db', db, 'set-mode', 'on-order'], { env: benchEnv(dir) })))
        throw new Error('set-mode failed');
    const whole = await runApply(dir, reference, file);
    if (whole.code !== 0)
      throw new Error(`the uninterrupted run failed (${whole.code}): ${whole.stderr.slice(0, 300)}`);
    const expected = whole.stdout.split('\n');

    // Random moments spread over the stream: each run gets further before it dies.
    const targets = Array.from({ length: kills }, () => 1 + Math.floor(Math.random() * (total - 1))).sort(
      (a, b) => a - b,
    );
    const said = new Set();
    let missing = 0;
    let mostUnsaid = 0;
    let fewestUnsaid = Number.POSITIVE_INFINITY;
    let verified = 0;
    for (const [k, target] of targets.entries()) {
      const r = await runApply(dir, killed, file, target);
      if (r.signal !== 'SIGKILL') throw new Error(`run ${k + 1} ended before its kill (${r.code}): ${r.stderr}`);
      for (const text of r.stdout.split('\n')) {
        if (!text.startsWith('{')) continue; // the line the kill cut short
        const l = JSON.parse(text);
        if (l.ok && keys[l.line]) said.add(keys[l.line]);
      }
      const stored = storedKeys(killed);
      for (const key of said) if (!stored.has(key)) missing++;
      const unsaid = stored.size - said.size;
      mostUnsaid = Math.max(mostUnsaid, unsaid);
      fewestUnsaid = Math.min(fewestUnsaid, unsaid);
      if (ok(timed(process.execPath, [BIN, '--db', killed, 'verify'], { env: benchEnv(dir) }))) verified++;
      process.stderr.write(
        `  kill ${k + 1}/${kills} at line ≥ ${target.toLocaleString('en-US')}: ${said.size.toLocaleString('en-US')} said ok, ${unsaid} stored unsaid, missing ${missing}\n`,
      );
    }

    const last = await runApply(dir, killed, file);
    const again = last.stdout.split('\n');
    let differing = again.length === expected.length && last.code === whole.code ? 0 : 1;
    for (let i = 0; i < Math.min(again.length, expected.length); i++) {
      if (again[i] === expected[i]) continue;
      const l = JSON.parse(again[i]);
      const before = JSON.parse(expected[i]);
      const dup = l.result?.expired ? l.result.expired.length === 0 : l.result?.duplicate === true;
      if (l.ok !== before.ok || !dup) differing++;
    }
    const inv = (db, args) => timed(process.execPath, [BIN, '--db', db, '--now', NOW, ...args], { env: benchEnv(dir) });
    const state = (db) =>
      JSON.stringify([
        inv(db, ['verify', '--json']).stdout,
        inv(db, ['export', '--format', 'ndjson']).stdout,
        ...['S0', 'S1', 'S4242', 'S9999'].map((sku) => inv(db, ['history', sku, '--json']).stdout),
        digests(db),
      ]);
    const same = state(killed) === state(reference);
    process.stderr.write(
      `  re-run to the end: ${differing} lines differ beyond "applied already"; store ${same ? 'equals' : 'DIFFERS FROM'} the uninterrupted run's\n`,
    );
    const label = `${(n / 1e6).toLocaleString('en-US')}M`;
    return [
      row(
        'apply-kill',
        `inv apply SIGKILLed ${kills}× over ${label} events: printed ok missing from the store`,
        missing,
        'events',
        null,
        null,
        '0',
        missing === 0 && verified === kills,
      ),
      row(
        'apply-kill',
        `… stored but not printed when killed (most, over ${kills} kills; fewest ${fewestUnsaid})`,
        mostUnsaid,
        'events',
        'one batch',
        BATCH,
        '≤ 1 batch, never below 0',
        mostUnsaid <= BATCH && fewestUnsaid >= 0,
      ),
      row(
        'apply-kill',
        '… re-run to the end: lines other than the uninterrupted run or "applied already"',
        differing,
        'lines',
        null,
        null,
        '0, and the store equal (verify, export, history, every table)',
        differing === 0 && same,
      ),
    ];
  } finally {
    cleanup();
  }
}
