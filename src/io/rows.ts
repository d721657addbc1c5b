/**
 * What every import format hands to the shared pipeline: an accepted row, a
 * skipped row with its reason, or a refused cell. Each platform's rules live in
 * its own module under formats/; this file holds what they share.
 */
import { InvError } from '../core/errors.js';
import type { ImportRow } from '../core/ports.js';
import type { SkipReason } from '../core/skips.js';
import { MAX_QTY, checkName, checkSku, thousands } from '../core/values.js';

export { SKIP_TEXT, type SkipReason } from '../core/skips.js';
export { thousands };

/** A refused cell: SPEC section 8's `error.details` entry of a refused import. */
export interface Refusal {
  line: number;
  column: string;
  value: string;
  message: string;
}

export interface Sink {
  row(r: ImportRow): void;
  skip(line: number, reason: SkipReason): void;
  refuse(r: Refusal): void;
}

/** Maps the records of one layout; `flush` emits what a layout held back (Wix looks one row ahead). */
export interface Layout {
  /** What was recognised, for the note on stderr: "shopify (inventory export, current layout)". */
  label: string;
  hasLocations: boolean;
  skuColumn: string;
  quantityColumn: string;
  map(cells: string[], line: number, sink: Sink): void;
  flush(sink: Sink): void;
}

const NUMBER = /^\s*[+-]?\d+(?:\.0*)?\s*$/;

/**
 * A quantity cell: a whole number within ±1,000,000,000. `10.0000` (Magento
 * writes decimals) is 10; `10.55` is refused. Returns the number, or why not.
 */
export function parseQuantity(text: string): number | string {
  if (!NUMBER.test(text)) {
    if (text.trim() === '') return 'quantity is empty';
    return `quantity "${text}" is not a whole number`;
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_QTY)
    return `quantity ${text.trim()} is out of range (±${thousands(MAX_QTY)})`;
  return n === 0 ? 0 : n;
}

/** The core's check as a message, or null when the value passes. */
function problem(check: (s: string) => string, value: string): string | null {
  try {
    check(value);
    return null;
  } catch (e) {
    if (e instanceof InvError) return e.message;
    throw e;
  }
}

export interface Candidate {
  line: number;
  sku: string;
  quantity: string;
  name: string | null;
  location?: string;
  product?: string | null;
  lowStock?: number | null;
}

/** Checks a row's SKU, quantity and name with the core's rules and emits it, or refuses each bad cell. */
export function emit(
  sink: Sink,
  layout: Pick<Layout, 'skuColumn' | 'quantityColumn'>,
  c: Candidate,
  nameColumn = 'name',
): void {
  let ok = true;
  // The SKU as the store keeps it (NFC): two spellings of one SKU in a file are then one SKU, repeated.
  let sku = c.sku;
  try {
    sku = checkSku(c.sku);
  } catch (e) {
    if (!(e instanceof InvError)) throw e;
    sink.refuse({ line: c.line, column: layout.skuColumn, value: c.sku, message: e.message });
    ok = false;
  }
  const qty = parseQuantity(c.quantity);
  if (typeof qty === 'string') {
    sink.refuse({ line: c.line, column: layout.quantityColumn, value: c.quantity, message: qty });
    ok = false;
  }
  if (c.name !== null && c.name.length > 500) {
    const nameProblem = problem(checkName, c.name);
    if (nameProblem !== null) {
      sink.refuse({ line: c.line, column: nameColumn, value: `${c.name.slice(0, 40)}…`, message: nameProblem });
      ok = false;
    }
  }
  if (!ok) return;
  sink.row({
    line: c.line,
    sku,
    qty: qty as number,
    name: c.name === '' ? null : c.name,
    location: c.location ?? '',
    product: c.product ?? null,
    lowStock: c.lowStock,
  });
}

/** Header lookup: case-insensitive, surrounding spaces and Shopify's " (not editable)" ignored. */
export class Header {
  private readonly index = new Map<string, number>();
  private readonly columns = new Map<string, number[]>();
  /** Columns a layout asked for that the header makes ambiguous: named twice, or under two of their names. */
  private readonly unclear: string[] = [];

  constructor(readonly names: string[]) {
    names.forEach((n, i) => {
      const key = Header.key(n);
      if (!this.index.has(key)) this.index.set(key, i);
      this.columns.set(key, [...(this.columns.get(key) ?? []), i]);
    });
  }

  /**
   * What makes the columns read ambiguous, one sentence each (`sku,sku,quantity`,
   * or both `quantity` and `qty`): such a file is refused rather than read from
   * whichever column comes first.
   */
  ambiguities(): string[] {
    return this.unclear;
  }

  static key(name: string): string {
    return name
      .trim()
      .toLowerCase()
      .replace(/\s*\(not editable\)$/, '');
  }

  /** The index of the column under the first of these names present, or -1. Notes an ambiguity (see above). */
  find(...aliases: string[]): number {
    const present = aliases.filter((a) => this.index.has(a));
    if (present.length === 0) return -1;
    const at = this.columns.get(present[0])!;
    const where = (k: string) => this.columns.get(k)!.map((i) => i + 1);
    if (at.length > 1) {
      this.unclear.push(
        `column "${this.name(at[0])}" appears ${at.length} times (columns ${where(present[0]).join(', ')})`,
      );
    } else if (present.length > 1) {
      const byColumn = [...present].sort((a, b) => this.index.get(a)! - this.index.get(b)!);
      this.unclear.push(
        `${byColumn.map((k) => `"${this.name(this.index.get(k)!)}" (column ${where(k).join(', ')})`).join(' and ')} both name the same column`,
      );
    }
    return at[0];
  }

  /** Whether any of these columns is present (without noting anything: formats test headers with it). */
  has(...aliases: string[]): boolean {
    return aliases.some((a) => this.index.has(a));
  }

  name(i: number): string {
    return (this.names[i] ?? '').trim();
  }
}

/** A cell of a record that may be shorter than the header. */
export const cell = (cells: string[], i: number): string => (i < 0 ? '' : (cells[i] ?? ''));

/** "Title / Blue / L", leaving out Shopify's "Default Title" and empty options. */
export function variantName(title: string, options: string[]): string {
  const parts = options.map((o) => o.trim()).filter((o) => o !== '' && o !== 'Default Title');
  return [title.trim(), ...parts].filter((p) => p !== '').join(' / ');
}
