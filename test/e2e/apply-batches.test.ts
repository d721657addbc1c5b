import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, tempStore, itOnSqlite } from '../helpers.js';
import { mixedStream } from './mixed-stream.js';

const T0 = '2026-11-27T10:00:00Z';

function sh(line: string, s: { dir: string; db: string }) {
  const prelude = 'inv() { "$INV_NODE" "$INV_BIN" --db "$INV_STORE" "$@"; }; set -o pipefail;';
  const r = spawnSync('bash', ['-c', `${prelude} ${line.replace(/\$INV\b/g, 'inv')}`], {
    env: { ...BASE_ENV, HOME: s.dir, INV_NODE: process.execPath, INV_BIN: BIN, INV_STORE: s.db },
    encoding: 'utf8',
    cwd: s.dir,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function shop() {
  const s = tempStore();
  expect(s.run(['set-mode', 'on-order', '--provider', 'boleto']).code).toBe(0);
  return s;
}

/** Sends one line, waits for its answer, then the next: every event is a batch (a transaction) of its own. */
async function oneByOne(db: string, home: string, lines: string[]): Promise<string> {
  const p = spawn(process.execPath, [BIN, '--db', db, '--now', T0, 'apply', '-'], { env: { ...BASE_ENV, HOME: home } });
  let out = '';
  let wake = () => {};
  p.stdout.on('data', (d) => {
    out += d;
    wake();
  });
  const answered = () => out.split('\n').length - 1;
  let expected = 0;
  for (const l of lines) {
    p.stdin.write(`${l}\n`);
    if (l.trim() === '') continue;
    expected++;
    while (answered() < expected) await new Promise<void>((r) => (wake = r));
  }
  p.stdin.end();
  await new Promise((r) => p.on('close', r));
  return out;
}

describe('inv apply in batches (group commit)', () => {
  it('says, byte for byte, what the release before group commit said for a mixed stream', () => {
    const s = shop();
    writeFileSync(join(s.dir, 'mixed.ndjson'), mixedStream());
    const r = s.run(['apply', join(s.dir, 'mixed.ndjson'), '--now', T0]);
    // The output of the same stream from commit 735ac44 (one transaction per event), 2,620 lines.
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(
      '6ff90747b7c263385975ea87d667ac902b3a8b02c41301b1e047ce8f1296a7cd',
    );
    expect(r.stderr).toBe(
      'inv: 1066 of 2563 events failed (see the lines with "ok": false); the others were applied\n',
    );
    expect(r.code).toBe(2);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('says the same bytes, and leaves the same store, as the same events sent one at a time', async () => {
    const lines = mixedStream(300).split('\n');
    const batched = shop();
    writeFileSync(join(batched.dir, 'in.ndjson'), lines.join('\n'));
    const all = batched.run(['apply', join(batched.dir, 'in.ndjson'), '--now', T0]);
    const single = shop();
    const one = await oneByOne(single.db, single.dir, lines);
    expect(one).toBe(all.stdout);
    const state = (s: ReturnType<typeof shop>) => [
      s.run(['export', '--format', 'ndjson']).stdout,
      s.run(['history', 'S1', '--json']).stdout,
      s.run(['order', 'list', '--json', '--now', T0]).stdout,
    ];
    expect(state(single)).toEqual(state(batched));
  });

  itOnSqlite(
    'a batch that cannot commit says nothing of its events, and what it said is exactly what the store holds',
    () => {
      const s = tempStore();
      const input = Array.from({ length: 6000 }, (_, i) =>
        JSON.stringify({ type: 'stock-set', sku: `SKU-${i}-${'x'.repeat(40)}`, qty: i, name: 'n'.repeat(200) }),
      ).join('\n');
      writeFileSync(join(s.dir, 'big.ndjson'), input);
      const r = sh(`ulimit -f 1200; trap '' XFSZ; $INV apply big.ndjson`, s);
      expect(r.code).toBe(4);
      const said = r.stdout.split('\n').filter(Boolean);
      expect(said.length).toBeGreaterThan(0);
      expect(said.every((l) => JSON.parse(l).ok)).toBe(true);
      expect(r.stderr).toMatch(
        new RegExp(`line ${said.length + 1} was not applied: .*\\(lines ${said.length + 1}–\\d+ were one transaction`),
      );
      const held = s.run(['stock', '--json']).json.items.length;
      expect(held).toBe(said.length);
    },
  );
});
