// Group commit (issue 15): `inv apply` of 1,000,000 mixed events (place, pay, fail,
// expire, stock-add across 10,000 SKUs) against a bare better-sqlite3 loop doing its
// two statements per order inside transactions of 1,000, and against the same loop
// with one transaction per event (what inv apply did before); both in this run, with
// inv's durability (WAL, synchronous=FULL). Then the peak memory of the same stream at
// a tenth of its length: flat in the stream's length. BENCH_QUICK=1: 100,000 events.
import Database from 'better-sqlite3';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, benchEnv, row, scratch, timed, timedWithPeak } from './lib.mjs';

const SKUS = 10_000;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const NOW = '2026-11-27T00:00:00Z';

/**
 * Writes the stream to `file` without holding it: the SKUs' stock first, then in every
 * 20 events 9 places, 7 payments, 2 failures, a stock-add and an expiry sweep, each with
 * its id and time. Events that carry ids are replayed exactly once (README, inv apply).
 */
export async function writeStream(file, n) {
  const out = createWriteStream(file);
  let chunk = [];
  const put = async (line) => {
    chunk.push(line);
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  };
  const at0 = new Date(T0).toISOString();
  for (let i = 0; i < SKUS; i++)
    await put(`{"type":"stock-set","sku":"S${i}","qty":1000000,"event":"set${i}","at":"${at0}"}`);
  let placed = 0;
  let settled = 0;
  for (let i = 0; i < n; i++) {
    const at = new Date(T0 + 1000 + i * 10).toISOString();
    const r = i % 20;
    if (r < 9 || settled >= placed) {
      await put(
        `{"type":"place","id":"o${placed}","provider":"card","items":[{"sku":"S${(placed * 7919) % SKUS}","qty":1}],"at":"${at}"}`,
      );
      placed++;
    } else if (r < 16) {
      await put(`{"type":"pay","id":"o${settled}","event":"p${settled}","at":"${at}"}`);
      settled++;
    } else if (r < 18) {
      await put(`{"type":"fail","id":"o${settled}","event":"f${settled}","at":"${at}"}`);
      settled++;
    } else if (r === 18) await put(`{"type":"stock-add","sku":"S${i % SKUS}","delta":5,"event":"a${i}","at":"${at}"}`);
    else await put(`{"type":"expire","at":"${at}"}`);
  }
  out.end(`${chunk.join('\n')}\n`);
  await once(out, 'finish');
  return n + SKUS;
}

/**
 * The bare loop: for each order the conditional UPDATE of its SKU and one ledger
 * INSERT, for each payment or failure the UPDATE and the INSERT, for a stock change the
 * upsert and the INSERT; `perTxn` events per BEGIN IMMEDIATE … COMMIT. It reads and
 * parses the same file as it goes, as inv does.
 */
async function bareLoop(path, file, perTxn) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE skus (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL) STRICT;
    CREATE TABLE movements (id INTEGER PRIMARY KEY, at INTEGER, sku TEXT, on_hand_delta INTEGER, reserved_delta INTEGER, reason TEXT, order_id TEXT) STRICT;
    CREATE INDEX movements_by_sku ON movements (sku, at, id);`);
  const reserve = db.prepare('UPDATE skus SET reserved = reserved + ? WHERE sku = ? AND on_hand - reserved >= ?');
  const settle = db.prepare('UPDATE skus SET on_hand = on_hand + ?, reserved = reserved - ? WHERE sku = ?');
  const stock = db.prepare(
    'INSERT INTO skus VALUES (?, ?, 0) ON CONFLICT (sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand',
  );
  const ledger = db.prepare(
    'INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const skuOf = new Map();
  const apply = (e) => {
    const at = Date.parse(e.at);
    if (e.type === 'place') {
      const { sku, qty } = e.items[0];
      skuOf.set(e.id, sku);
      if (reserve.run(qty, sku, qty).changes !== 1) throw new Error('out of stock');
      ledger.run(at, sku, 0, qty, 'order-placed', e.id);
    } else if (e.type === 'pay' || e.type === 'fail') {
      const sku = skuOf.get(e.id);
      skuOf.delete(e.id);
      const onHand = e.type === 'pay' ? -1 : 0;
      settle.run(onHand, 1, sku);
      ledger.run(at, sku, onHand, -1, `order-${e.type}`, e.id);
    } else if (e.type === 'stock-set' || e.type === 'stock-add') {
      const qty = e.qty ?? e.delta;
      stock.run(e.sku, qty);
      ledger.run(at, e.sku, qty, 0, 'adjust', null);
    }
  };
  const run = db.transaction((events) => {
    for (const e of events) apply(e);
  });
  let n = 0;
  let batch = [];
  const t0 = process.hrtime.bigint();
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (text === '') continue;
    n++;
    batch.push(JSON.parse(text));
    if (batch.length === perTxn) {
      run.immediate(batch);
      batch = [];
    }
  }
  if (batch.length > 0) run.immediate(batch);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return n / s;
}

function invApply(dir, name, file) {
  const db = join(dir, name);
  const m = timed(process.execPath, [BIN, '--db', db, 'set-mode', 'on-order'], { env: benchEnv(dir) });
  if (m.code !== 0) throw new Error(m.stderr);
  return timedWithPeak(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', file], {
    env: benchEnv(dir),
    stdout: 'ignore',
  }).then((t) => {
    if (t.code !== 0) throw new Error(`inv apply failed (${t.code}): ${t.stderr.slice(0, 300)}`);
    return t;
  });
}

export default async function apply({ quick }) {
  const n = quick ? 100_000 : 1_000_000;
  const { dir, cleanup } = scratch();
  try {
    const file = join(dir, 'events.ndjson');
    const small = join(dir, 'small.ndjson');
    const lines = await writeStream(file, n);
    await writeStream(small, n / 10);
    const label = `${(n / 1e6).toLocaleString('en-US')}M`;
    process.stderr.write(`  ${lines.toLocaleString('en-US')} events written\n`);
    // Alternating sides, twice each in the full run, medians of the pairs' rates.
    const pairs = quick ? 1 : 2;
    const inv = [];
    const bare = [];
    let peak = 0;
    for (let p = 0; p < pairs; p++) {
      if (p % 2 === 1) bare.push(await bareLoop(join(dir, `bare${p}.db`), file, 1000));
      const t = await invApply(dir, `apply${p}.db`, file);
      inv.push(lines / (t.ms / 1000));
      peak = Math.max(peak, t.peakMiB);
      if (p % 2 === 0) bare.push(await bareLoop(join(dir, `bare${p}.db`), file, 1000));
      process.stderr.write(
        `  pair ${p + 1}: inv apply ${Math.round(inv[p])} vs bare loop ${Math.round(bare[p])} events/s (${(inv[p] / bare[p]).toFixed(2)}×)\n`,
      );
    }
    const mid = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // One fsync per event: a shorter stream of the same mix keeps this within a minute on a busy disk.
    const single = join(dir, 'single.ndjson');
    const singleLines = await writeStream(single, 10_000);
    const perEvent = await bareLoop(join(dir, 'bare-single.db'), single, 1);
    process.stderr.write(`  bare loop, one transaction per event: ${Math.round(perEvent)} events/s\n`);
    const tenth = await invApply(dir, 'small.db', small);
    return [
      row(
        'apply',
        `inv apply, ${label} mixed events (place/pay/fail/expire/stock-add, ${SKUS.toLocaleString('en-US')} SKUs)`,
        mid(inv),
        'events/s',
        'bare better-sqlite3 loop, 2 statements per event, 1,000 per transaction',
        mid(bare),
        '≥ 0.5×',
        mid(inv) / mid(bare) >= 0.5,
      ),
      row(
        'apply',
        `inv apply, ${label} mixed events, against one transaction per event`,
        mid(inv),
        'events/s',
        `bare loop, one transaction per event (${singleLines.toLocaleString('en-US')} events)`,
        perEvent,
        '≥ 1× (group commit beats per-event fsync)',
        mid(inv) / perEvent >= 1,
      ),
      row(
        'apply',
        `inv apply peak memory, ${label} events`,
        peak,
        'MiB',
        `the same, ${(n / 10).toLocaleString('en-US')} events`,
        tenth.peakMiB,
        '≤ 1.3×',
        peak / tenth.peakMiB <= 1.3,
      ),
    ];
  } finally {
    cleanup();
  }
}
