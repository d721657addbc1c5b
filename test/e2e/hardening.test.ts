import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, inv, invAsync, sharedBin, tempDir, tempStore, itOnSqlite } from '../helpers.js';

const SQLITE = require.resolve('better-sqlite3');

describe('a store locked by another writer', () => {
  itOnSqlite('writes wait up to INV_BUSY_TIMEOUT, then exit 4 with nothing changed; reads still work', async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '5']);
    // Another process takes the write lock and holds it.
    const holder = spawn(process.execPath, [
      '-e',
      `
      const db = new (require(${JSON.stringify(SQLITE)}))(${JSON.stringify(s.db)});
      db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); setTimeout(() => {}, 60000);`,
    ]);
    await new Promise<void>((ok) => holder.stdout.once('data', () => ok()));
    try {
      const t0 = Date.now();
      const w = s.run(['stock', 'set', 'A', '9', '--json'], { env: { INV_BUSY_TIMEOUT: '300' } });
      expect(w.code).toBe(4);
      expect(w.json.error.code).toBe('STORE_BUSY');
      expect(w.stderr).toMatch(/locked by another process.*nothing was changed/);
      expect(w.stderr).toMatch(/INV_BUSY_TIMEOUT/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      const r = s.run(['stock', 'A', '--json']);
      expect(r.code).toBe(0);
      expect(r.json.items[0].onHand).toBe(5);
    } finally {
      holder.kill('SIGKILL');
    }
    expect(s.run(['stock', 'A', '--json']).json.items[0].onHand).toBe(5);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('a bad INV_BUSY_TIMEOUT is a usage error', () => {
    const s = tempStore();
    expect(s.run(['stock'], { env: { INV_BUSY_TIMEOUT: 'soon' } }).code).toBe(2);
  });
});

// Root ignores file permissions, so these run inv as the unprivileged user `nobody` when the tests run as root.
const asRoot = process.getuid?.() === 0;
function runAs(args: string[], home: string) {
  const r = spawnSync(process.execPath, [asRoot ? sharedBin() : BIN, ...args], {
    env: { ...BASE_ENV, HOME: home, NO_COLOR: '1' },
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a read-only store', () => {
  for (const what of ['file', 'folder'] as const) {
    it(`in a read-only ${what}: reads work, writes exit 4 and change nothing`, () => {
      const dir = tempDir();
      chmodSync(dir, 0o755);
      const db = join(dir, 'store.db');
      const setup = spawnSync(process.execPath, [BIN, '--db', db, 'init', '--sample'], {
        env: { ...BASE_ENV, HOME: dir },
      });
      expect(setup.status).toBe(0);
      chmodSync(db, 0o444);
      if (what === 'folder') chmodSync(dir, 0o555);
      const before = readFileSync(db);
      try {
        const read = runAs(['--db', db, 'stock', 'MUG', '--json'], dir);
        expect(read.code, read.stderr).toBe(0);
        expect(JSON.parse(read.stdout).items[0].onHand).toBe(1);
        expect(runAs(['--db', db, 'history', 'MUG'], dir).code).toBe(0);
        expect(runAs(['--db', db, 'verify'], dir).code).toBe(0);
        const write = runAs(['--db', db, 'stock', 'set', 'MUG', '3'], dir);
        expect(write.code).toBe(4);
        expect(write.stderr).toMatch(/^inv: cannot write the store .*nothing was changed/);
        expect(runAs(['--db', db, 'order', 'place', '--item', 'MUG:1', '--provider', 'card'], dir).code).toBe(4);
        expect(readFileSync(db).equals(before)).toBe(true);
      } finally {
        chmodSync(dir, 0o755);
      }
    });
  }
});

describe('a damaged store', () => {
  itOnSqlite('exit 4, suggests restoring a backup, and leaves the file as it was', () => {
    const s = tempStore();
    s.run(['init', '--sample']);
    expect(s.run(['backup', join(s.dir, 'good.bak')]).code).toBe(0);
    // Scribble over everything after the first page, as a failing disk might.
    const size = statSync(s.db).size;
    const fd = openSync(s.db, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096);
    closeSync(fd);
    const damaged = readFileSync(s.db);
    const r = s.run(['stock', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('NOT_A_STORE'); // one JSON document: the error, no half list
    expect(r.stderr).toMatch(/damaged/);
    expect(r.stderr).toMatch(/restore a backup/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'card']).code).toBe(4);
    expect(readFileSync(s.db).equals(damaged)).toBe(true);
  });
});

describe('backup and restore', () => {
  it('backup then restore brings back every SKU, order and movement; the copy verifies', () => {
    const s = tempStore();
    s.run(['init', '--sample']);
    s.run(['set-mode', 'on-order']);
    s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'boleto', '--id', 'kept']);
    const bak = join(s.dir, 'shop.bak');
    const b = s.run(['backup', bak, '--json']);
    expect(b.code).toBe(0);
    expect(b.json.file).toBe(bak);
    expect(s.run(['backup', bak]).code).toBe(2); // no overwrite without --force
    expect(s.run(['backup', bak, '--force']).code).toBe(0);
    const stockBefore = s.run(['stock', '--json']).stdout;
    s.run(['stock', 'set', 'POSTER', '1']);
    s.run(['order', 'place', '--item', 'TOTE:1', '--provider', 'card', '--id', 'lost']);
    const refuse = s.run(['restore', bak]);
    expect(refuse.code).toBe(2);
    expect(refuse.stderr).toMatch(/--yes/);
    const r = s.run(['restore', bak, '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ skus: 6, orders: 1 });
    expect(s.run(['stock', '--json']).stdout).toBe(stockBefore);
    expect(s.run(['order', 'show', 'kept']).code).toBe(0);
    expect(s.run(['order', 'show', 'lost']).code).toBe(3);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('refuses to restore what is not an inv store backup, changing nothing', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '1']);
    const junk = join(s.dir, 'junk.bak');
    writeFileSync(junk, 'not a backup');
    const before = s.run(['stock', '--json']).stdout;
    for (const file of [junk, join(s.dir, 'missing.bak')]) {
      const r = s.run(['restore', file, '--yes', '--json']);
      expect(r.code).toBe(2);
      expect(r.json.error.message).toMatch(/nothing was changed|no such backup/);
    }
    expect(s.run(['stock', '--json']).stdout).toBe(before);
  });

  it('a backup taken while other processes place orders is consistent', async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'HOT', '100000']);
    s.run(['set-mode', 'on-order']);
    const writers = Array.from({ length: 3 }, (_, w) => {
      const input = Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({ type: 'place', id: `w${w}-${i}`, provider: 'boleto', items: [{ sku: 'HOT', qty: 1 }] }),
      ).join('\n');
      return new Promise<number>((done) => {
        const p = spawn(process.execPath, [BIN, '--db', s.db, '-q', 'apply', '-'], {
          env: { ...BASE_ENV, HOME: s.dir, INV_BUSY_TIMEOUT: '60000' },
          stdio: ['pipe', 'ignore', 'inherit'],
        });
        p.stdin.end(input);
        p.on('close', (code) => done(code ?? -1));
      });
    });
    const bak = join(s.dir, 'live.bak');
    await new Promise((r) => setTimeout(r, 150));
    const b = await invAsync(['--db', s.db, 'backup', bak], { home: s.dir, env: { INV_BUSY_TIMEOUT: '60000' } });
    expect(b.code, b.stderr).toBe(0);
    expect(await Promise.all(writers)).toEqual([0, 0, 0]);
    // The backup is a store of its own: it verifies, and its stock equals its ledger.
    const copy = tempStore();
    expect(copy.run(['restore', bak, '--yes']).code).toBe(0);
    expect(copy.run(['verify']).code).toBe(0);
    const item = copy.run(['stock', 'HOT', '--json']).json.items[0];
    expect(item.reserved).toBe(copy.run(['order', 'list', '--json']).json.orders.length);
    expect(s.run(['stock', 'HOT', '--json']).json.items[0].reserved).toBe(900);
  });
});

describe('crash safety: killed at any moment, the store is as before or as after each command', () => {
  it('SIGKILL during a burst of orders: every order reported ok survives, and verify passes', async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'X', '1000000']);
    s.run(['set-mode', 'on-order']);
    let nextId = 0;
    for (let round = 0; round < 5; round++) {
      const input = Array.from({ length: 2000 }, () =>
        JSON.stringify({ type: 'place', id: `k${nextId++}`, provider: 'boleto', items: [{ sku: 'X', qty: 1 }] }),
      ).join('\n');
      const reported: string[] = await new Promise((done) => {
        const p = spawn(process.execPath, [BIN, '--db', s.db, 'apply', '-'], {
          env: { ...BASE_ENV, HOME: s.dir },
        });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stdin.on('error', () => {});
        p.stdin.end(input);
        setTimeout(() => p.kill('SIGKILL'), 40 + Math.floor(Math.random() * 200));
        p.on('close', () =>
          done(
            out
              .split('\n')
              .filter((l) => l.endsWith('}'))
              .map((l) => JSON.parse(l))
              .filter((l) => l.ok)
              .map((l) => l.result.id),
          ),
        );
      });
      expect(s.run(['verify']).code).toBe(0);
      const stored = new Set(s.run(['order', 'list', '--json']).json.orders.map((o: { id: string }) => o.id));
      for (const id of reported) expect(stored.has(id), `order ${id} was reported but lost`).toBe(true);
      expect(s.run(['stock', 'X', '--json']).json.items[0].reserved).toBe(stored.size);
    }
  });
});

describe('crash safety of a large import', () => {
  it('SIGKILL at 20 random moments: each time the store is as before or as after the import, and verifies', async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'S0000007', '999', '--name', 'before the import']);
    const pristine = join(s.dir, 'before.bak');
    expect(s.run(['backup', pristine]).code).toBe(0);
    const before = s.run(['stock', '--json']).stdout;
    const csv = join(s.dir, 'feed.csv');
    const rows = 30_000;
    let text = 'sku,name,quantity\n';
    for (let i = 0; i < rows; i++) text += `S${String(i).padStart(7, '0')},"Item ${i}, boxed",${i % 37}\n`;
    writeFileSync(csv, text);
    const outcomes = { before: 0, after: 0 };
    for (let k = 0; k < 20; k++) {
      // Each kill starts from a fresh copy of the store as it was before the import.
      const db = join(s.dir, `kill${k}.db`);
      copyFileSync(pristine, db);
      const killAfter = 20 + Math.floor(Math.random() * 700);
      await new Promise<void>((done) => {
        const p = spawn(process.execPath, [BIN, '--db', db, '-q', 'import', csv], {
          env: { ...BASE_ENV, HOME: s.dir },
          stdio: 'ignore',
        });
        const t = setTimeout(() => p.kill('SIGKILL'), killAfter);
        p.on('close', () => {
          clearTimeout(t);
          done();
        });
      });
      const run = (args: string[]) => inv(['--db', db, ...args], { home: s.dir });
      expect(run(['verify']).code, `after a kill at ${killAfter} ms`).toBe(0);
      const now = run(['stock', '--json']);
      const items = now.json.items as { sku: string; onHand: number }[];
      if (items.length === 1) {
        expect(now.stdout).toBe(before);
        outcomes.before++;
      } else {
        expect(items.length).toBe(rows);
        expect(items.find((i) => i.sku === 'S0000007')?.onHand).toBe(7);
        expect(items.find((i) => i.sku === `S${String(rows - 1).padStart(7, '0')}`)?.onHand).toBe((rows - 1) % 37);
        outcomes.after++;
      }
    }
    expect(outcomes.before + outcomes.after).toBe(20);
  }, 120_000);
});

describe("an import's scratch folder", () => {
  itOnSqlite("goes away when the import is interrupted, and a killed import's is removed by the next one", async () => {
    const s = tempStore();
    const tmp = join(s.dir, 'tmp');
    mkdirSync(tmp);
    const env = { ...BASE_ENV, HOME: s.dir, TMPDIR: tmp };
    const scratch = () => readdirSync(tmp).filter((n) => n.startsWith('inv-import-'));
    // Ctrl-C while reading stdin (stdin imports stage through a scratch file).
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'import', '-'], { env });
    p.stdin.write('sku,quantity\nA,1\n');
    for (let i = 0; i < 100 && scratch().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(scratch()).toHaveLength(1);
    p.kill('SIGINT');
    const code = await new Promise((r) => p.on('close', r));
    expect(code).toBe(130);
    expect(scratch()).toEqual([]);
    expect(s.run(['stock', '--json']).json.items).toEqual([]);
    // A folder left by a process that no longer runs (SIGKILL leaves no chance to
    // clean up) is removed by the next import; one of a live process is not.
    // One written to within the hour is kept too (TMPDIR may be shared with another pid namespace).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    // Two hours ago by the file system's clock, which is what the sweep compares with (not this process's clock).
    const hoursAgo = new Date(statSync(tmp).mtimeMs - 2 * 3_600_000);
    for (const name of [`inv-import-${gone}-x1`, `inv-import-${process.pid}-x2`, `inv-import-${gone}-x3`]) {
      mkdirSync(join(tmp, name));
      writeFileSync(join(tmp, name, 'stage.db'), '');
      if (!name.endsWith('x3')) {
        utimesSync(join(tmp, name, 'stage.db'), hoursAgo, hoursAgo);
        utimesSync(join(tmp, name), hoursAgo, hoursAgo);
      }
    }
    const r = spawnSync(process.execPath, [BIN, '--db', s.db, 'import', '-'], {
      env,
      input: 'sku,quantity\nA,1\n',
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(scratch().sort()).toEqual([`inv-import-${process.pid}-x2`, `inv-import-${gone}-x3`].sort());
  });
});

describe('a full disk', () => {
  itOnSqlite('an import that hits the file-size limit exits 4 and changes nothing', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '1']);
    const before = readFileSync(s.db);
    const csv = join(s.dir, 'big.csv');
    let text = 'sku,name,quantity\n';
    for (let i = 0; i < 20_000; i++) text += `SKU-${i}-${'x'.repeat(30)},${'n'.repeat(60)},${i}\n`;
    writeFileSync(csv, text);
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 600; trap '' XFSZ; "${process.execPath}" "${BIN}" --db "${s.db}" import "${csv}" --json`],
      { env: { ...BASE_ENV, HOME: s.dir }, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(JSON.parse(r.stdout).error.code).toMatch(/STORE_UNAVAILABLE/);
    expect(s.run(['verify']).code).toBe(0);
    expect(s.run(['stock', '--json']).json.items).toMatchObject([{ sku: 'A', onHand: 1 }]);
    expect(before.length).toBeGreaterThan(0);
  });

  itOnSqlite('a write that hits the file-size limit exits 4 and leaves the store as it was', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '1']);
    const before = s.run(['stock', '--json']).stdout;
    // 400 KiB file-size limit, SIGXFSZ ignored so writes fail with EFBIG as on a full disk.
    const input = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ type: 'stock-set', sku: `SKU-${i}-${'x'.repeat(40)}`, qty: i, name: 'n'.repeat(200) }),
    ).join('\n');
    const events = join(s.dir, 'big.ndjson');
    writeFileSync(events, input);
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 400; trap '' XFSZ; "${process.execPath}" "${BIN}" --db "${s.db}" apply "${events}"`],
      { env: { ...BASE_ENV, HOME: s.dir }, encoding: 'utf8' },
    );
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/could not be written|cannot write|disk/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Every event reported ok is there; the store verifies; nothing half-written.
    const ok = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.ok).length;
    expect(ok).toBeGreaterThan(0);
    expect(s.run(['verify']).code).toBe(0);
    const items = s.run(['stock', '--json']).json.items;
    expect(items.length).toBe(1 + ok);
    expect(JSON.parse(before).items).toMatchObject([{ sku: 'A', onHand: 1 }]);
    expect(existsSync(s.db)).toBe(true);
  });
});

describe('output to pipes', () => {
  // 3,000 SKUs: the listing is far larger than a pipe holds (64 KiB).
  const big = () => {
    const s = tempStore();
    const csv = join(s.dir, 'many.csv');
    writeFileSync(
      csv,
      `sku,name,quantity\n${Array.from({ length: 3000 }, (_, i) => `SKU-${i},A product with a long enough name ${i},${i}`).join('\n')}\n`,
    );
    expect(s.run(['import', csv]).code).toBe(0);
    return s;
  };

  it('a reader that goes away (| head) ends inv quietly with exit 0, for printed and streamed output', () => {
    const s = big();
    for (const args of [['stock'], ['stock', '--json'], ['export', '--format', 'csv']]) {
      const line = [process.execPath, BIN, '--db', s.db, ...args].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${line} | head -c 100 >/dev/null`], {
        env: { ...BASE_ENV, HOME: s.dir },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('a non-blocking pipe that fills up still gets every byte, in order', () => {
    const s = big();
    const expected = s.run(['stock']).stdout;
    expect(expected.length).toBeGreaterThan(1 << 17);
    // Python hands inv a pipe in O_NONBLOCK mode and reads it only after a pause.
    const py = `
import os, fcntl, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
time.sleep(0.5)
out = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk: break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(p.wait())`;
    const r = spawnSync('python3', ['-c', py, process.execPath, BIN, '--db', s.db, 'stock'], {
      env: { ...BASE_ENV, HOME: s.dir },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected);
  });
});
