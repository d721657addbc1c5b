import { invalidInput } from '../core/errors.js';
import { mergeLines, parseStatus } from '../core/lifecycle.js';
import type { OrderLine } from '../core/ports.js';
import { checkProviderName } from '../core/providers.js';
import { checkEventId, checkOrderId, checkSku, parseInteger } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderExpired, renderOrder, renderOrders } from '../render/order.js';
import { changed, output, type Output } from './output.js';

/** `SKU:QTY`; the SKU may itself contain colons, so split at the last one. */
export function parseItem(text: string): OrderLine {
  const at = text.lastIndexOf(':');
  if (at < 0) throw invalidInput(`--item "${text}" has no quantity: write SKU:QTY, e.g. MUG:2`);
  const sku = checkSku(text.slice(0, at));
  const qty = parseInteger(`quantity of ${sku}`, text.slice(at + 1), { min: 1 });
  return { sku, qty };
}

export async function place(o: { items: string[]; provider: string; id?: string }, ctx: Context): Promise<Output> {
  const lines = mergeLines(o.items.map(parseItem));
  const provider = checkProviderName(o.provider);
  const id = o.id !== undefined ? checkOrderId(o.id) : ctx.ids.orderId();
  const order = await withStore(ctx.store, (store) => store.placeOrder({ id, provider, lines, nowMs: ctx.nowMs }));
  return changed(order, renderOrder, `order "${order.id}" was placed (${order.mode})`);
}

export async function notify(
  o: { id: string; transition: 'pay' | 'fail' | 'cancel'; event?: string },
  ctx: Context,
): Promise<Output> {
  const id = checkOrderId(o.id);
  const eventId = o.event !== undefined ? checkEventId(o.event) : undefined;
  const order = await withStore(ctx.store, (store) =>
    store.notify({ id, transition: o.transition, eventId, nowMs: ctx.nowMs }),
  );
  const done = order.duplicate
    ? `the notification for order "${order.id}" was a duplicate (nothing changed)`
    : `order "${order.id}" is now ${order.status}`;
  return changed(order, renderOrder, done);
}

export async function list(o: { status?: string }, ctx: Context): Promise<Output> {
  const status = o.status !== undefined ? parseStatus(o.status) : undefined;
  const orders = await withStore(ctx.store, (store) => store.listOrders({ status, nowMs: ctx.nowMs }), READ);
  return output({ orders }, renderOrders);
}

export async function show(o: { id: string }, ctx: Context): Promise<Output> {
  const id = checkOrderId(o.id);
  return output(await withStore(ctx.store, (store) => store.getOrder(id, ctx.nowMs), READ), renderOrder);
}

export async function expire(ctx: Context): Promise<Output> {
  const expired = await withStore(ctx.store, (store) => store.expireDue(ctx.nowMs));
  return changed({ expired }, renderExpired, `${expired.length} orders were recorded as expired`);
}
