/**
 * Wix Stores' product export, catalog_products.csv (SPEC section 4): `handleId`,
 * `fieldType` (Product or Variant), `sku`, `inventory`, often with a BOM. A
 * Product row followed by its Variant rows is a placeholder: the variants carry
 * the stock, so the product row is skipped. `inventory` is a number,
 * `OutOfStock` (0) or `InStock` (stock not tracked).
 */
import { cell, emit, variantName, type Header, type Layout, type Sink } from '../rows.js';

export function isWix(h: Header): boolean {
  return h.has('handleid') && h.has('fieldtype');
}

interface Pending {
  line: number;
  handle: string;
  sku: string;
  inventory: string;
  name: string;
}

export function wix(h: Header): Layout | { missing: string[] } {
  const handle = h.find('handleid');
  const type = h.find('fieldtype');
  const sku = h.find('sku');
  const inv = h.find('inventory');
  const name = h.find('name');
  const missing: string[] = [];
  if (sku < 0) missing.push('SKU column (sku)');
  if (inv < 0) missing.push('quantity column (inventory)');
  if (type < 0) missing.push('fieldType column');
  if (missing.length) return { missing };
  const options = [1, 2, 3, 4, 5, 6].map((n) => h.find(`productoptiondescription${n}`));
  // A Product row is held back until the next row shows whether variants follow.
  let pending: Pending | null = null;
  let product = { handle: '', name: '' };

  const layout: Layout = {
    label: 'wix (catalog_products.csv)',
    hasLocations: false,
    skuColumn: h.name(sku),
    quantityColumn: h.name(inv),
    map(cells: string[], line: number, sink: Sink) {
      const kind = cell(cells, type).trim();
      const hd = cell(cells, handle);
      if (kind === 'Product') {
        release(sink);
        product = { handle: hd, name: cell(cells, name).trim() };
        pending = { line, handle: hd, sku: cell(cells, sku), inventory: cell(cells, inv), name: product.name };
        return;
      }
      if (kind !== 'Variant') {
        release(sink);
        sink.refuse({
          line,
          column: h.name(type),
          value: kind,
          message: `fieldType "${kind}" is neither Product nor Variant`,
        });
        return;
      }
      if (pending !== null && pending.handle === hd) sink.skip(pending.line, 'placeholder');
      else release(sink);
      pending = null;
      const variant = variantName(
        product.handle === hd ? product.name : '',
        options.map((i) => cell(cells, i)),
      );
      take(sink, { line, handle: hd, sku: cell(cells, sku), inventory: cell(cells, inv), name: variant });
    },
    flush(sink: Sink) {
      release(sink);
    },
  };

  function release(sink: Sink): void {
    if (pending !== null) take(sink, pending);
    pending = null;
  }

  function take(sink: Sink, r: Pending): void {
    if (r.sku.trim() === '') {
      sink.skip(r.line, 'no-sku');
      return;
    }
    const v = r.inventory.trim();
    if (v === '' || v.toLowerCase() === 'instock') {
      sink.skip(r.line, 'not-tracked');
      return;
    }
    const quantity = v.toLowerCase() === 'outofstock' ? '0' : r.inventory;
    emit(sink, layout, { line: r.line, sku: r.sku, quantity, name: r.name, product: r.handle });
  }

  return layout;
}
