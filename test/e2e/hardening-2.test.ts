/**
 * Hardening, round two (issue 17): what a hostile user or machine found, each
 * case run as a real process on a temporary store, checking what a user would:
 * the exit code, one clear line on stderr and no stack trace, and the store as
 * it was (or, after a commit, what was done said plainly).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, sharedBin, tempDir, tempStore, itOnSqlite } from '../helpers.js';

const NOW = '2026-11-27T10:00:00Z';
const STACK = /\n\s+at .+:\d+:\d+/;

/** A shop with two SKUs, an order and its payment: a store worth losing. */
function shop() {
  const s = tempStore();
  s.run(['stock', 'set', 'MUG', '5', '--name', 'Mug', '--now', NOW]);
  s.run(['stock', 'set', 'TEE', '3', '--now', NOW]);
  s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'card', '--id', 'A', '--now', NOW]);
  s.run(['order', 'pay', 'A', '--now', NOW]);
  return s;
}

/** Runs a shell line (for redirections and pipes) in which `$INV` runs inv on the store. */
function sh(line: string, s: { dir: string; db: string }, env: Record<string, string> = {}) {
  const prelude = 'inv() { "$INV_NODE" "$INV_BIN" --db "$INV_STORE" "$@"; }; set -o pipefail;';
  const r = spawnSync('bash', ['-c', `${prelude} ${line.replace(/\$INV\b/g, 'inv')}`], {
    env: { ...BASE_ENV, HOME: s.dir, INV_NODE: process.execPath, INV_BIN: BIN, INV_STORE: s.db, ...env },
    encoding: 'utf8',
    cwd: s.dir,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('1. an output path that is the store is refused, by identity', () => {
  itOnSqlite(
    'export -o and backup refuse the store, a symlink or hard link to it, ./ spellings, its -wal and -shm',
    () => {
      const s = shop();
      symlinkSync(s.db, join(s.dir, 'link.db'));
      linkSync(s.db, join(s.dir, 'hard.db'));
      const before = s.run(['history', 'MUG', '--json']).stdout;
      const bytes = readFileSync(s.db);
      for (const target of [
        'store.db',
        './store.db',
        'link.db',
        'hard.db',
        'store.db-wal',
        'store.db-shm',
        `${s.dir}/../${s.dir.split('/').pop()}/store.db`,
      ]) {
        for (const args of [
          ['export', '-o', target, '--force'],
          ['backup', target, '--force'],
        ]) {
          const r = sh(`$INV ${args.map((a) => `'${a}'`).join(' ')}`, s);
          expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
          expect(r.stderr).toMatch(
            /^inv: .*(is the store itself|is the store's own (wal|shm) file).*nothing was written/,
          );
          expect(r.stderr).not.toMatch(STACK);
        }
      }
      expect(readFileSync(s.db).equals(bytes)).toBe(true);
      expect(lstatSync(join(s.dir, 'link.db')).isSymbolicLink()).toBe(true);
      expect(s.run(['history', 'MUG', '--json']).stdout).toBe(before);
      expect(s.run(['verify']).code).toBe(0);
    },
  );
});

describe('2. only a regular file is ever replaced', () => {
  it('a symlink is followed: its target gets the export, the link stays a link', () => {
    const s = shop();
    writeFileSync(join(s.dir, 'target.csv'), 'old\n');
    symlinkSync('target.csv', join(s.dir, 'link.csv'));
    const r = sh(`$INV export -o link.csv --force`, s);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(s.dir, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(s.dir, 'target.csv'), 'utf8')).toMatch(
      /^sku,name,quantity,lowStock\nMUG,Mug,4,\nTEE,,3,\n$/,
    );
    // Nothing left beside it.
    expect(readdirSync(s.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('/dev/stdout and - are written through, with the summary on stderr, not in the data', () => {
    const s = shop();
    for (const out of ['/dev/stdout', '-']) {
      const r = sh(`$INV export -o ${out} --force | cat`, s);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('sku,name,quantity,lowStock\nMUG,Mug,4,\nTEE,,3,\n');
      expect(r.stderr).toMatch(/exported 2 SKUs/);
    }
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
    // A backup to stdout is the store's bytes, whole, and they open as a store.
    const b = spawnSync(process.execPath, [BIN, '--db', s.db, 'backup', '-'], { env: { ...BASE_ENV, HOME: s.dir } });
    expect(b.status, String(b.stderr)).toBe(0);
    writeFileSync(join(s.dir, 'piped.db'), b.stdout);
    expect(s.run(['--db', join(s.dir, 'piped.db'), 'verify']).code).toBe(0);
  });

  it('backup /dev/null --force leaves /dev/null a device', () => {
    const s = shop();
    const r = s.run(['backup', '/dev/null', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a FIFO is written through to its reader, never replaced', async () => {
    const s = shop();
    const fifo = join(s.dir, 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d) => {
      got += d;
    });
    const r = s.run(['export', '-o', fifo]);
    await new Promise((res) => reader.on('close', res));
    expect(r.code, r.stderr).toBe(0);
    expect(got).toBe('sku,name,quantity,lowStock\nMUG,Mug,4,\nTEE,,3,\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
  });
});

describe('3. a result that cannot be written after a commit', () => {
  it('> /dev/full: the order is placed, stderr says so, exit 6, no stack trace', () => {
    const s = shop();
    const r = sh(`$INV order place --item TEE:1 --provider card --id B --json --now ${NOW} > /dev/full`, s);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(
      /^inv: order "B" was placed \(on-payment\), but the result could not be written to stdout: the disk is full \(ENOSPC\)\n$/,
    );
    expect(s.run(['order', 'show', 'B', '--json', '--now', NOW]).json.status).toBe('pending');
  });

  it('> /dev/full for stock, export, import --json and apply: exit 6 with what was done, never a stack', () => {
    const s = shop();
    for (const [line, said] of [
      ['$INV stock', /could not be written to stdout: the disk is full \(ENOSPC\); nothing was changed/],
      ['$INV stock --json', /nothing was changed/],
      ['$INV export', /nothing was changed/],
      [
        "printf 'sku,quantity\\nCAP,2\\n' | $INV import - --json",
        /the import of stdin was applied \(1 created, 0 updated\), but the result could not be written/,
      ],
      [
        'printf \'{"type":"stock-add","sku":"TEE","delta":1}\\n\' | $INV apply -',
        /stdout failed \(the disk is full \(ENOSPC\)\): 1 events were read up to line 1, 1 of them applied, and 0 result lines were written/,
      ],
    ] as const) {
      const r = sh(`${line} > /dev/full`, s);
      expect(r.code, `${line}: ${r.stderr}`).toBe(6);
      expect(r.stderr).toMatch(said);
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(s.run(['stock', 'CAP', 'TEE', '--json']).json.items.map((i: { onHand: number }) => i.onHand)).toEqual([
      2, 4,
    ]);
  });

  it('apply | head -1 stops reading at the broken pipe and never exits 0', () => {
    const s = shop();
    const file = join(s.dir, 'big.ndjson');
    writeFileSync(
      file,
      `${Array.from({ length: 100_000 }, () => JSON.stringify({ type: 'stock-add', sku: 'TEE', delta: 1 })).join('\n')}\n`,
    );
    const r = sh(`$INV apply big.ndjson | head -1`, s);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    const m = /(\d[\d,]*) of them applied/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const applied = Number(m![1].replace(/,/g, ''));
    expect(applied).toBeLessThan(100_000);
    // What it says it applied is what the store holds.
    expect(s.run(['stock', 'TEE', '--json']).json.items[0].onHand).toBe(3 + applied);
  });

  it('a reader that goes away from a read command still ends quietly (exit 0)', () => {
    const s = shop();
    expect(sh('$INV stock | head -c 1 > /dev/null', s)).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('4. a line too long to be stock data', () => {
  it('a 50 MB line is refused naming the line, in flat memory, leaving no scratch folder; --max-line-size raises the cap', () => {
    const s = tempStore();
    const tmp = join(s.dir, 'tmp');
    mkdirSync(tmp);
    const big = join(s.dir, 'big.csv');
    writeFileSync(big, `sku,quantity,notes\nA,1,x\nB,2,${'n'.repeat(50 << 20)}\nC,3,y\n`);
    const time = existsSync('/usr/bin/time');
    const r = spawnSync(
      time ? '/usr/bin/time' : process.execPath,
      [...(time ? ['-f', '%M', process.execPath] : []), BIN, '--db', s.db, 'import', big],
      {
        env: { ...BASE_ENV, HOME: s.dir, TMPDIR: tmp },
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/big\.csv: line 3: the line is longer than 1,048,576 characters/);
    expect(r.stderr).toMatch(/--max-line-size/);
    if (time) expect(Number(r.stderr.trim().split('\n').pop())).toBeLessThan(400_000); // KiB: the whole line never sits in memory
    expect(readdirSync(tmp)).toEqual([]);
    expect(s.run(['stock', '--json']).json.items).toEqual([]);
    const two = join(s.dir, 'two.csv');
    writeFileSync(two, `sku,quantity,notes\nA,1,${'n'.repeat(2 << 20)}\n`);
    expect(s.run(['import', two]).code).toBe(2);
    expect(s.run(['import', two, '--max-line-size', '4M']).code).toBe(0);
    expect(s.run(['import', two, '--max-line-size', 'lots']).code).toBe(2);
  });

  it('a JSON element or NDJSON line beyond the cap is refused the same way', () => {
    const s = tempStore();
    const json = join(s.dir, 'big.json');
    writeFileSync(json, `[{"sku":"A","quantity":1,"notes":"${'n'.repeat(2 << 20)}"}]`);
    expect(s.run(['import', json]).stderr).toMatch(/line 1: the line is longer than/);
    const nd = join(s.dir, 'big.ndjson');
    writeFileSync(nd, `{"sku":"A","quantity":1}\n{"sku":"B","quantity":1,"n":"${'n'.repeat(2 << 20)}"}\n`);
    const r = s.run(['import', nd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2: the line is longer than/);
  });
});

describe('5. spreadsheet formulas in exports', () => {
  it('cells that a spreadsheet would run get a leading quote; the export imports back to the same names', () => {
    const s = tempStore();
    const names = [
      '=HYPERLINK("http://evil.example","x")',
      '+CMD|calc',
      '-2+3',
      '@SUM(A1)',
      '\tTab',
      "'=quoted already",
      'plain',
    ];
    for (const [i, n] of names.entries()) s.run(['stock', 'set', `S${i}`, String(i), '--name', n]);
    s.run(['stock', 'set', '=SKU', '1']);
    const csv = s.run(['export']).stdout;
    expect(csv).toContain(`S0,"'=HYPERLINK(""http://evil.example"",""x"")",0,`);
    expect(csv).toContain("S1,'+CMD|calc,1,");
    expect(csv).toContain("S2,'-2+3,2,");
    expect(csv).toContain("S3,'@SUM(A1),3,");
    expect(csv).toContain("S5,''=quoted already,5,");
    expect(csv).toContain('S6,plain,6,');
    expect(csv).toContain("'=SKU,,1,");
    const t = tempStore();
    expect(t.run(['import', '-'], { input: csv }).code).toBe(0);
    expect(t.run(['stock', '--json']).stdout).toBe(s.run(['stock', '--json']).stdout);
  });
});

describe('6. one SKU, one spelling', () => {
  const NFC = 'CAF\u00c9';
  const NFD = 'CAFE\u0301';

  it('NFC and NFD spellings are the same SKU at every entry: flags, apply, import', () => {
    const s = tempStore();
    expect(s.run(['stock', 'set', NFC, '1']).code).toBe(0);
    expect(s.run(['stock', 'add', NFD, '2']).code).toBe(0);
    const input = `${JSON.stringify({ type: 'stock-add', sku: NFD, delta: 3 })}\n`;
    expect(s.run(['apply', '-'], { input }).code).toBe(0);
    expect(s.run(['import', '-', '--add'], { input: `sku,quantity\n${NFD},4\n` }).code).toBe(0);
    expect(s.run(['stock', '--json']).json.items).toMatchObject([{ sku: NFC, onHand: 10 }]);
    // Two spellings in one file are the same SKU twice: the repeated-SKU rule applies.
    const r = s.run(['import', '-', '--json'], { input: `sku,quantity\n${NFC},1\n${NFD},2\n` });
    expect(r.code).toBe(2);
    expect(r.json.error.details.map((d: { line: number }) => d.line)).toEqual([2, 3]);
  });

  it('invisible and bidi control characters in a SKU are refused (exit 2), in flags and in files', () => {
    const s = tempStore();
    for (const sku of ['MUG\u200b', '\u202eGUM', '\ufeffMUG', 'MU\u00adG', 'MUG\u2066']) {
      const r = s.run(['stock', 'set', sku, '1']);
      expect(r.code, JSON.stringify(sku)).toBe(2);
      expect(r.stderr).toMatch(/invisible formatting character \(U\+[0-9A-F]{4}\)/);
      expect(s.run(['import', '-'], { input: `sku,quantity\n${sku},1\n` }).code).toBe(2);
    }
    expect(s.run(['stock', '--json']).json.items).toEqual([]);
  });

  itOnSqlite('verify reports SKUs of an existing store that are not normalised (exit 5)', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'FINE', '1']);
    const db = new Database(s.db);
    db.prepare(`INSERT INTO skus (sku, name) VALUES (?, '')`).run(NFD);
    db.prepare(`INSERT INTO skus (sku, name) VALUES (?, '')`).run('ZW\u200bSP');
    db.close();
    const r = s.run(['verify', '--json']);
    expect(r.code).toBe(5);
    expect(r.json.problems.map((p: { sku: string }) => p.sku).sort()).toEqual([NFD, 'ZW\u200bSP'].sort());
    expect(r.json.problems.find((p: { sku: string }) => p.sku === NFD).message).toMatch(/not in Unicode NFC/);
  });
});

describe('7. ambiguous files are refused, naming the column or line', () => {
  it('a column named twice, two names for one column, a row with more fields than the header', () => {
    const s = tempStore();
    for (const [input, said] of [
      ['sku,sku,quantity\nA,B,1\n', /column "sku" appears 2 times \(columns 1, 2\)/],
      ['sku,quantity,quantity\nA,1,2\n', /column "quantity" appears 2 times \(columns 2, 3\)/],
      ['sku,qty,quantity\nA,1,2\n', /"qty" \(column 2\) and "quantity" \(column 3\) both name the same column/],
      ['Handle,Title,Location,SKU,SKU,On hand\nh,t,Shop,A,B,1\n', /column "SKU" appears 2 times/],
    ] as const) {
      const r = s.run(['import', '-', '--json'], { input });
      expect(r.code, input).toBe(2);
      expect(r.stderr).toMatch(said);
      expect(r.json.error.details[0].line).toBe(1);
    }
    const r = s.run(['import', '-', '--json'], { input: 'sku,name,quantity\nA,Mug, large,5\nB,Cup,2\nC,Cap,1,,\n' });
    expect(r.code).toBe(2);
    expect(r.json.error.details).toEqual([
      expect.objectContaining({
        line: 2,
        message: expect.stringMatching(/the row has 4 fields but the header names 3/),
      }),
    ]);
    expect(s.run(['stock', '--json']).json.items).toEqual([]);
  });
});

describe('8. values that would break later are refused when set', () => {
  it('provider set with a window beyond a year exits 2 and changes nothing; orders for card still work', () => {
    const s = shop();
    for (const args of [
      ['--window', '300000000d'],
      ['--delay-median', '400d'],
      ['--delay-p95', '2000w'],
    ]) {
      const r = s.run(['provider', 'set', 'card', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/longer than a year/);
    }
    expect(s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--now', NOW]).code).toBe(0);
  });

  itOnSqlite(
    'a provider damaged in an existing store fails only the events that use it; the apply stream goes on',
    () => {
      const s = shop();
      const db = new Database(s.db);
      db.prepare(`INSERT INTO providers (name, doc) VALUES ('boleto', ?)`).run(
        JSON.stringify({ name: 'boleto', windowHours: 7.2e9 }),
      );
      db.close();
      const input = [
        { type: 'place', id: 'X1', provider: 'boleto', items: [{ sku: 'TEE', qty: 1 }], at: NOW },
        { type: 'place', id: 'X2', provider: 'card', items: [{ sku: 'TEE', qty: 1 }], at: NOW },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n');
      const r = s.run(['apply', '-'], { input });
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.ok)).toEqual([false, true]);
      expect(lines[0].error.message).toMatch(/the provider "boleto" .*payment window/);
      expect(r.code).toBe(4);
      expect(r.stderr).not.toMatch(STACK);
      // And it can be mended.
      expect(s.run(['provider', 'set', 'boleto', '--window', '5d']).code).toBe(0);
      expect(s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'boleto', '--now', NOW]).code).toBe(0);
    },
  );
});

describe('9. damaged stores: exit 4 naming the damage; verify checks every stored value', () => {
  const damage = (sql: string) => {
    const s = shop();
    const db = new Database(s.db);
    db.exec(sql);
    db.close();
    return s;
  };

  itOnSqlite('user_version set to 0 on an inv store', () => {
    const s = damage('PRAGMA user_version = 0');
    const r = s.run(['stock']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^inv: the store .* is damaged \(its schema version is 0/);
  });

  itOnSqlite('a dropped table', () => {
    const s = damage('DROP TABLE pending');
    const r = s.run(['order', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/damaged \(its table pending is missing\)/);
  });

  itOnSqlite('invalid JSON in an order row: that order fails with exit 4, verify exits 5 naming it', () => {
    const s = damage(`UPDATE orders SET lines = '[["MUG", 1' WHERE id = 'A'`);
    const r = s.run(['order', 'show', 'A']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the lines of order "A" are not valid JSON/);
    expect(r.stderr).not.toMatch(STACK);
    const v = s.run(['verify', '--json']);
    expect(v.code).toBe(5);
    expect(v.json.problems.map((p: { message: string }) => p.message)).toContain(
      'the lines of order "A" are not valid JSON',
    );
  });

  itOnSqlite('an unknown base mode: orders are refused (exit 4), verify exits 5', () => {
    const s = damage(`UPDATE settings SET value = 'bogus' WHERE key = 'base_mode'`);
    const r = s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'Z', '--now', NOW]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/the base mode is "bogus", not a mode/);
    expect(s.run(['order', 'show', 'Z']).code).toBe(3);
    const v = s.run(['verify', '--json']);
    expect(v.code).toBe(5);
    expect(v.json.problems[0].message).toMatch(/base mode is "bogus"/);
  });

  itOnSqlite('verify exits 5 for garbage order lines, statuses, modes and movement reasons', () => {
    const s = damage(`
      UPDATE orders SET lines = '[["NOPE", 0]]', status = 'lost', mode = 'maybe' WHERE id = 'A';
      UPDATE movements SET reason = 'gremlins' WHERE id = 1;`);
    const v = s.run(['verify', '--json']);
    expect(v.code).toBe(5);
    const said = v.json.problems.map((p: { message: string }) => p.message).join('\n');
    expect(said).toMatch(/order "A" has the status "lost"/);
    expect(said).toMatch(/the mode of order "A" is "maybe"/);
    expect(said).toMatch(/order "A" has a line that is not \[SKU, quantity\]/);
    expect(said).toMatch(/1 movements have the reason "gremlins"/);
  });

  itOnSqlite('a header SQLite would open read-only is damaged, not a permission problem', () => {
    const s = shop();
    const bytes = readFileSync(s.db);
    bytes[18] = 7; // file format write version
    writeFileSync(s.db, bytes);
    const r = s.run(['stock', 'set', 'MUG', '3']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/damaged \(its header gives an unknown file format write version, 7\)/);
    expect(r.stderr).not.toMatch(/permission/);
  });
});

describe('10. Ctrl-C while blocked on a FIFO with no writer', () => {
  for (const args of [['import'], ['apply'], ['simulate', '--trials', '1', '--scenario']] as const) {
    it(`inv ${args.join(' ')} FIFO exits 130 on Ctrl-C`, async () => {
      const s = tempStore();
      const fifo = join(s.dir, 'in.fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const p = spawn(process.execPath, [BIN, '--db', s.db, ...args, fifo], { env: { ...BASE_ENV, HOME: s.dir } });
      let err = '';
      p.stderr.on('data', (d) => {
        err += d;
      });
      // Ctrl-C once inv holds the FIFO open (blocked on it), however slowly it started: not after a fixed delay.
      const holds = () => {
        try {
          return readdirSync(`/proc/${p.pid}/fd`).some((fd) => {
            try {
              return readlinkSync(`/proc/${p.pid}/fd/${fd}`) === fifo;
            } catch {
              return false;
            }
          });
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 500 && !holds(); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      p.kill('SIGINT');
      const code = await Promise.race([
        new Promise((r) => p.on('close', r)),
        new Promise((r) => setTimeout(() => r('hung'), 8000)),
      ]);
      if (code === 'hung') p.kill('SIGKILL');
      expect(code).toBe(130);
      // Nothing was read, so nothing was changed: whatever was under way is rolled back.
      expect(err).toMatch(
        /^inv: interrupted; (nothing was changed|the change under way was rolled back|the events reported as applied stay applied; those under way were rolled back)\n$/,
      );
    });
  }

  it('restore of a FIFO is refused at once (exit 2)', () => {
    const s = tempStore();
    const fifo = join(s.dir, 'b.fifo');
    spawnSync('mkfifo', [fifo]);
    const r = spawnSync(process.execPath, [BIN, '--db', s.db, 'restore', fifo, '--yes'], {
      env: { ...BASE_ENV, HOME: s.dir },
      encoding: 'utf8',
      timeout: 8000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a regular file/);
  });
});

describe('11. exit codes and words that say what really happened', () => {
  const asRoot = process.getuid?.() === 0;
  const runAs = (args: string[], home: string) =>
    spawnSync(process.execPath, [asRoot ? sharedBin() : BIN, ...args], {
      env: { ...BASE_ENV, HOME: home },
      encoding: 'utf8',
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });

  it('import --dry-run and init on a read-only store exit 0 and write nothing', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const db = join(dir, 'store.db');
    spawnSync(process.execPath, [BIN, '--db', db, 'init', '--sample'], { env: { ...BASE_ENV, HOME: dir } });
    writeFileSync(join(dir, 'in.csv'), 'sku,quantity\nMUG,9\n');
    chmodSync(join(dir, 'in.csv'), 0o644);
    chmodSync(db, 0o444);
    const bytes = readFileSync(db);
    const dry = runAs(['--db', db, 'import', join(dir, 'in.csv'), '--dry-run', '--json'], dir);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, updated: 1 });
    const init = runAs(['--db', db, 'init'], dir);
    expect(init.status, init.stderr).toBe(0);
    expect(runAs(['--db', db, 'import', join(dir, 'in.csv')], dir).status).toBe(4);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it('--db /dev/null is not a store, and no /dev/null-journal appears', () => {
    const s = tempStore();
    const had = existsSync('/dev/null-journal');
    const r = s.run(['--db', '/dev/null', 'stock']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/\/dev\/null is not a regular file/);
    expect(existsSync('/dev/null-journal')).toBe(had);
  });

  it('import - < folder says stdin is a folder', () => {
    const s = tempStore();
    const r = sh(`$INV import - < "${s.dir}"`, s);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin is a folder/);
  });

  it('--now "", INV_NOW="" and INV_DB="" are refused, not taken for the default', () => {
    const s = tempStore();
    expect(s.run(['mode', '--now', '']).stderr).toMatch(/--now is empty/);
    expect(s.run(['mode'], { env: { INV_NOW: '' } }).code).toBe(2);
    const r = sh(`INV_DB= "${process.execPath}" "${BIN}" stock set X 1`, s);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INV_DB is empty/);
    expect(existsSync(join(s.dir, 'xdg', 'inv', 'inventory.db'))).toBe(false);
    expect(existsSync(join(s.dir, '.local', 'share', 'inv', 'inventory.db'))).toBe(false);
  });

  it('Ctrl-C in simulate says nothing was changed, not that anything was rolled back', async () => {
    const s = tempStore();
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'simulate', '--trials', '100000', '--seed', '1'], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    await new Promise((r) => setTimeout(r, 600));
    p.kill('SIGINT');
    expect(await new Promise((r) => p.on('close', r))).toBe(130);
    expect(err).toMatch(/interrupted; nothing was changed/);
    expect(err).not.toMatch(/rolled back/);
  });

  itOnSqlite('apply on a disk that fills mid-stream says which line stopped it and how many were applied', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '1']);
    const input = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ type: 'stock-set', sku: `SKU-${i}-${'x'.repeat(40)}`, qty: i, name: 'n'.repeat(200) }),
    ).join('\n');
    writeFileSync(join(s.dir, 'big.ndjson'), input);
    const r = sh(`ulimit -f 400; trap '' XFSZ; $INV apply big.ndjson`, s);
    expect(r.code).toBe(4);
    const ok = r.stdout.split('\n').filter(Boolean).length;
    expect(r.stderr).toMatch(
      new RegExp(
        `line ${ok + 1} was not applied: .*; ${ok.toLocaleString('en-US')} events were applied up to line ${ok}`,
      ),
    );
    expect(r.stderr).not.toMatch(/nothing was changed/);
  });
});

describe('11. reads on a full disk', () => {
  itOnSqlite('say the store could not be read, and that SQLite needs room; the file is untouched', () => {
    const s = shop();
    const mnt = join(s.dir, 'full');
    mkdirSync(mnt);
    const size = statSync(s.db).size;
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size + 8192}`, 'tmpfs', mnt]).status === 0;
    if (!mounted) {
      console.warn('skipped: cannot mount a small tmpfs here (needs root)');
      return;
    }
    try {
      // The store alone on a disk with no room left for its WAL index.
      const db = join(mnt, 'store.db');
      writeFileSync(db, readFileSync(s.db));
      spawnSync('bash', ['-c', `dd if=/dev/zero of="${mnt}/fill" bs=1k 2>/dev/null; true`]);
      const r = spawnSync(process.execPath, [BIN, '--db', db, 'stock'], {
        env: { ...BASE_ENV, HOME: s.dir },
        encoding: 'utf8',
      });
      expect(r.status).toBe(4);
      expect(r.stderr).toMatch(/could not be read .*needs a little room on the disk even to read/);
      expect(r.stderr).not.toMatch(/could not be written/);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
