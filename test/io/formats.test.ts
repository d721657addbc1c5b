import { describe, expect, it } from 'vitest';
import type { ImportRow } from '../../src/core/ports.js';
import { openCsv, type CsvFormat } from '../../src/io/formats/index.js';
import { Header, type Layout, type Refusal, type Sink, type SkipReason } from '../../src/io/rows.js';

/** Runs records through a format's layout; returns what came out, in order. */
function map(format: CsvFormat, header: string, records: string[][]) {
  const layout = openCsv(format, new Header(header.split(','))).layout as Layout;
  const out: (ImportRow | { skip: SkipReason; line: number } | { refused: Refusal })[] = [];
  const sink: Sink = {
    row: (r) => out.push(r),
    skip: (line, skip) => out.push({ skip, line }),
    refuse: (refused) => out.push({ refused }),
  };
  records.forEach((cells, i) => {
    layout.map(cells, i + 2, sink);
  });
  layout.flush(sink);
  return { layout, out };
}

describe('Shopify inventory export', () => {
  const header =
    'Handle,Title,Option1 Name,Option1 Value,SKU,Location,Available (not editable),On hand (current),On hand (new)';

  it('takes the first non-empty of On hand (new), On hand (current); skips not stocked and rows without SKU', () => {
    const { layout, out } = map('shopify', header, [
      ['mug', 'Mug', 'Colour', 'Blue', 'MUG-B', 'Shop', '4', '5', '7'],
      ['mug', 'Mug', 'Colour', 'Blue', 'MUG-B', 'Warehouse', '9', '10', ''],
      ['mug', 'Mug', 'Colour', 'Red', 'MUG-R', 'Shop', 'not stocked', 'Not stocked', ''],
      ['hat', 'Hat', 'Title', 'Default Title', '', 'Shop', '1', '1', ''],
    ]);
    expect(layout.label).toBe('shopify (inventory export, current layout)');
    expect(out).toEqual([
      expect.objectContaining({ sku: 'MUG-B', qty: 7, location: 'Shop', product: 'mug', name: 'Mug / Blue', line: 2 }),
      expect.objectContaining({ sku: 'MUG-B', qty: 10, location: 'Warehouse', line: 3 }),
      { skip: 'not-stocked', line: 4 },
      { skip: 'no-sku', line: 5 },
    ]);
  });

  it('names the column of a bad quantity as it is written', () => {
    const { out } = map('shopify', header, [['mug', 'Mug', '', '', 'MUG', 'Shop', '1', '2.5', '']]);
    expect(out).toEqual([
      {
        refused: {
          line: 2,
          column: 'On hand (current)',
          value: '2.5',
          message: 'quantity "2.5" is not a whole number',
        },
      },
    ]);
  });
});

describe('Wix catalog_products.csv', () => {
  const header = 'handleId,fieldType,name,sku,inventory,productOptionDescription1';

  it('skips a Product row that has Variant rows; a lone Product row carries its own stock, also at the end', () => {
    const { out } = map('wix', header, [
      ['p1', 'Product', 'Tee ', '', '0', 'S;M'],
      ['p1', 'Variant', '', 'TEE-S', '3', 'S'],
      ['p1', 'Variant', '', 'TEE-M', 'OutOfStock', 'M'],
      ['p2', 'Product', 'Dice', 'DICE', 'InStock', ''],
      ['p3', 'Product', 'Oil', 'OIL', '48', ''],
    ]);
    expect(out).toEqual([
      { skip: 'placeholder', line: 2 },
      expect.objectContaining({ sku: 'TEE-S', qty: 3, name: 'Tee / S', product: 'p1' }),
      expect.objectContaining({ sku: 'TEE-M', qty: 0, name: 'Tee / M' }),
      { skip: 'not-tracked', line: 5 },
      expect.objectContaining({ sku: 'OIL', qty: 48, name: 'Oil', line: 6 }),
    ]);
  });
});

describe('Shopify product CSV', () => {
  it('variant rows inherit the product title; image rows and untracked variants are skipped', () => {
    const { out } = map(
      'shopify',
      'Handle,Title,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Image Src',
      [
        ['shirt', 'Shirt', 'S', 'SH-S', 'shopify', '2', '10', 'a.jpg'],
        ['shirt', '', 'M', 'SH-M', 'shopify', '-1', '10', ''],
        ['shirt', '', '', '', '', '', '', 'b.jpg'],
        ['cap', 'Cap', 'Default Title', 'CAP', '', '0', '5', ''],
      ],
    );
    expect(out).toEqual([
      expect.objectContaining({ sku: 'SH-S', qty: 2, name: 'Shirt / S', product: 'shirt' }),
      expect.objectContaining({ sku: 'SH-M', qty: -1, name: 'Shirt / M' }),
      { skip: 'not-a-variant', line: 4 },
      { skip: 'not-tracked', line: 5 },
    ]);
  });
});
