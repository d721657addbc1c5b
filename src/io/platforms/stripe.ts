/**
 * Stripe events (docs.stripe.com/api/events/object) into inv's terms.
 * Checkout Sessions and PaymentIntents carry no line items, so a shop puts them
 * in the metadata (README "Connect your shop"): `metadata.inv_items` =
 * `SKU:qty,…`, the order id in `metadata.order_id` (else `client_reference_id`,
 * else the object's id), and optionally `metadata.inv_provider`.
 */
import { cannotMap, invalidInput } from '../../core/errors.js';
import type { OrderLine } from '../../core/ports.js';
import { obj, optText, text } from './read.js';
import { type Delivery, type Obj, type OrderAction, type Translated, isObj } from './types.js';

const NO_LINES =
  'Stripe events carry no line items: put them in the metadata of the Checkout Session or PaymentIntent as inv_items = "SKU:qty,SKU:qty" (e.g. metadata[inv_items]=MUG:2,TEE:1)';

/** `MUG:2,TEE:1` → lines; a SKU may hold colons (the last one splits). */
export function parseItems(textIn: string): OrderLine[] {
  const lines: OrderLine[] = [];
  for (const part of textIn.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const at = p.lastIndexOf(':');
    const qty = at > 0 ? p.slice(at + 1).trim() : '';
    if (at <= 0 || !/^\d{1,10}$/.test(qty) || Number(qty) < 1)
      throw cannotMap(
        `metadata.inv_items ${JSON.stringify(textIn)}: "${p}" is not SKU:qty with a quantity of 1 or more`,
      );
    lines.push({ sku: p.slice(0, at).trim(), qty: Number(qty) });
  }
  if (lines.length === 0) throw cannotMap(`metadata.inv_items is empty: ${NO_LINES}`);
  return lines;
}

const metadata = (o: Obj): Obj => (isObj(o.metadata) ? o.metadata : {});

function orderAction(o: Obj, transition: OrderAction['transition'], methods: string[]): OrderAction {
  const md = metadata(o);
  const items = optText(md, 'inv_items');
  return {
    kind: 'order',
    // A live Checkout Session id is 66 characters; inv's ids are at most 64 (the first 64 are as unique).
    orderId:
      optText(md, 'order_id') ?? optText(o, 'client_reference_id') ?? text(o, 'id', 'the event object').slice(0, 64),
    lines: items === undefined ? null : parseItems(items),
    noLines: NO_LINES,
    provider: optText(md, 'inv_provider') ?? null,
    methods,
    transition,
  };
}

/** The methods of a Session or PaymentIntent: the one used when known, else those offered. */
function methodsOf(o: Obj): string[] {
  const details = isObj(o.payment_method_details) ? optText(o.payment_method_details, 'type') : undefined;
  if (details) return [`stripe:${details.toLowerCase()}`];
  const types = Array.isArray(o.payment_method_types) ? o.payment_method_types : [];
  return types.filter((t): t is string => typeof t === 'string').map((t) => `stripe:${t.toLowerCase()}`);
}

const CHECKOUT: Record<string, OrderAction['transition'] | 'by-status'> = {
  'checkout.session.completed': 'by-status',
  'checkout.session.async_payment_succeeded': 'pay',
  'checkout.session.async_payment_failed': 'fail',
  'checkout.session.expired': 'cancel',
};

const INTENT: Record<string, OrderAction['transition']> = {
  'payment_intent.processing': null,
  'payment_intent.requires_action': null,
  'payment_intent.succeeded': 'pay',
  'payment_intent.payment_failed': 'fail',
  'payment_intent.canceled': 'cancel',
};

export function translateStripe(d: Delivery): Translated {
  const e = obj(d.body, 'a Stripe event');
  const eventId = text(e, 'id', 'a Stripe event');
  const type = text(e, 'type', 'a Stripe event');
  if (e.object !== undefined && e.object !== 'event')
    throw invalidInput(`a Stripe event has "object": "event", not ${JSON.stringify(e.object)}`);
  const data = obj(e.data, `Stripe event ${eventId}: "data"`);
  const o = obj(data.object, `Stripe event ${eventId}: "data.object"`);
  const base = { platform: 'stripe' as const, eventId: `stripe:${eventId}`, type, test: e.livemode === false };
  const ignore = (reason: string): Translated => ({ ...base, action: { kind: 'ignore', reason } });

  if (type in CHECKOUT) {
    if (o.mode !== undefined && o.mode !== 'payment')
      return ignore(`a Checkout Session in ${String(o.mode)} mode sells no stock`);
    let t = CHECKOUT[type];
    if (t === 'by-status') {
      const status = o.payment_status;
      if (status === 'paid' || status === 'no_payment_required') t = 'pay';
      else if (status === 'unpaid') t = null;
      else throw invalidInput(`Stripe event ${eventId}: unknown payment_status ${JSON.stringify(status)}`);
    }
    return { ...base, action: orderAction(o, t, methodsOf(o)) };
  }
  if (type in INTENT) {
    const md = metadata(o);
    // With Checkout, the session's events carry the order; its PaymentIntent's events are not for inv.
    if (optText(md, 'inv_items') === undefined && optText(md, 'order_id') === undefined)
      return ignore(
        'a PaymentIntent without metadata.inv_items or metadata.order_id (with Checkout, the checkout.session events carry the order)',
      );
    return { ...base, action: orderAction(o, INTENT[type], methodsOf(o)) };
  }
  if (type === 'charge.refunded') {
    // A charge carries no items either: a full refund brings back the whole order, a partial one cannot say what.
    if (o.refunded !== true)
      return ignore(
        `a partial refund (${String(o.amount_refunded)} of ${String(o.amount)} in minor units) does not say which units came back: record them with inv stock add SKU N`,
      );
    const intent = isObj(o.payment_intent) ? optText(o.payment_intent, 'id') : optText(o, 'payment_intent');
    const orderId = optText(metadata(o), 'order_id') ?? intent ?? text(o, 'id', 'the charge');
    const id = orderId.slice(0, 64);
    return { ...base, action: { kind: 'restock', orderId: id, lines: null, key: `stripe:refund:${id}` } };
  }
  return ignore(`inv does not act on ${type}`);
}
