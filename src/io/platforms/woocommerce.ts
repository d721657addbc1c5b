/**
 * WooCommerce order webhooks (order.created, order.updated): the body is the
 * order as the REST API v3 returns it (woocommerce.github.io/woocommerce-rest-api-docs,
 * "Order properties"). WooCommerce's delivery id is new on every delivery, so
 * inv keeps one id per order and transition: a repeated or stale status
 * (woocommerce#26787) is a duplicate, not a second change.
 */
import { cannotMap, invalidInput } from '../../core/errors.js';
import type { OrderLine } from '../../core/ports.js';
import { id, obj, optText, quantity } from './read.js';
import type { Delivery, Obj, OrderAction, Translated } from './types.js';

const STATUS: Record<string, OrderAction['transition'] | 'ignore' | 'restock'> = {
  pending: null,
  'on-hold': null,
  processing: 'pay',
  completed: 'pay',
  failed: 'fail',
  cancelled: 'cancel',
  refunded: 'restock',
  'checkout-draft': 'ignore',
  trash: 'ignore',
};

function lines(order: Obj, wooId: string): OrderLine[] {
  if (!Array.isArray(order.line_items)) throw invalidInput(`WooCommerce order ${wooId}: "line_items" must be a list`);
  const out: OrderLine[] = [];
  for (const [i, raw] of order.line_items.entries()) {
    const li = obj(raw, `WooCommerce order ${wooId}: line item ${i + 1}`);
    const qty = quantity(li.quantity, `WooCommerce order ${wooId}: line item ${i + 1}`);
    if (qty === 0) continue;
    const sku = optText(li, 'sku')?.trim();
    if (!sku)
      throw cannotMap(
        `WooCommerce order ${wooId}: line item ${i + 1} (${JSON.stringify(li.name ?? '')}) has no SKU: give the product a SKU in WooCommerce`,
      );
    out.push({ sku, qty });
  }
  if (out.length === 0) throw cannotMap(`WooCommerce order ${wooId} has no line item with a quantity`);
  return out;
}

export function translateWoo(d: Delivery): Translated {
  const order = obj(d.body, 'a WooCommerce order');
  const wooId = id(order, 'id', 'a WooCommerce order');
  const topic = d.headers['x-wc-webhook-topic'] ?? 'order.updated';
  const status = optText(order, 'status');
  if (status === undefined) throw invalidInput(`WooCommerce order ${wooId}: "status" must be a non-empty string`);
  const orderId = `woocommerce:${wooId}`;
  const base = { platform: 'woocommerce' as const, type: `${topic} (${status})`, test: false };
  const rule = topic === 'order.created' || topic === 'order.updated' ? STATUS[status] : 'ignore';
  if (rule === undefined || rule === 'ignore')
    return {
      ...base,
      eventId: `${orderId}:${status}`,
      action: { kind: 'ignore', reason: `inv does not act on ${topic} with status ${status}` },
    };
  // Refunded whole (a partial refund leaves the status as it was): the whole order comes back.
  if (rule === 'restock')
    return {
      ...base,
      eventId: `${orderId}:refunded`,
      action: { kind: 'restock', orderId, lines: null, key: `${orderId}:refunded` },
    };
  const method = optText(order, 'payment_method');
  return {
    ...base,
    eventId: `${orderId}:${rule ?? 'place'}`,
    action: {
      kind: 'order',
      orderId,
      lines: lines(order, wooId),
      noLines: '',
      provider: null,
      methods: method ? [`woocommerce:${method.toLowerCase()}`] : [],
      transition: rule,
    },
  };
}
