import type { OrderDoc } from '../core/ports.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

const items = (o: OrderDoc) => o.lines.map((l) => `${safe(l.sku)}×${l.qty}`).join(', ');

export function renderOrder(o: OrderDoc, s: Style): string {
  const extra: string[] = [];
  if (o.duplicate) extra.push('duplicate notification: nothing changed');
  if (o.latePayment) extra.push(s.yellow('late payment (after expiry)'));
  if (o.oversoldUnits > 0)
    extra.push(s.red(`OVERSOLD by ${o.oversoldUnits} unit${o.oversoldUnits > 1 ? 's' : ''}: backorder or refund`));
  const held = o.reserved > 0 ? `, holds ${o.reserved} until ${o.expiresAt}` : '';
  return [
    `order ${safe(o.id)}: ${s.bold(o.status)} (${o.mode}, ${o.provider}) ${items(o)}${held}`,
    ...extra.map((e) => `  ${e}`),
  ].join('\n');
}

export function renderOrders(r: { orders: OrderDoc[] }, _s: Style): string {
  if (r.orders.length === 0) return 'no orders';
  return table(
    ['order', 'status', 'mode', 'provider', 'placed', 'items', 'held', 'oversold'],
    r.orders.map((o) => [
      safe(o.id),
      o.status + (o.latePayment ? ' (late)' : ''),
      o.mode,
      o.provider,
      o.placedAt,
      items(o),
      o.reserved,
      o.oversoldUnits,
    ]),
    [false, false, false, false, false, false, true, true],
  );
}

export function renderExpired(r: { expired: string[] }, _s: Style): string {
  if (r.expired.length === 0) return 'no unpaid orders past their window';
  return `expired ${r.expired.length} order${r.expired.length > 1 ? 's' : ''}; their holds are released:\n${r.expired.map((id) => `  ${safe(id)}`).join('\n')}`;
}
