/**
 * Hostile input (issue 7): random strings and bytes as arguments and as import
 * files. Whatever comes in, inv answers with exit 0, 2 or 3 (4 for a store it
 * cannot use) and a message — never exit 1, never a stack trace. Runs in-process
 * through main() for speed; FUZZ_RUNS=1000 npm test runs longer.
 */
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { tempDir, tempStore } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

// Random file names (backup, export -o) land in the working folder: make it a temporary one.
const home = process.cwd();
const cwd = tempDir();
beforeAll(() => process.chdir(cwd));
afterAll(() => process.chdir(home));
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

async function run(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write: (c, _e, done) => {
        f(c.toString());
        done();
      },
    });
  const code = await main({
    // HOME and XDG_DATA_HOME point at a temporary folder: no default store is ever touched.
    argv,
    env: { NO_COLOR: '1', INV_BUSY_TIMEOUT: '2000', HOME: cwd, XDG_DATA_HOME: cwd },
    stdin: Readable.from([stdin]),
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  });
  return { code, stdout, stderr };
}

function expectHandled(r: { code: number; stderr: string }, what: string) {
  expect([0, 2, 3, 4, 5], `${what}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr, what).not.toMatch(/internal error/);
  if (r.code !== 0) expect(r.stderr, what).toMatch(/^inv: \S/m);
}

const COMMANDS = [
  ['stock'],
  ['stock', 'show'],
  ['stock', 'set'],
  ['stock', 'add'],
  ['history'],
  ['mode'],
  ['set-mode'],
  ['schedule'],
  ['schedule', 'cancel'],
  ['order', 'place', '--item'],
  ['order', 'place', '--provider', 'card', '--item'],
  ['order', 'pay'],
  ['order', 'fail'],
  ['order', 'cancel'],
  ['order', 'show'],
  ['order', 'list', '--status'],
  ['provider', 'set'],
  ['provider', 'set', 'x', '--window'],
  ['import'],
  ['export', '--format'],
  ['recommend', '--provider'],
  ['recommend', '--provider', 'card', '--traffic'],
  ['simulate', '--hours'],
  ['simulate', '--provider'],
  ['simulate', '--trials'],
  ['backup'],
  ['restore'],
  ['verify'],
  ['expire'],
  ['apply'],
];

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '-',
    '--',
    '-1',
    '1e9',
    '99999999999',
    'NaN',
    '0x1F',
    '../../etc/passwd',
    "'; DROP TABLE skus; --",
    '\u202eevil',
    '\u001b[2J',
    '%s%n',
    'SKU:',
    ':5',
    'A:B:C',
    'on-order',
    'default',
    '2026-02-30',
    'P0D',
    '😀'.repeat(70),
  ),
);

describe('argument parsing never breaks', () => {
  const s = tempStore();
  s.run(['init', '--sample']);

  it('random arguments to every command: exit 0, 2, 3 (or 4/5) with a message, no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COMMANDS),
        fc.array(hostile, { maxLength: 3 }),
        fc.boolean(),
        async (cmd, args, json) => {
          const argv = ['--db', s.db, '--now', '2026-11-20T10:00:00Z', ...(json ? ['--json'] : []), ...cmd, ...args];
          const r = await run(argv);
          expectHandled(r, JSON.stringify(argv));
          if (json && r.code !== 0 && r.stdout) expect(() => JSON.parse(r.stdout)).not.toThrow();
        },
      ),
      { numRuns: RUNS * 4, seed: SEED },
    );
  });

  it('random global options', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (now, db) => {
        const r = await run(['--db', join(s.dir, 'fuzz', db.replace(/\0/g, '')), '--now', now, 'mode']);
        expectHandled(r, JSON.stringify([now, db]));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

describe('import readers never break', () => {
  const s = tempStore();
  const dir = tempDir();
  const headers = [
    'sku,name,quantity',
    'Handle,Title,SKU,Location,On hand',
    'source_code,sku,status,quantity',
    'handleId,fieldType,name,sku,inventory',
    'SKU,Name,Stock,In stock?',
    '',
  ];

  it('random bytes and random CSV bodies: exit 0, 2 or 3, store consistent', async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...headers),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        fc.constantFrom('auto', 'csv', 'json', 'ndjson', 'shopify', 'wix', 'woocommerce', 'magento'),
        async (header, body, format) => {
          const file = join(dir, `f${i++}.csv`);
          writeFileSync(file, header ? `${header}\n${body}` : body, 'latin1');
          const r = await run(['--db', s.db, 'import', file, '--format', format]);
          expectHandled(r, JSON.stringify({ header, body, format }));
        },
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
    expect((await run(['--db', s.db, 'verify'])).code).toBe(0);
  });
});

describe('hostile names and SKUs survive a round trip and print safely', () => {
  const SKUS = [
    'quote"d',
    "it's",
    'semi;colon',
    "x'); DROP TABLE skus;--",
    'emoji-😀',
    '=HYPERLINK("http://x.example","click")',
    'tab-free,comma',
    'ünïcödé®',
    '+CMD|calc',
    "'=already-quoted",
  ];
  const NAMES = [
    'Line one\nLine two',
    'He said "hi", then left',
    '\u202egnp.exe',
    '\u001b[31mred\u001b[0m',
    'semi;colon; SELECT * FROM skus',
    '💥 boom ’quoted’',
    'a\r\nb',
    '@SUM(A1)',
    '-2+3',
    "'",
  ];

  it('stock set → export → import into a new store gives the same items; text output has no escape sequences from data', async () => {
    const a = tempStore();
    const b = tempStore();
    for (const [k, sku] of SKUS.entries()) {
      const r = await run(['--db', a.db, 'stock', 'set', sku, String(k + 1), '--name', NAMES[k % NAMES.length]]);
      expect(r.code, `${sku}: ${r.stderr}`).toBe(0);
    }
    for (const format of ['csv', 'json', 'ndjson']) {
      const file = join(a.dir, `export.${format}`);
      expect((await run(['--db', a.db, 'export', '--format', format, '-o', file, '--force'])).code).toBe(0);
      const imp = await run(['--db', b.db, 'import', file]);
      expect(imp.code, imp.stderr).toBe(0);
      expect((await run(['--db', b.db, 'stock', '--json'])).stdout).toBe(
        (await run(['--db', a.db, 'stock', '--json'])).stdout,
      );
    }
    // The CSV export defuses spreadsheet formulas: no cell starts with = + - @ (issue 17).
    const cells = parseCsv(readFileSync(join(a.dir, 'export.csv'), 'utf8'), { from_line: 2 }) as string[][];
    for (const [sku, name] of cells) for (const text of [sku, name]) expect(text).not.toMatch(/^[=+\-@\t\r]/);
    expect(cells.map((c) => c[0])).toContain(`'=HYPERLINK("http://x.example","click")`);
    expect(cells.map((c) => c[0])).toContain(`''=already-quoted`);
    for (const args of [['stock'], ['stock', 'show', SKUS[3]], ['history', SKUS[5]], ['order', 'list']]) {
      const r = await run(['--db', a.db, ...args]);
      expect(r.code).toBe(0);
      // No ESC, no bidi override, no bare CR from the data reaches the terminal.
      expect(r.stdout).not.toMatch(/[\u001b\u202a-\u202e\u2066-\u2069\r]/);
    }
  });
});
