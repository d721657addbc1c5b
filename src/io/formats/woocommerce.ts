/**
 * WooCommerce's product CSV export (SPEC section 4): `ID`, `Type`, `SKU`,
 * `Name`, `In stock?`, `Stock`, `Parent`. An empty `Stock` means the product
 * does not manage stock: skipped. A negative Stock is a backorder.
 */
import { cell, emit, type Header, type Layout, type Sink } from '../rows.js';

export function isWooCommerce(h: Header): boolean {
  return h.has('sku') && h.has('stock') && h.has('in stock?', 'parent', 'type', 'backorders allowed?');
}

export function wooCommerce(h: Header): Layout | { missing: string[] } {
  const sku = h.find('sku');
  const stock = h.find('stock');
  const missing: string[] = [];
  if (sku < 0) missing.push('SKU column (SKU)');
  if (stock < 0) missing.push('quantity column (Stock)');
  if (missing.length) return { missing };
  const id = h.find('id');
  const name = h.find('name');
  const layout: Layout = {
    label: 'woocommerce (product CSV)',
    hasLocations: false,
    skuColumn: h.name(sku),
    quantityColumn: h.name(stock),
    map(cells: string[], line: number, sink: Sink) {
      const s = cell(cells, sku);
      if (s.trim() === '') return sink.skip(line, 'no-sku');
      const q = cell(cells, stock);
      if (q.trim() === '') return sink.skip(line, 'not-tracked');
      const product = cell(cells, id).trim();
      emit(
        sink,
        layout,
        { line, sku: s, quantity: q, name: cell(cells, name).trim(), product: product === '' ? null : product },
        h.name(name),
      );
    },
    flush() {},
  };
  return layout;
}
