import { describe, expect, it } from 'vitest';
import { openCsv } from '../../src/io/formats/index.js';
import { Header, parseQuantity, thousands, variantName } from '../../src/io/rows.js';

describe('quantities', () => {
  it('reads whole numbers, signs, spaces and zero decimals', () => {
    expect(parseQuantity('12')).toBe(12);
    expect(parseQuantity(' 7 ')).toBe(7);
    expect(parseQuantity('-3')).toBe(-3);
    expect(parseQuantity('+5')).toBe(5);
    expect(Object.is(parseQuantity('-0'), 0)).toBe(true);
    expect(parseQuantity('10.0000')).toBe(10); // Magento writes decimals
    expect(parseQuantity('-1000000000')).toBe(-1_000_000_000);
  });

  it('refuses fractions, exponents, hex, words and the out of range, saying why', () => {
    expect(parseQuantity('10.55')).toBe('quantity "10.55" is not a whole number');
    expect(parseQuantity('10.10')).toMatch(/not a whole number/);
    for (const t of ['1e3', '0x10', 'ten', '1,000', 'not stocked'])
      expect(parseQuantity(t)).toMatch(/not a whole number/);
    expect(parseQuantity('')).toBe('quantity is empty');
    expect(parseQuantity('1000000001')).toBe('quantity 1000000001 is out of range (±1,000,000,000)');
    expect(parseQuantity('-99999999999999999999')).toMatch(/out of range/);
  });

  it('formats thousands without ICU', () => {
    expect([0, 999, 1000, 1234567, -1000].map(thousands)).toEqual(['0', '999', '1,000', '1,234,567', '-1,000']);
  });
});

describe('headers', () => {
  it('match case-insensitively, ignoring spaces and Shopify\'s " (not editable)"', () => {
    const h = new Header([' SKU ', 'Available (not editable)', 'On hand (new)', 'qty']);
    expect(h.find('sku')).toBe(0);
    expect(h.find('available')).toBe(1);
    expect(h.find('on hand', 'on hand (new)')).toBe(2);
    expect(h.find('quantity', 'qty')).toBe(3);
    expect(h.find('missing')).toBe(-1);
    expect(h.name(0)).toBe('SKU');
  });

  it("auto picks platform signatures before inv's own columns", () => {
    const pick = (cols: string) => openCsv('auto', new Header(cols.split(','))).format;
    expect(pick('sku,name,quantity')).toBe('csv');
    expect(pick('SKU,Qty')).toBe('csv');
    expect(pick('source_code,sku,status,quantity')).toBe('magento');
    expect(pick('ID,Type,SKU,Name,In stock?,Stock')).toBe('woocommerce');
    expect(pick('handleId,fieldType,name,sku,inventory')).toBe('wix');
    expect(pick('Handle,Title,SKU,Location,Incoming,Unavailable,Committed,Available,On hand')).toBe('shopify');
    expect(pick('Handle,Title,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty')).toBe('shopify');
    expect(pick('Title,URL handle,SKU,Inventory tracker,Inventory quantity')).toBe('shopify');
  });

  it('a named format says which columns it misses', () => {
    const r = openCsv('shopify', new Header(['sku', 'name', 'quantity'])).layout;
    expect(r).toEqual({ missing: expect.arrayContaining([expect.stringMatching(/quantity column/)]) });
    expect(openCsv('auto', new Header(['name', 'price'])).layout).toEqual({
      missing: [expect.stringMatching(/SKU/), expect.stringMatching(/quantity/)],
    });
  });

  it('variant names leave out Shopify\'s "Default Title" and empty options', () => {
    expect(variantName('Mug ', ['Blue', '', ' L '])).toBe('Mug / Blue / L');
    expect(variantName('Hat', ['Default Title'])).toBe('Hat');
  });
});
