// Start-up: each command against `node -e 0`, in paired runs alternating the two
// (shared/research/perf-baselines.md §2), medians of each. Goals from issue 7.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, benchEnv, median, row, scratch, timed } from './lib.mjs';

/** Time until `text` appears on a pseudo-terminal (`script`), for the wizard's first prompt. */
function untilText(command, text, env) {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm' } });
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`no "${text}" within 10 s: ${out.slice(-300)}`));
    }, 10_000);
    p.stdout.on('data', (d) => {
      out += d;
      if (text === null || !out.includes(text)) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      p.kill('SIGKILL');
      done(ms);
    });
    p.on('close', () => {
      if (text !== null) return;
      clearTimeout(timer);
      done(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

export default async function startup({ quick }) {
  const runs = quick ? 7 : 25;
  const { dir, cleanup } = scratch();
  const env = benchEnv(dir);
  const db = join(dir, 'store.db');
  try {
    timed(process.execPath, [BIN, '--db', db, 'init', '--sample'], { env });
    timed(process.execPath, [BIN, '--db', db, 'stock', 'set', 'BULK', '1000000'], { env });
    let id = 0;
    const cases = [
      ['inv --version', () => [BIN, '--version'], 1.25],
      ['inv --help', () => [BIN, '--help'], 1.25],
      ['inv mode', () => [BIN, '--db', db, 'mode'], 1.5],
      ['inv stock show MUG', () => [BIN, '--db', db, 'stock', 'show', 'MUG'], 1.5],
      [
        'inv order place',
        () => [BIN, '--db', db, 'order', 'place', '--item', 'BULK:1', '--provider', 'card', '--id', `b${id++}`],
        1.6,
      ],
    ];
    const rows = [];
    for (const [name, args, goal] of cases) {
      const a = [];
      const b = [];
      for (let i = 0; i < runs; i++) {
        const r = timed(process.execPath, args(), { env });
        if (r.code !== 0) throw new Error(`${name} failed: ${r.stderr}`);
        a.push(r.ms);
        b.push(timed(process.execPath, ['-e', '0'], { env }).ms);
      }
      const ratio = median(a.map((x, i) => x / b[i]));
      rows.push(row('startup', name, median(a), 'ms', 'node -e 0', median(b), `≤ ${goal}×`, ratio <= goal));
      rows.at(-1).ratio = ratio; // median of the paired ratios
    }
    // The wizard, on a pseudo-terminal, until its first question shows.
    const a = [];
    const b = [];
    for (let i = 0; i < Math.max(5, runs >> 1); i++) {
      a.push(await untilText(`"${process.execPath}" "${BIN}" --db "${db}" advise`, 'Which payment methods', env));
      b.push(await untilText(`"${process.execPath}" -e 0`, null, env));
    }
    const ratio = median(a.map((x, i) => x / b[i]));
    const r = row(
      'startup',
      'inv advise, to its first prompt (pty)',
      median(a),
      'ms',
      'node -e 0 (pty)',
      median(b),
      '≤ 2.1×',
      ratio <= 2.1,
    );
    r.ratio = ratio;
    rows.push(r);
    return rows;
  } finally {
    cleanup();
  }
}
