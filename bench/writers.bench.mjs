// Many writers (issue 15): 8 concurrent `inv order place` processes on one store, each
// placing orders one process after another, as webhook handlers on one server would.
// Total orders/s against one writer alone in the same run, the slowest call's time,
// and how many calls failed with a locked store (the goal: none, within the default
// busy timeout).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, benchEnv, median, row, scratch, timed } from './lib.mjs';

const NOW = '2026-11-27T10:00:00Z';

function place(db, env, id, sku) {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(
      process.execPath,
      [BIN, '--db', db, '--now', NOW, 'order', 'place', '--item', `${sku}:1`, '--provider', 'card', '--id', id],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, err }));
  });
}

/** `writers` loops at once, each placing `each` orders in turn; every call timed. */
async function race(db, env, writers, each) {
  const calls = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++)
        calls.push(await place(db, env, `w${writers}-${w}-${i}`, `S${(w * each + i) % 100}`));
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: calls.length / s, calls };
}

export default async function writers({ quick }) {
  const each = quick ? 5 : 25;
  const { dir, cleanup } = scratch();
  const env = benchEnv(dir);
  try {
    const db = join(dir, 'store.db');
    const stock = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({ type: 'stock-set', sku: `S${i}`, qty: 100_000 }),
    );
    const seed = timed(process.execPath, [BIN, '--db', db, 'apply', '-'], { env, input: stock.join('\n') });
    if (seed.code !== 0) throw new Error(seed.stderr);
    if (timed(process.execPath, [BIN, '--db', db, 'set-mode', 'on-order'], { env }).code !== 0) throw new Error('mode');
    const one = await race(db, env, 1, each * 2);
    const eight = await race(db, env, 8, each);
    const locked = eight.calls.filter((c) => c.code === 4 || /locked/.test(c.err)).length;
    const failed = eight.calls.filter((c) => c.code !== 0).length;
    const slowest = Math.max(...eight.calls.map((c) => c.ms));
    process.stderr.write(
      `  8 writers: ${eight.calls.length} calls, ${failed} failed (${locked} locked), slowest ${Math.round(slowest)} ms, median ${Math.round(median(eight.calls.map((c) => c.ms)))} ms\n`,
    );
    return [
      row(
        'writers',
        `8 concurrent inv order place processes, ${eight.calls.length} orders`,
        eight.rate,
        'orders/s',
        'one process at a time',
        one.rate,
        '≥ 1× (two cores: they overlap)',
        eight.rate >= one.rate,
      ),
      row(
        'writers',
        "8 writers: the slowest call's time",
        slowest,
        'ms',
        'median call, one writer alone',
        median(one.calls.map((c) => c.ms)),
        '< the 5 s busy timeout',
        slowest < 5000,
      ),
      row(
        'writers',
        '8 writers: calls failed with a locked store',
        locked,
        'calls',
        null,
        null,
        '0',
        locked === 0 && failed === 0,
      ),
    ];
  } finally {
    cleanup();
  }
}
