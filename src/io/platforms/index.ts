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
  /** 1-based: the line of an NDJSON file, else the position in the list. */
  line: number;
  /** The record, or why it could not be read. */
  value?: unknown;
  error?: Error;
}

/** The records of a whole file, in the order to apply them. */
export function recordsOf(textIn: string): FileRecord[] {
  const t = textIn.replace(/^\uFEFF/, '');
  const trimmed = t.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let whole: unknown;
    try {
      whole = parsePayload(trimmed);
    } catch {
      whole = undefined; // NDJSON, or broken: read line by line below
    }
    if (Array.isArray(whole)) return whole.map((value, i) => ({ line: i + 1, value }));
    if (isObj(whole) && Array.isArray(whole.data)) {
      // `stripe events list`: newest first; applied oldest first, each keeping its position in the list.
      return whole.data.map((value, i) => ({ line: i + 1, value })).reverse();
    }
    if (isObj(whole)) return [{ line: 1, value: whole }];
  }
  const out: FileRecord[] = [];
  for (const [i, lineText] of t.split(/\r?\n/).entries()) {
    if (lineText.trim() === '') continue;
    try {
      out.push({ line: i + 1, value: parsePayload(lineText) });
    } catch (e) {
      out.push({ line: i + 1, error: e as Error });
    }
  }
  if (out.length > 0 && out.every((r) => r.error))
    throw invalidInput(`not NDJSON nor a JSON list: ${out[0].error?.message}`);
  return out;
}
