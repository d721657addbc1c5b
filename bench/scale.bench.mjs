// Scale: hot commands on a store of 1,000,000 SKUs and 10,000,000 movements against
// the same commands on a store of 10 SKUs (paired runs, medians), and the peak memory
// of `inv stock --json` and `inv export` at 1,000,000 SKUs against 100,000.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { BIN, benchEnv, median, row, scratch, timed, timedWithPeak } from './lib.mjs';

/** A store made by inv (schema and all), filled straight through SQL: stock equal to its ledger. */
function bigStore(dir, name, skus, movesPerSku) {
  const db = join(dir, name);
  const r = timed(process.execPath, [BIN, '--db', db, 'init'], { env: benchEnv(dir) });
  if (r.code !== 0) throw new Error(r.stderr);
  const raw = new Database(db);
  raw.pragma('synchronous = OFF');
  raw.pragma('cache_size = -262144');
  raw.transaction(() => {
    raw
      .prepare(`INSERT INTO skus (sku, name, on_hand, reserved, low_stock)
      WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
      SELECT printf('SKU-%07d', i), 'Item ' || i, ?, 0, 2 FROM c`)
      .run(skus - 1, movesPerSku);
    raw
      .prepare(`INSERT INTO movements (at, sku, on_hand_delta, reserved_delta, reason, note)
      WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
      SELECT 1767225600000 + i, printf('SKU-%07d', i / ?), 1, 0, 'adjust', 'bench' FROM c`)
      .run(skus * movesPerSku - 1, movesPerSku);
  })();
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  return db;
}

export default async function scale({ quick }) {
  const skus = quick ? 100_000 : 1_000_000;
  const { dir, cleanup } = scratch();
  const env = benchEnv(dir);
  try {
    const t0 = Date.now();
    const big = bigStore(dir, 'big.db', skus, 10);
    process.stderr.write(
      `  built ${skus.toLocaleString('en-US')} SKUs / ${(skus * 10).toLocaleString('en-US')} movements in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const small = bigStore(dir, 'small.db', 10, 10);
    const sku = `SKU-${String(Math.floor(skus / 2)).padStart(7, '0')}`;
    let n = 0;
    const cases = [
      [
        'inv order place',
        (db) => [
          'order',
          'place',
          '--item',
          `${db === big ? sku : 'SKU-0000005'}:1`,
          '--provider',
          'card',
          '--id',
          `o${n++}`,
        ],
      ],
      ['inv stock show SKU', (db) => ['stock', 'show', db === big ? sku : 'SKU-0000005']],
      ['inv history SKU', (db) => ['history', db === big ? sku : 'SKU-0000005']],
      ['inv mode', () => ['mode']],
    ];
    const rows = [];
    const runs = quick ? 7 : 15;
    for (const [name, args] of cases) {
      const a = [];
      const b = [];
      for (let i = 0; i < runs; i++) {
        const rb = timed(process.execPath, [BIN, '--db', big, ...args(big)], { env });
        const rs = timed(process.execPath, [BIN, '--db', small, ...args(small)], { env });
        if (rb.code !== 0 || rs.code !== 0) throw new Error(`${name}: ${rb.stderr}${rs.stderr}`);
        a.push(rb.ms);
        b.push(rs.ms);
      }
      rows.push(
        row(
          'scale',
          `${name}, ${skus.toLocaleString('en-US')} SKUs`,
          median(a),
          'ms',
          'same on 10 SKUs',
          median(b),
          '≤ 1.3×',
          median(a) / median(b) <= 1.3,
        ),
      );
    }
    // Streaming: memory at the full size against a tenth of it.
    const tenth = bigStore(dir, 'tenth.db', skus / 10, 1);
    for (const [name, args] of [
      ['inv stock --json', ['stock', '--json']],
      ['inv export', ['export', '--format', 'csv']],
    ]) {
      const full = await timedWithPeak(process.execPath, [BIN, '--db', big, ...args, '-q'], { env, stdout: 'ignore' });
      const part = await timedWithPeak(process.execPath, [BIN, '--db', tenth, ...args, '-q'], {
        env,
        stdout: 'ignore',
      });
      if (full.code !== 0 || part.code !== 0) throw new Error(`${name}: ${full.stderr}${part.stderr}`);
      rows.push(
        row(
          'scale',
          `${name} peak memory, ${skus.toLocaleString('en-US')} SKUs`,
          full.peakMiB,
          'MiB',
          `at ${(skus / 10).toLocaleString('en-US')} SKUs`,
          part.peakMiB,
          '≤ 1.3×',
          full.peakMiB / part.peakMiB <= 1.3,
        ),
      );
    }
    return rows;
  } finally {
    cleanup();
  }
}
