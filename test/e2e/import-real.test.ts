/**
 * Real published exports (../shared/real-exports, sources in its README), read
 * in place: no license lets us copy them into the repository. Skipped, with a
 * message saying so, where that folder is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';

const REAL = resolve(__dirname, '..', '..', '..', 'shared', 'real-exports');
const present = existsSync(REAL);
const real = (name: string) => join(REAL, name);
type Store = ReturnType<typeof tempStore>;
const items = (s: Store) => s.run(['stock', '--json']).json.items as { sku: string; name: string; onHand: number }[];
const onHand = (s: Store, sku: string) => items(s).find((i) => i.sku === sku)?.onHand;

if (!present) {
  describe('real exports', () => {
    it.skip(`skipped: ${REAL} is absent (the real exports cannot be copied into the repository)`, () => {});
  });
}

describe.runIf(present)('real exports', () => {
  it('Shopify 2023 inventory export: 631 rows without SKU skipped, two SKUs on two products refused until --duplicates', () => {
    const s = tempStore();
    const file = real('shopify_inventory_export_2023_format.csv');
    const r = s.run(['import', file, '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.details.map((d: { line: number; value: string }) => [d.line, d.value])).toEqual([
      [62, '1013'],
      [367, '25941-93'],
      [368, '25941-93'],
      [861, '1013'],
    ]);
    expect(r.json.error.details[0].message).toBe(
      'SKU "1013" is on 2 products ("18ct-gold-pendant-with-amethyst-surrounded-by-diamonds-1012", "sparkly-18ct-white-gold-pearl-and-diamond-pendant-1013"): lines 62 and 861',
    );
    expect(items(s)).toEqual([]);

    const sum = s.run(['import', file, '--duplicates', 'sum', '--json']);
    expect(sum.code, sum.stderr).toBe(0);
    expect(sum.stderr).toContain('as shopify (inventory export, older layout)');
    expect(sum.json).toMatchObject({ rows: 884, created: 251, skipped: { 'no-sku': 631 }, duplicatesResolved: 2 });
    expect(sum.json.skippedLines).toHaveLength(631);
    expect(sum.json.skippedLines[0]).toEqual({ line: 2, reason: 'no-sku' });
    const all = items(s);
    expect(all.reduce((n, i) => n + i.onHand, 0)).toBe(172);
    expect(all.filter((i) => i.onHand < 0)).toHaveLength(14); // negative on-hand: units owed
    expect(onHand(s, '25941-93')).toBe(2);
    expect(s.run(['verify']).code).toBe(0);
    expect(s.run(['import', file, '--duplicates', 'sum', '--json']).json).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 251,
    });

    expect(s.run(['import', file, '--duplicates', 'last', '--json']).json).toMatchObject({
      updated: 1,
      unchanged: 250,
    });
    expect(onHand(s, '25941-93')).toBe(1);
  });

  it("Shopify's classic product template (CRLF): untracked variants and the image-only row skipped", () => {
    const s = tempStore();
    const r = s.run(['import', real('shopify_product_template_classic.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('as shopify (product CSV, classic layout)');
    expect(r.json).toMatchObject({ rows: 17, created: 4, skipped: { 'not-tracked': 12, 'not-a-variant': 1 } });
    expect(r.json.skippedLines.at(-1)).toEqual({ line: 17, reason: 'not-a-variant' });
    expect(items(s).map((i) => [i.sku, i.name, i.onHand])).toEqual([
      ['HAT_GRY_275', 'Example Beanie', 50],
      ['PNT_DEN_285', 'Example Jeans / 28', 20],
      ['PNT_DEN_305', 'Example Jeans / 30', 15],
      ['PNT_DEN_405', 'Example Jeans / 40', 10],
    ]);
  });

  it("a Wix shop's catalog_products.csv (BOM, quoted line breaks): variants carry the stock, InStock is not tracked", () => {
    const s = tempStore();
    const r = s.run(['import', real('wix_catalog_products_export.csv'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('as wix (catalog_products.csv)');
    expect(r.json).toMatchObject({ rows: 128, created: 84, skipped: { 'no-sku': 25, placeholder: 19 } });
    const placeholders = r.json.skippedLines
      .filter((l: { reason: string }) => l.reason === 'placeholder')
      .map((l: { line: number }) => l.line);
    // Line 31's product spans lines 31–81 (quoted HTML): the next records start at 82 and 86.
    expect(placeholders.slice(0, 5)).toEqual([3, 19, 28, 31, 86]);
    const byId = new Map(items(s).map((i) => [i.sku, i]));
    expect(byId.get('CCC14S')).toMatchObject({
      name: 'The Golden Portal Chain Necklace / Human - 21" Inches',
      onHand: 32,
    });
    expect(byId.get('OILUK')?.onHand).toBe(48);
  });

  it("Magento's source-items sample: decimal quantities refused, each named", () => {
    const s = tempStore();
    const r = s.run(['import', real('magento_msi_stock_sources_sample.csv'), '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.details).toEqual([
      { line: 2, column: 'quantity', value: '10.10', message: 'quantity "10.10" is not a whole number' },
      { line: 3, column: 'quantity', value: '10.55', message: 'quantity "10.55" is not a whole number' },
    ]);
    expect(items(s)).toEqual([]);
  });
});
