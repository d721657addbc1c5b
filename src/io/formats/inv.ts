/**
 * inv's own format (SPEC section 4): `sku,name,quantity[,lowStock]` as CSV, or
 * objects with the same fields as a JSON array or NDJSON. What `inv export`
 * writes, read back exactly: names are kept as they are (spaces, line breaks).
 * Every row stands alone, so a SKU twice is a conflict, and a row without a SKU
 * is refused rather than skipped.
 */
import { MAX_QTY } from '../../core/values.js';
import { undefuse } from '../export-format.js';
import { emit, Header, cell, type Layout, type Sink } from '../rows.js';

export const SKU_KEYS = ['sku'];
export const QUANTITY_KEYS = ['quantity', 'qty', 'onhand', 'stock'];
export const NAME_KEYS = ['name'];
export const LOW_KEYS = ['lowstock', 'low stock', 'low_stock'];

/** An empty cell or `none` removes the threshold; otherwise a whole number, 0 or more. */
function lowStock(text: string): number | null | string {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none') return null;
  if (!/^\d+$/.test(t) || Number(t) > MAX_QTY)
    return `lowStock "${text}" is not a whole number from 0 to 1,000,000,000 (or empty for none)`;
  return Number(t);
}

export function invCsv(h: Header): Layout | { missing: string[] } {
  const sku = h.find(...SKU_KEYS);
  const qty = h.find(...QUANTITY_KEYS);
  const missing: string[] = [];
  if (sku < 0) missing.push('SKU column (sku)');
  if (qty < 0) missing.push('quantity column (quantity, qty, onHand or stock)');
  if (missing.length) return { missing };
  const name = h.find(...NAME_KEYS);
  const low = h.find(...LOW_KEYS);
  const layout: Layout = {
    label: 'csv (inv)',
    hasLocations: false,
    skuColumn: h.name(sku),
    quantityColumn: h.name(qty),
    map(cells: string[], line: number, sink: Sink) {
      let lowValue: number | null | undefined;
      if (low >= 0) {
        const v = lowStock(cell(cells, low));
        if (typeof v === 'string') {
          sink.refuse({ line, column: h.name(low), value: cell(cells, low), message: v });
          return;
        }
        lowValue = v;
      }
      emit(sink, layout, {
        line,
        // inv's own exports defuse spreadsheet formulas with a leading ' (io/export-format.ts): undone here.
        sku: undefuse(cell(cells, sku)),
        quantity: cell(cells, qty),
        name: name >= 0 ? undefuse(cell(cells, name)) : null,
        lowStock: lowValue,
      });
    },
    flush() {},
  };
  return layout;
}

/** The same fields as JSON: keys case-insensitive, the quantity a whole number or a string of one. */
export function mapInvObject(o: Record<string, unknown>, line: number, sink: Sink): void {
  const keys = new Map<string, string>();
  for (const k of Object.keys(o)) {
    const key = Header.key(k);
    if (!keys.has(key)) keys.set(key, k);
  }
  const pick = (aliases: string[]): string | undefined => aliases.map((a) => keys.get(a)).find((k) => k !== undefined);
  const skuKey = pick(SKU_KEYS);
  const qtyKey = pick(QUANTITY_KEYS);
  const text = (key: string | undefined): string | null => {
    if (key === undefined) return null;
    const v = o[key];
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return undefined as never;
  };
  const bad = (key: string, message: string) =>
    sink.refuse({ line, column: key, value: JSON.stringify(o[key]) ?? '', message });
  let ok = true;
  if (skuKey === undefined) {
    sink.refuse({ line, column: 'sku', value: '', message: 'the object has no "sku"' });
    ok = false;
  } else if (typeof o[skuKey] !== 'string' && typeof o[skuKey] !== 'number') {
    bad(skuKey, `"${skuKey}" must be a string`);
    ok = false;
  }
  if (qtyKey === undefined) {
    sink.refuse({
      line,
      column: 'quantity',
      value: '',
      message: 'the object has no "quantity" (or qty, onHand, stock)',
    });
    ok = false;
  } else if (typeof o[qtyKey] !== 'number' && typeof o[qtyKey] !== 'string') {
    bad(qtyKey, `"${qtyKey}" must be a whole number`);
    ok = false;
  }
  const nameKey = pick(NAME_KEYS);
  if (nameKey !== undefined && o[nameKey] !== null && typeof o[nameKey] !== 'string') {
    bad(nameKey, `"${nameKey}" must be a string`);
    ok = false;
  }
  const lowKey = pick(LOW_KEYS);
  let low: number | null | undefined;
  if (lowKey !== undefined) {
    const v = o[lowKey];
    if (v === null) low = null;
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_QTY) low = v;
    else {
      bad(lowKey, `"${lowKey}" must be a whole number from 0 to 1,000,000,000, or null`);
      ok = false;
    }
  }
  if (!ok) return;
  emit(
    sink,
    { skuColumn: skuKey!, quantityColumn: qtyKey! },
    {
      line,
      sku: text(skuKey)!,
      quantity: text(qtyKey)!,
      name: text(nameKey),
      lowStock: low,
    },
    nameKey,
  );
}
