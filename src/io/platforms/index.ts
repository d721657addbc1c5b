/**
 * The platform adapters, one module each, behind one function: a delivery
 * (body and headers) in, inv's terms out. Also how a file of notifications
 * (`inv apply --from`) becomes deliveries: NDJSON, a JSON list, or the
 * `{ "data": [...] }` that `stripe events list` prints (newest first, so it is
 * read backwards); Shopify and WooCommerce records may wrap the body as
 * `{ "topic", "event_id", "payload" }`.
 */
import { invalidInput } from '../../core/errors.js';
import type { Platform } from '../../core/payment-methods.js';
import { parsePayload } from './json.js';
import { translateShopify } from './shopify.js';
import { translateStripe } from './stripe.js';
import { type Delivery, type Translated, isObj } from './types.js';
import { translateWoo } from './woocommerce.js';

export type { Delivery, Translated } from './types.js';
export { parsePayload } from './json.js';

export function translate(platform: Platform, d: Delivery): Translated {
  switch (platform) {
    case 'stripe':
      return translateStripe(d);
    case 'shopify':
      return translateShopify(d);
    case 'woocommerce':
      return translateWoo(d);
  }
}

/** A record of a file as a delivery: an envelope's topic and event id become the headers a webhook would carry. */
export function deliveryOf(platform: Platform, record: unknown): Delivery {
  if (platform === 'stripe' || !isObj(record) || typeof record.topic !== 'string' || !isObj(record.payload))
    return { body: record, headers: {} };
  const eventId = typeof record.event_id === 'string' ? record.event_id : undefined;
  return platform === 'shopify'
    ? { body: record.payload, headers: { 'x-shopify-topic': record.topic, 'x-shopify-event-id': eventId } }
    : { body: record.payload, headers: { 'x-wc-webhook-topic': record.topic } };
}

export interface FileRecord {
  /** 1-based: the line of an NDJSON file; in a JSON list (or `stripe events list`), the position in the list. */
  line: number;
  /** The record, or why it could not be read. */
  value?: unknown;
  error?: Error;
}

/** A record's items: a list's in order, a `stripe events list` page's oldest first, else the record itself. */
function expand(v: unknown, line: number): FileRecord[] {
  const at = (i: number) => i + 1;
  if (Array.isArray(v)) return v.map((value, i) => ({ line: at(i), value }));
  // `stripe events list`: newest first; applied oldest first, each keeping its position in the list.
  if (isObj(v) && v.object === 'list' && Array.isArray(v.data))
    return v.data.map((value, i) => ({ line: at(i), value })).reverse();
  return [{ line, value: v }];
}

/**
 * Reads notifications line by line, so that a queue feeding `inv apply --from`
 * one event at a time gets each answer at once: NDJSON is applied as it comes.
 * A first line that is not JSON by itself is the start of a pretty-printed
 * document (a JSON list, `stripe events list`), which is then read whole.
 */
export class RecordReader {
  private line = 0;
  private whole: string[] | null = null;
  private seen = false;

  push(raw: string): FileRecord[] {
    this.line++;
    const text = this.line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (this.whole) {
      this.whole.push(text);
      return [];
    }
    if (text.trim() === '') return [];
    let v: unknown;
    try {
      v = parsePayload(text);
    } catch (e) {
      if (this.seen) return [{ line: this.line, error: e as Error }];
      this.whole = [text];
      return [];
    }
    this.seen = true;
    return expand(v, this.line);
  }

  end(): FileRecord[] {
    if (!this.whole) return [];
    const text = this.whole.join('\n');
    let v: unknown;
    try {
      v = parsePayload(text);
    } catch (e) {
      throw invalidInput(`neither NDJSON nor a JSON document: ${(e as Error).message}`);
    }
    return expand(v, 1);
  }
}

/** The records of a whole text, in the order to apply them. */
export function recordsOf(text: string): FileRecord[] {
  const r = new RecordReader();
  const out = text.split(/\r?\n/).flatMap((l) => r.push(l));
  return [...out, ...r.end()];
}
