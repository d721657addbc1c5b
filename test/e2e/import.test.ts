/**
 * `inv import` and `inv export` end to end (SPEC section 4): the built binary on
 * temporary stores, with the fixtures in test/fixtures/import.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, itOnSqlite, tempStore, storeBytes } from '../helpers.js';
import { WORKER_FROM_BYTES } from '../../src/store/import-batch.js';

const FIX = resolve(__dirname, '..', 'fixtures', 'import');
const fixture = (name: string) => join(FIX, name);
const NOW = '2026-11-27T10:00:00Z';

type Store = ReturnType<typeof tempStore>;
const items = (s: Store) =>
  // Read at the moment the test acts at: holds placed at NOW must not expire by the real clock.
  s.run(['stock', '--json', '--now', NOW]).json.items as {
    sku: string;
    name: string;
    onHand: number;
    reserved: number;
    lowStock: number | null;
  }[];
const item = (s: Store, sku: string) => items(s).find((i) => i.sku === sku);
const movements = (s: Store, sku: string) =>
  s.run(['history', sku, '--json']).json.movements as { reason: string; onHandDelta: number; note: string }[];

describe("inv's own CSV", () => {
  it('creates SKUs with their names exactly as written, one import movement each, and says what it read', () => {
    const s = tempStore();
    const r = s.run(['import', fixture('names.csv'), '--json', '--now', NOW]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('as csv (inv)');
    expect(r.json).toMatchObject({
      format: 'csv',
      rows: 5,
      created: 5,
      updated: 0,
      unchanged: 0,
      skipped: {},
      skippedLines: [],
      dryRun: false,
    });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand, i.lowStock])).toEqual([
      ['CAP-3', 'Cap\r\ntwo lines', 0, null],
      ['KIT-5', '寿司セット 🍣', -2, null],
      ['MUG-1', 'Mug, blue', 12, 3],
      ['SOAP-4', 'Savon de Marseille® – l’original', 7, 1],
      ['TEE-2', 'The "classic" tee', 5, null],
    ]);
    expect(movements(s, 'MUG-1')).toEqual([
      expect.objectContaining({ reason: 'import', onHandDelta: 12, note: fixture('names.csv') }),
    ]);
    expect(movements(s, 'KIT-5')).toEqual([expect.objectContaining({ reason: 'import', onHandDelta: -2 })]);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('keeps SKUs and names that a database array literal would mangle: backslashes, quotes, braces, NULL', () => {
    const s = tempStore();
    const input = [
      'sku,name,quantity',
      'A\\1,"back\\slash \\""",1',
      '"B{2}","{""a"",NULL}",2',
      'NULL,NULL,3',
      'C,,4',
      '"D,4", \\\\ ,5',
    ].join('\n');
    const r = s.run(['import', '-', '--json'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['A\\1', 'back\\slash \\"', 1],
      ['B{2}', '{"a",NULL}', 2],
      ['C', '', 4],
      ['D,4', ' \\\\ ', 5],
      ['NULL', 'NULL', 3],
    ]);
  });

  it('reads semicolon- and tab-separated files (spreadsheets saved as CSV in much of Europe) and says so', () => {
    const s = tempStore();
    const semi = join(s.dir, 'lager.csv');
    writeFileSync(semi, 'SKU;Name;Quantity\r\nMUG;"Becher; blau, groß";12\r\nTEE;T-Shirt;3\r\n');
    const r = s.run(['import', semi, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('as csv (inv), semicolon-separated');
    const tab = join(s.dir, 'stock.tsv');
    writeFileSync(tab, 'sku\tname\tquantity\nCAP\tCap, red\t4\n');
    expect(s.run(['import', tab]).stderr).toContain('tab-separated');
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['CAP', 'Cap, red', 4],
      ['MUG', 'Becher; blau, groß', 12],
      ['TEE', 'T-Shirt', 3],
    ]);
    // A header that reaches a pipe in pieces is read whole before the separator is picked.
    const piecemeal = spawnSync(
      'bash',
      [
        '-c',
        `(printf 'sku'; sleep 0.3; printf ';name;quantity\\nCUP;Cup;5\\n') | "${process.execPath}" "${BIN}" --db "${s.db}" import -`,
      ],
      { env: { ...BASE_ENV, HOME: s.dir }, encoding: 'utf8' },
    );
    expect(piecemeal.status, piecemeal.stderr).toBe(0);
    expect(item(s, 'CUP')?.onHand).toBe(5);
    // With --format named, the separator is still read off the header, and said.
    const shop = join(s.dir, 'shopify.csv');
    writeFileSync(
      shop,
      'Handle;Title;Variant SKU;Variant Inventory Tracker;Variant Inventory Qty\nmug;Mug;MUG;shopify;20\n',
    );
    const f = s.run(['import', shop, '--format', 'shopify']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain('semicolon-separated');
    expect(item(s, 'MUG')?.onHand).toBe(20);
  });

  it('importing the same file twice changes nothing the second time', () => {
    const s = tempStore();
    s.run(['import', fixture('names.csv')]);
    const again = s.run(['import', fixture('names.csv'), '--json']);
    expect(again.json).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    expect(movements(s, 'MUG-1')).toHaveLength(1);
    expect(s.run(['import', fixture('names.csv')]).stdout).toMatch(/0 created, 0 updated, 5 unchanged/);
  });

  it("absolute by default: updates say old → new; an empty name keeps the SKU's name", () => {
    const s = tempStore();
    s.run(['stock', 'set', 'MUG', '4', '--name', 'Enamel mug', '--now', NOW]);
    s.run(['stock', 'set', 'TEE', '9', '--name', 'Tee', '--now', NOW]);
    const r = s.run(['import', '-', '--now', NOW], {
      input: 'sku,name,quantity\nMUG,,10\nTEE,Tee,9\nNEW,New item,1\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 created, 1 updated, 1 unchanged/);
    expect(r.stdout).toMatch(/MUG\s+Enamel mug\s+onHand 4 → 10/);
    expect(item(s, 'MUG')).toMatchObject({ name: 'Enamel mug', onHand: 10 });
    expect(movements(s, 'MUG').map((m) => [m.reason, m.onHandDelta])).toEqual([
      ['adjust', 4],
      ['import', 6],
    ]);
    expect(movements(s, 'TEE')).toHaveLength(1);
  });

  it('--add adds a delivery; a zero changes nothing; negative quantities are units owed', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'MUG', '4']);
    const r = s.run(['import', '-', '--add', '--json'], { input: 'sku,qty\nMUG,6\nCAP,0\nOWED,-3\n' });
    expect(r.json).toMatchObject({ add: true, created: 2, updated: 1, unchanged: 0 });
    expect(item(s, 'MUG')?.onHand).toBe(10);
    expect(item(s, 'OWED')?.onHand).toBe(-3);
    expect(movements(s, 'CAP')).toEqual([]);
    expect(s.run(['import', '-', '--add', '--json'], { input: 'sku,qty\nMUG,6\n' }).json.updated).toBe(1);
    expect(item(s, 'MUG')?.onHand).toBe(16);
  });

  it('--dry-run lists created and updated (old → new), unchanged and skipped, and writes nothing', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'MUG-1', '2', '--name', 'Old mug']);
    const before = storeBytes(s.db);
    const r = s.run(['import', fixture('names.csv'), '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ dryRun: true, created: 4, updated: 1, unchanged: 0 });
    expect(r.json.changes).toContainEqual(
      expect.objectContaining({
        sku: 'MUG-1',
        created: false,
        before: 2,
        after: 12,
        nameBefore: 'Old mug',
        name: 'Mug, blue',
        lowStockBefore: null,
        lowStock: 3,
      }),
    );
    expect(r.json.changes).toContainEqual(
      expect.objectContaining({ sku: 'KIT-5', created: true, before: null, after: -2 }),
    );
    const human = s.run(['import', fixture('names.csv'), '--dry-run']);
    expect(human.stdout).toMatch(/dry run, nothing written/);
    expect(human.stdout).toMatch(/MUG-1\s+Mug, blue\s+onHand 2 → 12, name "Old mug" → "Mug, blue", lowStock none → 3/);
    expect(storeBytes(s.db).equals(before)).toBe(true);
    expect(items(s)).toHaveLength(1);
  });

  it('JSON arrays and NDJSON (files and stdin) read the same fields', () => {
    const s = tempStore();
    const file = join(s.dir, 'stock.json');
    writeFileSync(
      file,
      JSON.stringify(
        [
          { sku: 'A', name: 'Apple', quantity: 3, lowStock: 1 },
          { SKU: 'B', qty: '-2' },
        ],
        null,
        2,
      ),
    );
    expect(s.run(['import', file, '--json']).json).toMatchObject({ format: 'json', created: 2 });
    const nd = s.run(['import', '-', '--json'], {
      input: '{"sku":"A","onHand":5}\n\n{"sku":"C","stock":1,"lowStock":null}\n',
    });
    expect(nd.stderr).toContain('as ndjson (inv)');
    expect(nd.json).toMatchObject({ format: 'ndjson', created: 1, updated: 1 });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand, i.lowStock])).toEqual([
      ['A', 'Apple', 5, 1],
      ['B', '', -2, null],
      ['C', '', 1, null],
    ]);
    expect(s.run(['import', '-', '--json'], { input: '[{"sku":"D","quantity":1}]' }).json.format).toBe('json');
  });

  it('a SKU twice is refused, naming both lines; --duplicates sum or last resolves it', () => {
    const s = tempStore();
    const input = 'sku,quantity\nA,1\nB,5\nA,2\n';
    const r = s.run(['import', '-', '--json'], { input });
    expect(r.code).toBe(2);
    expect(r.json.error.details).toEqual([
      { line: 2, column: 'sku', value: 'A', message: 'SKU "A" appears 2 times: lines 2 and 4' },
      { line: 4, column: 'sku', value: 'A', message: 'SKU "A" appears 2 times: lines 2 and 4' },
    ]);
    expect(r.stderr).toMatch(/line 2 \[sku\]: SKU "A" appears 2 times/);
    expect(r.stderr).toMatch(/--duplicates sum/);
    expect(items(s)).toEqual([]);
    expect(s.run(['import', '-', '--duplicates', 'sum'], { input }).code).toBe(0);
    expect(item(s, 'A')?.onHand).toBe(3);
    expect(s.run(['import', '-', '--duplicates', 'last'], { input }).code).toBe(0);
    expect(item(s, 'A')?.onHand).toBe(2);
  });
});

describe('a SKU repeated many times', () => {
  it('is named with its first 50 lines and a count, and every row is counted', () => {
    const s = tempStore();
    const input = `sku,quantity\n${'A,1\n'.repeat(60)}`;
    const r = s.run(['import', '-', '--json'], { input });
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/60 rows cannot be imported/);
    expect(r.json.error.details).toHaveLength(50);
    expect(r.json.error.details[0].message).toMatch(/^SKU "A" appears 60 times: lines 2, 3, .*, 51 and 10 more$/);
    expect(r.stderr).toMatch(/… and 10 more refused rows \(the first 50 are listed\)/);
    expect(s.run(['import', '-', '--duplicates', 'sum', '--json'], { input }).json).toMatchObject({
      created: 1,
      duplicatesResolved: 1,
    });
    expect(item(s, 'A')?.onHand).toBe(60);
  });
});

describe('units reserved for unpaid orders', () => {
  function held() {
    const s = tempStore();
    s.run(['stock', 'set', 'MUG', '5', '--now', NOW]);
    s.run(['set-mode', 'on-order']);
    expect(s.run(['order', 'place', '--item', 'MUG:3', '--provider', 'boleto', '--id', 'A', '--now', NOW]).code).toBe(
      0,
    );
    return s;
  }

  it('a row that would leave onHand below them is refused with line, column and value, and nothing changes', () => {
    const s = held();
    const before = storeBytes(s.db);
    const r = s.run(['import', '-', '--json', '--now', NOW], { input: 'sku,quantity\nOTHER,4\nMUG,1\n' });
    // A business rule, as for `inv stock set` below the reserved units: exit 3 (issue 17).
    expect(r.code).toBe(3);
    expect(r.json.error).toMatchObject({
      code: 'BELOW_RESERVED',
      details: [
        {
          line: 3,
          column: 'quantity',
          value: '1',
          message: expect.stringMatching(/MUG: onHand 5 → 1 would fall below the 3 units reserved/),
        },
      ],
    });
    expect(r.stderr).toMatch(/line 3 \[quantity\]: MUG: onHand 5 → 1/);
    expect(storeBytes(s.db).equals(before)).toBe(true);
    for (const q of ['-1', '2'])
      expect(s.run(['import', '-', '--now', NOW], { input: `sku,quantity\nMUG,${q}\n` }).code).toBe(3);
    expect(s.run(['import', '-', '--add', '--now', NOW], { input: 'sku,quantity\nMUG,-3\n' }).code).toBe(3);
    expect(s.run(['stock', 'set', 'MUG', '1', '--now', NOW]).code).toBe(3);
    expect(s.run(['import', '-', '--now', NOW], { input: 'sku,quantity\nMUG,3\n' }).code).toBe(0);
    expect(item(s, 'MUG')).toMatchObject({ onHand: 3, reserved: 3 });
  });

  it('holds past their window no longer count', () => {
    const s = held();
    expect(s.run(['import', '-', '--now', '2026-12-30T00:00:00Z'], { input: 'sku,quantity\nMUG,0\n' }).code).toBe(0);
  });
});

describe('platform exports', () => {
  it('Shopify inventory, current layout: locations summed, not stocked and SKU-less rows skipped and listed', () => {
    const s = tempStore();
    const r = s.run(['import', fixture('shopify-inventory-current.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('as shopify (inventory export, current layout)');
    expect(r.stderr).toMatch(/line 5: skipped, not stocked at this location\nline 7: skipped, no SKU/);
    expect(r.json).toMatchObject({
      format: 'shopify',
      rows: 7,
      created: 4,
      skipped: { 'not-stocked': 1, 'no-sku': 1 },
      skippedLines: [
        { line: 5, reason: 'not-stocked' },
        { line: 7, reason: 'no-sku' },
      ],
    });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['CAN-LAV', 'Candle / Lavender', 3],
      ['LAMP-L-W', 'Lamp / Large / White', 12],
      ['MUG-BLUE', 'Enamel mug / Blue', 17],
      ['NB-A5', 'Notebook, A5 "dotted"', -2],
    ]);
    expect(s.run(['import', fixture('shopify-inventory-current.csv'), '-q']).stderr).toBe('');
  });

  it("--location keeps one location; an unknown one is refused with the file's locations", () => {
    const s = tempStore();
    const r = s.run(['import', fixture('shopify-inventory-current.csv'), '--location', 'Shop', '--json']);
    expect(r.json).toMatchObject({
      created: 2,
      location: 'Shop',
      skipped: { 'other-location': 3, 'not-stocked': 1, 'no-sku': 1 },
    });
    expect(items(s).map((i) => [i.sku, i.onHand])).toEqual([
      ['LAMP-L-W', 12],
      ['MUG-BLUE', 7],
    ]);
    const bad = s.run(['import', fixture('shopify-inventory-current.csv'), '--location', 'shop']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no row of .* is at location "shop"; its locations are "Warehouse", "Shop"/);
    expect(s.run(['import', fixture('names.csv'), '--location', 'Shop']).stderr).toMatch(
      /--location: csv \(inv\) has no locations/,
    );
  });

  it('--strict refuses the rows that would be skipped', () => {
    const s = tempStore();
    const r = s.run(['import', fixture('shopify-inventory-current.csv'), '--strict', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.details.map((d: { line: number }) => d.line)).toEqual([5, 7]);
    expect(r.stderr).toMatch(/line 7: no SKU \(refused by --strict/);
    expect(items(s)).toEqual([]);
  });

  it('Shopify product CSV, current layout: titles inherited, image rows and untracked variants skipped', () => {
    const s = tempStore();
    const r = s.run(['import', fixture('shopify-products-current.csv'), '--json']);
    expect(r.json).toMatchObject({
      created: 3,
      skipped: { 'not-a-variant': 1, 'not-tracked': 1 },
      skippedLines: [
        { line: 4, reason: 'not-a-variant' },
        { line: 5, reason: 'not-tracked' },
      ],
    });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['SH-001-M', 'Linen shirt / M', 8],
      ['SH-001-S', 'Linen shirt / S', 12],
      ['ST-1', 'Sticker', -4],
    ]);
  });

  it('WooCommerce product CSV: empty Stock is not tracked, backorders are negative, non-ASCII names kept', () => {
    const s = tempStore();
    const r = s.run(['import', fixture('woocommerce-products.csv'), '--json']);
    expect(r.stderr).toContain('as woocommerce (product CSV)');
    expect(r.json).toMatchObject({
      format: 'woocommerce',
      rows: 6,
      created: 3,
      skipped: { 'not-tracked': 2, 'no-sku': 1 },
      skippedLines: [
        { line: 3, reason: 'not-tracked' },
        { line: 6, reason: 'not-tracked' },
        { line: 8, reason: 'no-sku' },
      ],
    });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['WOO-MUG', 'Café mug®', 25],
      ['WOO-TEE-M', 'T-shirt ’Classic’ - M', -1],
      ['WOO-TEE-S', 'T-shirt ’Classic’ - S', 4],
    ]);
  });

  it('Magento source items: sources summed, decimals that are whole accepted, --location picks a source', () => {
    const s = tempStore();
    expect(s.run(['import', fixture('magento-sources.csv'), '--json']).json).toMatchObject({
      format: 'magento',
      created: 3,
    });
    expect(items(s).map((i) => [i.sku, i.onHand])).toEqual([
      ['MG-1', 12],
      ['MG-2', 4],
      ['MG-3', 0],
    ]);
    expect(s.run(['import', fixture('magento-sources.csv'), '--location', 'default', '--json']).json).toMatchObject({
      updated: 1,
      unchanged: 1,
    });
    expect(item(s, 'MG-1')?.onHand).toBe(10);
  });

  it('the same SKU on two products is refused unless --duplicates', () => {
    const s = tempStore();
    const input =
      'Handle,Title,SKU,Location,On hand\nring-a,Ring A,R-1,Shop,1\nring-b,Ring B,R-1,Shop,2\nring-a,Ring A,R-2,Shop,1\nring-a,Ring A,R-2,Depot,4\n';
    const r = s.run(['import', '-', '--json'], { input });
    expect(r.code).toBe(2);
    expect(r.json.error.details).toEqual(
      [2, 3].map((line) => ({
        line,
        column: 'SKU',
        value: 'R-1',
        message: 'SKU "R-1" is on 2 products ("ring-a", "ring-b"): lines 2 and 3',
      })),
    );
    expect(s.run(['import', '-', '--duplicates', 'sum'], { input }).code).toBe(0);
    expect(items(s).map((i) => [i.sku, i.onHand])).toEqual([
      ['R-1', 3],
      ['R-2', 5],
    ]);
    expect(s.run(['import', '-', '--duplicates', 'last'], { input }).code).toBe(0);
    expect(item(s, 'R-1')?.onHand).toBe(2);
  });
});

describe('inv export', () => {
  function shop() {
    const s = tempStore();
    expect(s.run(['import', fixture('names.csv')]).code).toBe(0);
    return s;
  }

  it('csv, json and ndjson read back unchanged: into a new store the same stock, into the same store no change', () => {
    const a = shop();
    for (const format of ['csv', 'json', 'ndjson']) {
      const file = join(a.dir, `out.${format}`);
      const e = a.run(['export', '--format', format, '-o', file, '--force', '--json']);
      expect(e.json).toEqual({ file, format, skus: 5 });
      expect(readFileSync(file, 'utf8')).toBe(a.run(['export', '--format', format]).stdout);
      const b = tempStore();
      expect(b.run(['import', file]).code).toBe(0);
      expect(items(b)).toEqual(items(a));
      expect(a.run(['import', file, '--json']).json).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    }
  });

  it("writes inv's CSV with quotes only where needed", () => {
    expect(shop().run(['export']).stdout).toBe(
      'sku,name,quantity,lowStock\nCAP-3,"Cap\r\ntwo lines",0,\nKIT-5,寿司セット 🍣,-2,\nMUG-1,"Mug, blue",12,3\nSOAP-4,Savon de Marseille® – l’original,7,1\nTEE-2,"The ""classic"" tee",5,\n',
    );
  });

  it('-o refuses to overwrite a file without --force; --json alone exports JSON on stdout', () => {
    const s = shop();
    const file = join(s.dir, 'keep.csv');
    writeFileSync(file, 'precious\n');
    const r = s.run(['export', '-o', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/keep\.csv exists already; nothing was written/);
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
    expect(s.run(['export', '-o', file, '--force']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^sku,name,quantity,lowStock\n/);
    expect(JSON.parse(s.run(['export', '--json']).stdout)).toHaveLength(5);
    expect(s.run(['export', '--json', '--format', 'csv']).code).toBe(2);
    expect(tempStore().run(['export', '--format', 'json']).stdout).toBe('[]\n');
    expect(s.run(['export', '--format', 'xml']).code).toBe(2);
  });
});

describe('rows out of key order', () => {
  // stdin is staged by the worker thread, which takes rows out of order aside and
  // merges them at the end; a small file is staged in this thread's TEMP table,
  // row by row. Both must come to the same import, whatever the order of the rows.
  const shuffled = <T>(xs: T[], seed: number): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  const both = (input: string, args: string[]) => {
    const viaFile = tempStore();
    const file = join(viaFile.dir, 'rows.csv');
    writeFileSync(file, input);
    const viaStdin = tempStore();
    const a = viaFile.run(['import', file, '--json', '--now', NOW, ...args]);
    const b = viaStdin.run(['import', '-', '--json', '--now', NOW, ...args], { input });
    // The movements, but for their note: the source's name (the file, or stdin).
    const state = (s: Store) => [
      s.run(['export', '--format', 'ndjson']).stdout,
      ...['K0005', 'K0123', 'K0400', 'K0777'].map((sku) => movements(s, sku).map(({ note: _, ...m }) => m)),
    ];
    return { a, b, same: () => JSON.stringify(state(viaFile)) === JSON.stringify(state(viaStdin)) };
  };

  it('a sorted run, then shuffled rows repeating SKUs of both parts: the same as row by row, for sum, last and refused', () => {
    const lines = ['sku,name,quantity,lowStock'];
    for (let i = 0; i < 300; i++)
      lines.push(`K${String(i).padStart(4, '0')},Sorted ${i},${i % 17},${i % 5 === 0 ? 3 : ''}`);
    lines.push('K0299,,4,'); // a repeat while still in order
    const rest: string[] = [];
    for (let i = 0; i < 900; i++) {
      const k = (i * 7919) % 800; // SKUs of the sorted part and new ones, several times each
      rest.push(
        `K${String(k).padStart(4, '0')},${i % 3 === 0 ? '' : `Late ${i}`},${i % 11},${i % 7 === 0 ? i % 4 : ''}`,
      );
    }
    const input = `${[...lines, ...shuffled(rest, 42)].join('\n')}\n`;
    for (const dup of ['sum', 'last']) {
      const { a, b, same } = both(input, ['--duplicates', dup]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const { source: _a, ...ja } = a.json;
      const { source: _b, ...jb } = b.json;
      expect(jb).toEqual(ja);
      expect(same()).toBe(true);
    }
    const refused = both(input, []);
    expect(refused.a.code).toBe(2);
    expect(refused.b.json.error.details).toEqual(refused.a.json.error.details);
  });

  it("a Shopify inventory export's rows shuffled (several locations per SKU): the same as in order", () => {
    const [head, ...rows] = readFileSync(fixture('shopify-inventory-current.csv'), 'utf8').trimEnd().split('\n');
    const input = `${[head, ...shuffled(rows, 7)].join('\n')}\n`;
    const inOrder = tempStore();
    expect(inOrder.run(['import', fixture('shopify-inventory-current.csv')]).code).toBe(0);
    const out = tempStore();
    const r = out.run(['import', '-', '--json'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(out.run(['export', '--format', 'ndjson']).stdout).toBe(inOrder.run(['export', '--format', 'ndjson']).stdout);
  });
});

describe('large inputs', () => {
  it('a file of 100,000 rows is staged in parallel, applied whole, with no progress bar when stderr is not a terminal', () => {
    const s = tempStore();
    const file = join(s.dir, 'big.csv');
    const n = 100_000;
    const lines = ['sku,name,quantity'];
    for (let i = 0; i < n; i++) lines.push(`SKU-${String(i).padStart(6, '0')},"Item ${i}, boxed",${i % 50}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = s.run(['import', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ rows: n, created: n });
    expect(r.stderr).toBe(`reading ${file} as csv (inv)\n`);
    expect(s.run(['verify']).code).toBe(0);
    // The same file again, through stdin, with one repeated SKU at its very end.
    const dup = s.run(['import', '-', '--json'], { input: `${lines.join('\n')}\nSKU-000007,again,1\n` });
    expect(dup.code).toBe(2);
    expect(dup.json.error.details.map((d: { line: number }) => d.line)).toEqual([9, n + 2]);
  });

  itOnSqlite(
    'a sorted file of 100,000 rows that repeats a SKU on the next line: refused, or summed with --duplicates sum',
    () => {
      const s = tempStore();
      const file = join(s.dir, 'repeat.csv');
      const n = 100_000;
      const lines = ['sku,name,quantity'];
      for (let i = 0; i < n; i++) {
        lines.push(`SKU-${String(i).padStart(6, '0')},Item ${i},${(i % 50) + 1}`);
        if (i === 500) lines.push('SKU-000500,Item 500,7');
      }
      writeFileSync(file, `${lines.join('\n')}\n`);
      const refused = s.run(['import', file, '--json']);
      expect(refused.code).toBe(2);
      expect(refused.json.error.details.map((d: { line: number }) => d.line)).toEqual([502, 503]);
      expect(s.run(['stock', '--json']).json.items).toEqual([]);
      const summed = s.run(['import', file, '--duplicates', 'sum', '--json']);
      expect(summed.code, summed.stderr).toBe(0);
      expect(summed.json).toMatchObject({ rows: n + 1, created: n, updated: 0, unchanged: 0, duplicatesResolved: 1 });
      const mug = s.run(['stock', 'SKU-000500', 'SKU-000501', '--json']).json.items;
      expect(mug.map((i: { onHand: number }) => i.onHand)).toEqual([8, 2]);
    },
  );

  // The next three are about the SQLite store's staging thread and its stages
  // (STAGER_THREAD); on PostgreSQL the same rules are the small files' tests above.
  /** 100,000 sorted rows of inv's CSV, over 2 MiB (staged by the worker thread). */
  function sortedFile(dir: string, name: string, head: string, row: (i: number) => string): string {
    const file = join(dir, name);
    const lines = [head];
    for (let i = 0; i < 100_000; i++) lines.push(row(i));
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(statSync(file).size).toBeGreaterThan(WORKER_FROM_BYTES);
    return file;
  }

  itOnSqlite(
    'a sorted file of 100,000 rows below the units an order holds: refused with its line, nothing changed',
    () => {
      const s = tempStore();
      s.run(['stock', 'set', 'SKU-050000', '5', '--now', NOW]);
      s.run(['set-mode', 'on-order']);
      const placed = s.run([
        'order',
        'place',
        '--item',
        'SKU-050000:3',
        '--provider',
        'boleto',
        '--id',
        'A',
        '--now',
        NOW,
      ]);
      expect(placed.code).toBe(0);
      const sku = (i: number) => `SKU-${String(i).padStart(6, '0')}`;
      const row = (i: number, q: number) => `${sku(i)},Item number ${i},${q}`;
      const low = sortedFile(s.dir, 'low.csv', 'sku,name,quantity', (i) => row(i, i === 50_000 ? 1 : 4));
      const before = storeBytes(s.db);
      const r = s.run(['import', low, '--json', '--now', NOW]);
      expect(r.code).toBe(3);
      expect(r.json.error.details).toMatchObject([{ line: 50_002, value: '1' }]);
      expect(storeBytes(s.db).equals(before)).toBe(true);
      const ok = sortedFile(s.dir, 'ok.csv', 'sku,name,quantity', (i) => row(i, i === 50_000 ? 3 : 4));
      expect(s.run(['import', ok, '--json', '--now', NOW]).json).toMatchObject({ created: 99_999, updated: 1 });
      expect(item(s, 'SKU-050000')).toMatchObject({ onHand: 3, reserved: 3 });
    },
  );

  itOnSqlite(
    'a sorted file of 100,000 rows whose lowStock column is filled only far down: set there, kept or removed elsewhere',
    () => {
      const s = tempStore();
      const sku = (i: number) => `SKU-${String(i).padStart(6, '0')}`;
      const row = (i: number) => `${sku(i)},Item number ${i},${i % 7}`;
      const first = sortedFile(s.dir, 'first.csv', 'sku,name,quantity', row);
      expect(s.run(['import', first, '--now', NOW]).code).toBe(0);
      const lows = sortedFile(s.dir, 'lows.csv', 'sku,name,quantity,lowStock', (i) =>
        i === 90_000 ? `${row(i)},4` : row(i),
      );
      // Only the row with a lowStock changes: the others leave their threshold as it is.
      expect(s.run(['import', lows, '--json', '--now', NOW]).json).toMatchObject({ updated: 1, unchanged: 99_999 });
      expect(item(s, 'SKU-090000')?.lowStock).toBe(4);
      const cleared = sortedFile(s.dir, 'cleared.csv', 'sku,name,quantity,lowStock', (i) =>
        i === 90_000 ? `${row(i)},` : row(i),
      );
      expect(s.run(['import', cleared, '--json', '--now', NOW]).json).toMatchObject({ updated: 1 });
      expect(item(s, 'SKU-090000')?.lowStock).toBe(null);
      expect(s.run(['verify']).code).toBe(0);
    },
  );
});
