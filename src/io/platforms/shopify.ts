/**
 * Shopify order webhooks (shopify.dev/docs/api/webhooks, topics orders/*): the
 * body is the whole order, so an order that arrives paid or cancelled before
 * its orders/create is placed from it then. Ids can exceed 2^53 (json.ts keeps
 * their digits). The topic and the event id come from the headers
 * (`X-Shopify-Topic`, `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`; newer
 * deliveries drop the `X-`).
 */
import { cannotMap, invalidInput } from '../../core/errors.js';
import type { OrderLine } from '../../core/ports.js';
import { id, obj, optText, quantity } from './read.js';
import { type Delivery, type Obj, type OrderAction, type Translated, isObj } from './types.js';

const header = (d: Delivery, name: string): string | undefined => d.headers[`x-${name}`] ?? d.headers[name];

function lines(order: Obj, orderId: string): OrderLine[] {
  if (!Array.isArray(order.line_items)) throw invalidInput(`Shopify order ${orderId}: "line_items" must be a list`);
  const out: OrderLine[] = [];
  for (const [i, raw] of order.line_items.entries()) {
    const li = obj(raw, `Shopify order ${orderId}: line item ${i + 1}`);
    const qty = quantity(li.quantity, `Shopify order ${orderId}: line item ${i + 1}`);
    if (qty === 0) continue;
    const sku = optText(li, 'sku')?.trim();
    if (!sku)
      throw cannotMap(
        `Shopify order ${orderId}: line item ${i + 1} (${JSON.stringify(li.title ?? li.name ?? '')}) has no SKU: give the variant a SKU in Shopify, then let Shopify retry`,
      );
    out.push({ sku, qty });
  }
  if (out.length === 0) throw cannotMap(`Shopify order ${orderId} has no line item with a quantity`);
  return out;
}

/** What the order's state says: cancelled, voided or expired (failed), paid, else only placed. */
function byState(order: Obj): OrderAction['transition'] {
  if (order.cancelled_at !== null && order.cancelled_at !== undefined) return 'cancel';
  const fs = order.financial_status;
  if (fs === 'voided' || fs === 'expired') return 'fail';
  if (fs === 'paid' || fs === 'partially_refunded' || fs === 'refunded') return 'pay';
  return null;
}

const TOPICS: Record<string, (o: Obj) => OrderAction['transition']> = {
  'orders/create': byState,
  'orders/updated': byState,
  'orders/paid': () => 'pay',
  'orders/cancelled': () => 'cancel',
};

/** Restock types that put units back (Shopify's refund dialog, "Restock items"); `no_restock` does not. */
const RESTOCKS = new Set(['return', 'cancel', 'legacy_restock']);

/**
 * refunds/create: the body is the refund (shopify.dev, REST resource Refund),
 * with `order_id` and `refund_line_items[]` (`quantity`, `restock_type`,
 * `line_item.sku`). The lines the shop restocked in Shopify come back in inv.
 */
function translateRefund(d: Delivery, platformEvent: string | undefined): Translated {
  const refund = obj(d.body, 'a Shopify refund');
  const refundId = id(refund, 'id', 'a Shopify refund');
  const orderId = `shopify:${id(refund, 'order_id', `Shopify refund ${refundId}`)}`;
  const eventId = `shopify:${platformEvent ?? `refund:${refundId}`}`;
  const base = { platform: 'shopify' as const, type: 'refunds/create', eventId, test: refund.test === true };
  const items = Array.isArray(refund.refund_line_items) ? refund.refund_line_items : [];
  const back: OrderLine[] = [];
  for (const [i, raw] of items.entries()) {
    const rl = obj(raw, `Shopify refund ${refundId}: refund line ${i + 1}`);
    // Refunds made before restock_type existed say `restock: true` on the refund itself.
    const type = rl.restock_type ?? (refund.restock === true ? 'legacy_restock' : 'no_restock');
    if (!RESTOCKS.has(String(type))) continue;
    const qty = quantity(rl.quantity, `Shopify refund ${refundId}: refund line ${i + 1}`);
    const sku = isObj(rl.line_item) ? optText(rl.line_item, 'sku')?.trim() : undefined;
    if (qty > 0 && sku) back.push({ sku, qty });
  }
  if (back.length === 0)
    return {
      ...base,
      action: { kind: 'ignore', reason: 'the refund restocks nothing in Shopify (restock_type no_restock)' },
    };
  return { ...base, action: { kind: 'restock', orderId, lines: back, key: `shopify:refund:${refundId}` } };
}

export function translateShopify(d: Delivery): Translated {
  const topic = header(d, 'shopify-topic') ?? 'orders/updated';
  const platformEvent = header(d, 'shopify-event-id') ?? header(d, 'shopify-webhook-id');
  if (topic === 'refunds/create') return translateRefund(d, platformEvent);
  const order = obj(d.body, 'a Shopify order');
  const shopifyId = id(order, 'id', 'a Shopify order');
  const orderId = `shopify:${shopifyId}`;
  const base = { platform: 'shopify' as const, type: topic, test: order.test === true };
  const rule = TOPICS[topic];
  if (!rule)
    return {
      ...base,
      eventId: `shopify:${platformEvent ?? shopifyId}`,
      action: { kind: 'ignore', reason: `inv does not act on ${topic}` },
    };
  const transition = rule(order);
  const gateways = Array.isArray(order.payment_gateway_names)
    ? order.payment_gateway_names.filter((g): g is string => typeof g === 'string' && g !== '')
    : [];
  const gateway = gateways[0] ?? optText(order, 'gateway');
  return {
    ...base,
    // Without Shopify's id (a file of order bodies), one id per order and transition: a replay is a duplicate.
    eventId: platformEvent ? `shopify:${platformEvent}` : `${orderId}:${transition ?? 'place'}`,
    action: {
      kind: 'order',
      orderId,
      lines: lines(order, shopifyId),
      noLines: '',
      provider: null,
      methods: gateway ? [`shopify:${gateway.toLowerCase()}`] : [],
      transition,
    },
  };
}

export const isOrderBody = (v: unknown): boolean => isObj(v) && Array.isArray(v.line_items);
