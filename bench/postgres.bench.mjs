// PostgreSQL: `inv apply` against a throwaway local server (unix socket, fsync on,
// synchronous_commit on) vs a bare `pg` loop doing the same conditional update +
// ledger insert per transaction; and 8 concurrent writers' combined throughput on
// PostgreSQL vs SQLite. Skipped (one row saying so) where initdb is not on PATH.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startServer } from '../scripts/pg-server.mjs';
import {
  BIN,
  benchEnv,
  median,
  ORDER_SKUS,
  ORDERS_NOW,
  placePayFail,
  row,
  scratch,
  seedOrdersShop,
  timed,
} from './lib.mjs';

const NOW = ORDERS_NOW;
const SKUS = ORDER_SKUS;
const events = placePayFail;

function createDb(admin, name) {
  const r = spawnSync('psql', ['-X', '-q', '-d', admin, '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return admin.replace(/^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`);
}

const seed = seedOrdersShop;

/** The ceiling: the same per-event writes with nothing else, one transaction each, over the same socket. */
async function bareLoop(url, lines) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE TABLE skus (sku TEXT COLLATE "C" PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL);
    CREATE TABLE movements (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT, sku TEXT, on_hand_delta BIGINT, reserved_delta BIGINT, reason TEXT, order_id TEXT);
    CREATE INDEX movements_by_sku ON movements (sku, at, id);
    INSERT INTO skus SELECT 'S' || g, 1000000, 0 FROM generate_series(0, ${SKUS - 1}) g;`);
  const skuOf = new Map();
  const t0 = process.hrtime.bigint();
  for (const text of lines) {
    const e = JSON.parse(text);
    await c.query('BEGIN');
    if (e.type === 'place') {
      const sku = e.items[0].sku;
      skuOf.set(e.id, sku);
      const r = await c.query({
        name: 'reserve',
        text: 'UPDATE skus SET reserved = reserved + 1 WHERE sku = $1 AND on_hand - reserved >= 1',
        values: [sku],
      });
      if (r.rowCount !== 1) throw new Error('out of stock');
      await c.query({
        name: 'ledger',
        text: 'INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id) VALUES ($1, $2, $3, $4, $5, $6)',
        values: [Date.now(), sku, 0, 1, 'order-placed', e.id],
      });
    } else {
      const sku = skuOf.get(e.id);
      const onHand = e.type === 'pay' ? -1 : 0;
      await c.query({
        name: 'settle',
        text: 'UPDATE skus SET on_hand = on_hand + $1, reserved = reserved - 1 WHERE sku = $2',
        values: [onHand, sku],
      });
      await c.query({
        name: 'ledger',
        text: 'INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id) VALUES ($1, $2, $3, $4, $5, $6)',
        values: [Date.now(), sku, onHand, -1, e.type === 'pay' ? 'order-paid' : 'order-failed', e.id],
      });
    }
    await c.query('COMMIT');
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await c.end();
  return lines.length / s;
}

/** 8 `inv apply` processes at once on one store, each its own orders over the same SKUs: events/s in all. */
async function writers(dir, db, perWriter, tag) {
  const files = Array.from({ length: 8 }, (_, w) => {
    const f = join(dir, `${tag}-w${w}.ndjson`);
    writeFileSync(f, `${events(perWriter, `${tag}${w}-`).join('\n')}\n`);
    return f;
  });
  const t0 = process.hrtime.bigint();
  const codes = await Promise.all(
    files.map(
      (f) =>
        new Promise((done) => {
          const p = spawn(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', f], {
            env: benchEnv(dir, { INV_BUSY_TIMEOUT: '120000' }),
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          p.stderr.on('data', (d) => (err += d));
          p.on('close', (code) => done({ code, err }));
        }),
    ),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const bad = codes.find((c) => c.code !== 0);
  if (bad) throw new Error(`a writer failed (${bad.code}): ${bad.err.slice(0, 300)}`);
  return (8 * perWriter) / s;
}

export default async function postgres({ quick }) {
  if (spawnSync('initdb', ['--version']).status !== 0)
    return [row('postgres', 'skipped: initdb is not on PATH', null, '', '', null, '', true)];
  const server = startServer();
  const { dir, cleanup } = scratch();
  try {
    const n = quick ? 4_000 : 20_000;
    const runs = quick ? 1 : 3;
    const lines = events(n);
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const applyRates = [];
    const bareRates = [];
    for (let r = 0; r < runs; r++) {
      const db = createDb(server.url, `apply${r}`);
      seed(dir, db);
      if (r % 2 === 1) bareRates.push(await bareLoop(createDb(server.url, `bare${r}`), lines));
      const t = timed(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', file], {
        env: benchEnv(dir),
      });
      if (t.code !== 0) throw new Error(`inv apply failed (${t.code}): ${t.stderr.slice(0, 300)}`);
      applyRates.push(n / (t.ms / 1000));
      if (r % 2 === 0) bareRates.push(await bareLoop(createDb(server.url, `bare${r}`), lines));
      process.stderr.write(
        `  pg apply pair ${r + 1}: ${Math.round(applyRates[r])} vs ${Math.round(bareRates[r])} events/s (${(applyRates[r] / bareRates[r]).toFixed(2)}×)\n`,
      );
    }
    const apply = median(applyRates);
    const bare = median(bareRates);

    const per = quick ? 500 : 2_000;
    const pgDb = createDb(server.url, 'writers');
    seed(dir, pgDb);
    const onPg = await writers(dir, pgDb, per, 'pg');
    const liteDb = join(dir, 'writers.db');
    seed(dir, liteDb);
    const onSqlite = await writers(dir, liteDb, per, 'lite');
    process.stderr.write(`  8 writers: PostgreSQL ${Math.round(onPg)} vs SQLite ${Math.round(onSqlite)} events/s\n`);
    return [
      row(
        'postgres',
        `inv apply on PostgreSQL, ${n.toLocaleString('en-US')} place/pay/fail events`,
        apply,
        'events/s',
        'bare pg loop, same update + ledger insert per transaction',
        bare,
        '≥ 0.80×',
        apply / bare >= 0.8,
      ),
      row(
        'postgres',
        `8 concurrent inv apply writers, ${(8 * per).toLocaleString('en-US')} events in all, PostgreSQL`,
        onPg,
        'events/s',
        'the same 8 writers on one SQLite file',
        onSqlite,
        'report both',
        true,
      ),
    ];
  } finally {
    cleanup();
    server.stop();
  }
}
