/**
 * Shopify (SPEC section 4). Two exports carry stock:
 * - the inventory export, one row per variant and location: the older layout
 *   (`…,Location,Incoming,Unavailable,Committed,Available,On hand`) and the
 *   current one (quantity headers suffixed ` (not editable)`, with
 *   `On hand (current)` and `On hand (new)`). The quantity is the first non-empty
 *   of On hand (new), On hand (current), On hand; `not stocked` is skipped.
 * - the product CSV, one row per variant plus image-only rows: classic
 *   (`Variant SKU`, `Variant Inventory Qty`, `Variant Inventory Tracker`) and
 *   current (`SKU`, `Inventory quantity`, `Inventory tracker`). A variant whose
 *   inventory tracker is empty has no stock to import.
 * The product is the handle, so one SKU on two products is a conflict.
 */
import { cell, emit, variantName, type Header, type Layout, type Sink } from '../rows.js';

const OPTION_VALUES = ['option1 value', 'option2 value', 'option3 value'];

export function isShopify(h: Header): boolean {
  return h.has('handle', 'url handle') && (isInventory(h) || isProductCsv(h));
}

function isInventory(h: Header): boolean {
  return h.has('location') && h.has('on hand', 'on hand (current)', 'on hand (new)', 'available');
}

function isProductCsv(h: Header): boolean {
  return h.has('variant sku', 'variant inventory qty') || (h.has('sku') && h.has('inventory quantity'));
}

export function shopify(h: Header): Layout | { missing: string[] } {
  if (isInventory(h)) return inventory(h);
  if (isProductCsv(h)) return productCsv(h);
  const missing: string[] = [];
  if (!h.has('sku', 'variant sku')) missing.push('SKU column (SKU or Variant SKU)');
  missing.push(
    'quantity column (On hand, On hand (new), On hand (current), Variant Inventory Qty or Inventory quantity)',
  );
  return { missing };
}

function inventory(h: Header): Layout | { missing: string[] } {
  const sku = h.find('sku');
  const qtyCols = [h.find('on hand (new)'), h.find('on hand (current)'), h.find('on hand')].filter((i) => i >= 0);
  if (sku < 0 || qtyCols.length === 0) {
    return { missing: [...(sku < 0 ? ['SKU column (SKU)'] : []), ...(qtyCols.length === 0 ? ['On hand column'] : [])] };
  }
  const handle = h.find('handle', 'url handle');
  const title = h.find('title');
  const location = h.find('location');
  const options = OPTION_VALUES.map((o) => h.find(o));
  const current = h.names.some((n) => /\(not editable\)\s*$/i.test(n)) || h.has('on hand (new)', 'on hand (current)');
  const layout: Layout = {
    label: `shopify (inventory export, ${current ? 'current' : 'older'} layout)`,
    hasLocations: true,
    skuColumn: h.name(sku),
    quantityColumn: h.name(qtyCols[0]),
    map(cells: string[], line: number, sink: Sink) {
      const s = cell(cells, sku);
      if (s.trim() === '') return sink.skip(line, 'no-sku');
      const col = qtyCols.find((i) => cell(cells, i).trim() !== '') ?? qtyCols[qtyCols.length - 1];
      const q = cell(cells, col);
      if (q.trim().toLowerCase() === 'not stocked') return sink.skip(line, 'not-stocked');
      emit(
        sink,
        { skuColumn: layout.skuColumn, quantityColumn: h.name(col) },
        {
          line,
          sku: s,
          quantity: q,
          name: variantName(
            cell(cells, title),
            options.map((i) => cell(cells, i)),
          ),
          location: cell(cells, location).trim(),
          product: cell(cells, handle),
        },
        h.name(title),
      );
    },
    flush() {},
  };
  return layout;
}

function productCsv(h: Header): Layout {
  const classic = h.has('variant sku', 'variant inventory qty');
  const sku = classic ? h.find('variant sku') : h.find('sku');
  const qty = classic ? h.find('variant inventory qty') : h.find('inventory quantity');
  const tracker = classic ? h.find('variant inventory tracker') : h.find('inventory tracker');
  const price = classic ? h.find('variant price') : h.find('price');
  const handle = h.find('handle', 'url handle');
  const title = h.find('title');
  const options = OPTION_VALUES.map((o) => h.find(o));
  // Variant rows after the first leave Title empty: they inherit the product's.
  let lastHandle = '';
  let lastTitle = '';
  const layout: Layout = {
    label: `shopify (product CSV, ${classic ? 'classic' : 'current'} layout)`,
    hasLocations: false,
    skuColumn: h.name(sku),
    quantityColumn: h.name(qty),
    map(cells: string[], line: number, sink: Sink) {
      const hd = cell(cells, handle);
      const t = cell(cells, title);
      if (hd !== lastHandle || t.trim() !== '') {
        lastHandle = hd;
        lastTitle = t;
      }
      const s = cell(cells, sku);
      const q = cell(cells, qty);
      const opts = options.map((i) => cell(cells, i));
      const isVariant =
        s.trim() !== '' ||
        q.trim() !== '' ||
        cell(cells, tracker).trim() !== '' ||
        cell(cells, price).trim() !== '' ||
        opts.some((o) => o.trim() !== '');
      if (!isVariant) return sink.skip(line, 'not-a-variant');
      if (s.trim() === '') return sink.skip(line, 'no-sku');
      if (tracker >= 0 && cell(cells, tracker).trim() === '') return sink.skip(line, 'not-tracked');
      emit(sink, layout, { line, sku: s, quantity: q, name: variantName(lastTitle, opts), product: hd }, h.name(title));
    },
    flush() {},
  };
  return layout;
}
