/**
 * What `inv export` writes: inv's own format (SPEC section 4), which `inv import`
 * reads back unchanged. CSV fields are quoted only when they must be (a comma,
 * a quote, a line break, or spaces at either end, which some readers trim), and
 * names are written exactly as stored.
 */
import type { StockItem } from '../core/ports.js';

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A text cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+CMD`,
 * `-2+3`, `@SUM(A1)`, or one led by a tab or CR) gets a leading `'`, the usual
 * defence (OWASP, "CSV injection"); so does a cell that already starts with `'`
 * before one of those, so that `inv import` can take the quote back off
 * unambiguously (see io/formats/inv.ts).
 */
const FORMULA = /^(?:[=+\-@\t\r]|'[=+\-@\t\r'])/;

export const defuse = (text: string): string => (FORMULA.test(text) ? `'${text}` : text);

/** What `defuse` did, undone: inv's own CSV format reads its exports back unchanged. */
export const undefuse = (text: string): string =>
  text.startsWith("'") && FORMULA.test(text.slice(1)) ? text.slice(1) : text;

export interface ExportRecord {
  sku: string;
  name: string;
  quantity: number;
  lowStock: number | null;
}

export const record = (i: StockItem): ExportRecord => ({
  sku: i.sku,
  name: i.name,
  quantity: i.onHand,
  lowStock: i.lowStock,
});

/** The text before the first item, each item's text (`first` tells whether a separator is due), and the text after the last. */
export function writerFor(format: ExportFormat): {
  head: string;
  item: (r: ExportRecord, first: boolean) => string;
  tail: (empty: boolean) => string;
} {
  switch (format) {
    case 'csv':
      return {
        head: 'sku,name,quantity,lowStock\n',
        item: (r) => `${csvField(defuse(r.sku))},${csvField(defuse(r.name))},${r.quantity},${r.lowStock ?? ''}\n`,
        tail: () => '',
      };
    case 'json':
      return {
        head: '[',
        item: (r, first) => `${first ? '\n' : ',\n'}${JSON.stringify(r)}`,
        tail: (empty) => (empty ? ']\n' : '\n]\n'),
      };
    case 'ndjson':
      return { head: '', item: (r) => `${JSON.stringify(r)}\n`, tail: () => '' };
  }
}
