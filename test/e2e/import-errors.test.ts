/**
 * Bad input to `inv import` (SPEC section 4, issue 4): each gets a clear error,
 * exit 2, one `inv: …` line per problem, the JSON error document with --json,
 * no stack trace, and a store left exactly as it was.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempStore, storeBytes } from '../helpers.js';

const s = tempStore();
s.run(['stock', 'set', 'KEEP', '7', '--name', 'Untouched']);
const file = (name: string, content: string | Buffer) => {
  const path = join(s.dir, name);
  writeFileSync(path, content);
  return path;
};

/** Runs a refused import and checks everything a user would: exit code, stderr, JSON, store bytes. */
function refused(args: string[], input?: string) {
  const before = storeBytes(s.db);
  const r = s.run(['import', ...args, '--json'], { input });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^inv: /m);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.json.error.code).toMatch(/^(INVALID_INPUT|USAGE)$/);
  expect(storeBytes(s.db).equals(before)).toBe(true);
  return {
    ...r,
    error: r.json.error as {
      message: string;
      details: { line: number; column: string; value: string; message: string }[];
    },
  };
}

describe('bad input is refused whole', () => {
  it('an empty file, and one with only a BOM', () => {
    expect(refused([file('empty.csv', '')]).error.message).toMatch(/empty\.csv is empty/);
    expect(refused([file('bom.csv', '\uFEFF')]).error.message).toMatch(/is empty/);
  });

  it('a header with no SKU or no quantity column', () => {
    const r = refused([file('noqty.csv', 'sku,name\nA,x\n')]);
    expect(r.error.message).toMatch(/the header has no quantity column \(quantity, qty, onHand or stock\)/);
    expect(r.error.details).toEqual([expect.objectContaining({ line: 1 })]);
    expect(refused([file('nosku.csv', 'name,quantity\nx,1\n')]).error.message).toMatch(
      /the header has no SKU column \(sku\)/,
    );
    expect(refused([file('wrongfmt.csv', 'sku,quantity\nA,1\n'), '--format', 'wix']).stderr).toMatch(
      /try: check --format/,
    );
  });

  it('a binary file, a non-UTF-8 file and a UTF-16 file', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(refused([file('image.csv', png)]).error.message).toMatch(/image\.csv is a binary file/);
    const latin1 = refused([file('latin1.csv', Buffer.from('sku,name,quantity\nA,ok,1\nB,caf\xe9,2\n', 'latin1'))]);
    expect(latin1.error.message).toMatch(/latin1\.csv is not UTF-8 text.*\(line 3\)/);
    expect(latin1.error.details).toEqual([expect.objectContaining({ line: 3 })]);
    expect(refused([file('utf16.csv', Buffer.from('\ufeffsku,quantity\n', 'utf16le'))]).error.message).toMatch(
      /UTF-16/,
    );
  });

  it('a missing file, a folder', () => {
    expect(refused([join(s.dir, 'nope.csv')]).error.message).toMatch(/cannot read .*nope\.csv: no such file/);
    mkdirSync(join(s.dir, 'folder.csv'), { recursive: true });
    expect(refused([join(s.dir, 'folder.csv')]).error.message).toMatch(/is a folder/);
  });

  it('inv-format rows with a missing or empty SKU, each listed with its line', () => {
    const r = refused([file('nosku-rows.csv', 'sku,quantity\n,1\nA,2\n   ,3\nB\n')]);
    expect(r.error.details).toEqual([
      { line: 2, column: 'sku', value: '', message: 'SKU is empty' },
      { line: 4, column: 'sku', value: '   ', message: 'SKU "   " starts or ends with a space' },
      { line: 5, column: 'quantity', value: '', message: 'quantity is empty' },
    ]);
    expect(r.stderr).toMatch(
      /line 2 \[sku\]: SKU is empty\n.*line 4 \[sku\]: .*\n.*line 5 \[quantity\]: quantity is empty\n.*refused: 3 rows cannot be imported; nothing was changed/,
    );
  });

  it('quantities that are not whole numbers or beyond ±1,000,000,000', () => {
    const r = refused([file('qty.csv', 'sku,qty\nA,10.55\nB,1000000001\nC,-1000000001\nD,1e3\nE,-1000000000\n')]);
    expect(r.error.details.map((d) => [d.line, d.value, d.message])).toEqual([
      [2, '10.55', 'quantity "10.55" is not a whole number'],
      [3, '1000000001', 'quantity 1000000001 is out of range (±1,000,000,000)'],
      [4, '-1000000001', 'quantity -1000000001 is out of range (±1,000,000,000)'],
      [5, '1e3', 'quantity "1e3" is not a whole number'],
    ]);
    const magento = refused([file('magento.csv', 'source_code,sku,status,quantity\ndefault,M1,1,10.55\n')]);
    expect(magento.error.details).toEqual([
      { line: 2, column: 'quantity', value: '10.55', message: 'quantity "10.55" is not a whole number' },
    ]);
  });

  it('unbalanced quotes, with the rows refused before them', () => {
    const r = refused([file('quotes.csv', 'sku,name,quantity\nA,x,1.5\nB,"never closed,2\nC,y,3\n')]);
    expect(r.error.details).toEqual([
      expect.objectContaining({ line: 2, message: 'quantity "1.5" is not a whole number' }),
      expect.objectContaining({ line: 3, message: 'unbalanced quotes: a quoted field is never closed' }),
    ]);
  });

  it('JSON that is not an array of objects', () => {
    expect(refused([file('obj.json', '{"sku":"A","quantity":1}')]).error.message).toMatch(
      /not a JSON array of objects/,
    );
    expect(refused([file('nums.json', '[1, 2]')]).error.message).toMatch(/element 1 is not an object/);
    expect(refused([file('cut.json', '[{"sku":"A","quantity":1},')]).error.message).toMatch(/not closed/);
    const fields = refused([
      file('fields.json', '[{"sku":"A","quantity":1.5},\n{"quantity":2},\n{"sku":["B"],"quantity":1}]'),
    ]);
    expect(fields.error.details.map((d) => [d.line, d.column])).toEqual([
      [1, 'quantity'],
      [2, 'sku'],
      [3, 'sku'],
    ]);
    expect(refused(['-', '--format', 'ndjson'], '{"sku":"A","quantity":1}\nnot json\n').error.details).toEqual([
      expect.objectContaining({ line: 2 }),
    ]);
  });

  it('unknown --format and --duplicates values', () => {
    expect(refused([file('ok.csv', 'sku,quantity\nA,1\n'), '--format', 'xlsx']).error.message).toMatch(
      /unknown format "xlsx": use one of auto, csv, json, ndjson, shopify, wix, woocommerce, magento/,
    );
    expect(refused([join(s.dir, 'ok.csv'), '--duplicates', 'max']).error.message).toMatch(
      /--duplicates "max": use sum .* or last/,
    );
  });

  it('the store was never touched', () => {
    expect(s.run(['stock', '--json']).json.items).toEqual([
      expect.objectContaining({ sku: 'KEEP', name: 'Untouched', onHand: 7 }),
    ]);
    expect(s.run(['verify']).code).toBe(0);
  });
});

describe('one report names every bad line', () => {
  it('a bad quantity and a repeated SKU are refused together, in text and in details (issue 12)', () => {
    const r = refused([file('both.csv', 'sku,quantity\nA-1,3\nB-2,x\nC-3,1\nD-4,2\nA-1,4\n')]);
    expect(r.error.details.map((d) => [d.line, d.column])).toEqual([
      [2, 'sku'],
      [3, 'quantity'],
      [6, 'sku'],
    ]);
    expect(r.error.details[1]).toMatchObject({ value: 'x', message: 'quantity "x" is not a whole number' });
    expect(r.error.details[2]).toMatchObject({ value: 'A-1', message: 'SKU "A-1" appears 2 times: lines 2 and 6' });
    expect(r.stderr).toMatch(/line 3 \[quantity\]: quantity "x" is not a whole number\n/);
    expect(r.stderr).toMatch(/line 6 \[sku\]: SKU "A-1" appears 2 times: lines 2 and 6\n/);
    expect(r.error.message).toMatch(/3 rows cannot be imported; nothing was changed/);
    // With --duplicates, only the bad quantity is left to refuse.
    const summed = refused([
      file('both.csv', 'sku,quantity\nA-1,3\nB-2,x\nC-3,1\nD-4,2\nA-1,4\n'),
      '--duplicates',
      'sum',
    ]);
    expect(summed.error.details.map((d) => d.line)).toEqual([3]);
  });
});
