/**
 * Magento's (MSI) source items CSV (SPEC section 4): `source_code,sku,status,quantity`,
 * one row per SKU and source. Sources are locations: summed, or one kept with
 * --location. Magento writes quantities as decimals: `10.0000` is 10, `10.55`
 * is refused. It carries no names.
 */
import { cell, emit, type Header, type Layout, type Sink } from '../rows.js';

export function isMagento(h: Header): boolean {
  return h.has('source_code') && h.has('sku') && h.has('quantity');
}

export function magento(h: Header): Layout | { missing: string[] } {
  const sku = h.find('sku');
  const qty = h.find('quantity');
  const source = h.find('source_code');
  const missing: string[] = [];
  if (sku < 0) missing.push('SKU column (sku)');
  if (qty < 0) missing.push('quantity column (quantity)');
  if (missing.length) return { missing };
  const layout: Layout = {
    label: 'magento (source items)',
    hasLocations: source >= 0,
    skuColumn: h.name(sku),
    quantityColumn: h.name(qty),
    map(cells: string[], line: number, sink: Sink) {
      const s = cell(cells, sku);
      if (s.trim() === '') return sink.skip(line, 'no-sku');
      emit(sink, layout, {
        line,
        sku: s,
        quantity: cell(cells, qty),
        name: null,
        location: cell(cells, source).trim(),
      });
    },
    flush() {},
  };
  return layout;
}
