// Orders: `inv apply` events/s against a bare better-sqlite3 loop doing the same
// conditional update + ledger insert per transaction with the same durability
// (WAL, synchronous=FULL), and single `inv order place` processes against `node -e 0`.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const events = (n) => placePayFail(n);
const seed = (dir, name) => seedOrdersShop(dir, join(dir, name));

/** The ceiling: the same per-event writes with nothing else, one transaction each. */
function bareLoop(path, lines) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE skus (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL) STRICT;
    CREATE TABLE movements (id INTEGER PRIMARY KEY, at INTEGER, sku TEXT, on_hand_delta INTEGER, reserved_delta INTEGER, reason TEXT, order_id TEXT) STRICT;
    CREATE INDEX movements_by_sku ON movements (sku, at, id);`);
  const ins = db.prepare('INSERT INTO skus VALUES (?, 1000000, 0)');
  db.transaction(() => {
    for (let i = 0; i < SKUS; i++) ins.run(`S${i}`);
  })();
  const reserve = db.prepare('UPDATE skus SET reserved = reserved + 1 WHERE sku = ? AND on_hand - reserved >= 1');
  const settle = db.prepare('UPDATE skus SET on_hand = on_hand + ?, reserved = reserved - 1 WHERE sku = ?');
  const ledger = db.prepare(
    'INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, order_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const skuOf = new Map();
  const t0 = process.hrtime.bigint();
  for (const text of lines) {
    const e = JSON.parse(text);
    db.transaction(() => {
      if (e.type === 'place') {
        const sku = e.items[0].sku;
        skuOf.set(e.id, sku);
        if (reserve.run(sku).changes !== 1) throw new Error('out of stock');
        ledger.run(Date.now(), sku, 0, 1, 'order-placed', e.id);
      } else {
        const sku = skuOf.get(e.id);
        const onHand = e.type === 'pay' ? -1 : 0;
        settle.run(onHand, sku);
        ledger.run(Date.now(), sku, onHand, -1, e.type === 'pay' ? 'order-paid' : 'order-failed', e.id);
      }
    }).immediate();
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return lines.length / s;
}

export default async function orders({ quick }) {
  // One fsync per event on both sides: 20,000 events take the bare loop 3 to 40 s
  // on this shared disk, so the whole bench stays within minutes.
  const n = quick ? 5_000 : 20_000;
  // The disk here is shared and its speed drifts over minutes: three pairs, each
  // run in turn first, and the medians of each side.
  const runs = quick ? 1 : 3;
  const { dir, cleanup } = scratch();
  try {
    const lines = events(n);
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const applyRates = [];
    const bareRates = [];
    for (let r = 0; r < runs; r++) {
      const db = seed(dir, `apply${r}.db`);
      if (r % 2 === 1) bareRates.push(bareLoop(join(dir, `bare${r}.db`), lines));
      const t = timed(process.execPath, [BIN, '--db', db, '--now', NOW, '--quiet', 'apply', file], {
        env: benchEnv(dir),
      });
      if (t.code !== 0) throw new Error(`inv apply failed (${t.code}): ${t.stderr.slice(0, 300)}`);
      applyRates.push(n / (t.ms / 1000));
      if (r % 2 === 0) bareRates.push(bareLoop(join(dir, `bare${r}.db`), lines));
      process.stderr.write(
        `  apply pair ${r + 1}: ${Math.round(applyRates[r])} vs ${Math.round(bareRates[r])} events/s (${(applyRates[r] / bareRates[r]).toFixed(2)}×)\n`,
      );
    }
    const apply = median(applyRates);
    const bare = median(bareRates);

    // Single invocations: each `inv order place` is a whole process start.
    const db = seed(dir, 'single.db');
    const placeTimes = [];
    const nodeTimes = [];
    const count = quick ? 10 : 40;
    for (let i = 0; i < count; i++) {
      placeTimes.push(
        timed(
          process.execPath,
          [
            BIN,
            '--db',
            db,
            '--now',
            NOW,
            'order',
            'place',
            '--item',
            `S${i}:1`,
            '--provider',
            'card',
            '--id',
            `single${i}`,
          ],
          { env: benchEnv(dir) },
        ).ms,
      );
      nodeTimes.push(timed(process.execPath, ['-e', '0'], { env: benchEnv(dir) }).ms);
    }
    const place = median(placeTimes);
    const bareNode = median(nodeTimes);
    return [
      row(
        'orders',
        `inv apply, ${n.toLocaleString('en-US')} place/pay/fail events`,
        apply,
        'events/s',
        'bare better-sqlite3 loop, same writes',
        bare,
        '≥ 0.70×',
        apply / bare >= 0.7,
      ),
      row(
        'orders',
        'inv order place, one process each',
        1000 / place,
        'orders/s',
        'node -e 0 starts',
        1000 / bareNode,
        'time ≤ 1.6× node -e 0',
        place / bareNode <= 1.6,
      ),
    ];
  } finally {
    cleanup();
  }
}
