import type { Adjusted, Movement, Problem, StockDetail, StockItem } from '../core/ports.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

function flags(i: StockItem, s: Style): string {
  const f: string[] = [];
  if (i.oversold) f.push(s.red(`OVERSOLD by ${-i.available}`));
  else if (i.available === 0 && i.reserved > 0) f.push(s.yellow('OUT (held)'));
  else if (i.available === 0) f.push(s.yellow('OUT'));
  if (i.low && !i.oversold && i.available > 0) f.push(s.yellow('LOW'));
  return f.join(' ');
}

export function renderStock(r: { items: StockItem[] }, s: Style): string {
  if (r.items.length === 0) return 'no SKUs (add some: inv stock set SKU QTY, or inv import FILE)';
  return table(
    ['sku', 'name', 'onHand', 'reserved', 'available', 'flags'],
    r.items.map((i) => [safe(i.sku), safe(i.name), i.onHand, i.reserved, i.available, flags(i, s)]),
    [false, false, true, true, true],
  );
}

export function age(fromIso: string, nowIso: string): string {
  const ms = Date.parse(nowIso) - Date.parse(fromIso);
  const m = Math.round(Math.abs(ms) / 60_000);
  const text =
    m < 60
      ? `${m}m`
      : m < 48 * 60
        ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
        : `${Math.floor(m / 1440)}d${Math.floor((m % 1440) / 60)}h`;
  return ms < 0 ? `in ${text}` : text;
}

export function renderStockDetail(r: StockDetail & { now: string }, s: Style): string {
  const lines = [
    `${s.bold(safe(r.sku))}  ${safe(r.name)}`,
    `onHand ${r.onHand}, reserved ${r.reserved}, available ${r.available}${r.lowStock !== null ? `, low at ${r.lowStock}` : ''} ${flags(r, s)}`.trimEnd(),
  ];
  const live = r.holders.filter((h) => !h.expired);
  const lapsed = r.holders.filter((h) => h.expired);
  if (live.length) {
    lines.push(
      '',
      `held by ${live.length} unpaid on-order order${live.length > 1 ? 's' : ''} (their units are not available):`,
    );
    lines.push(
      table(
        ['order', 'units', 'provider', 'age', 'expires', 'expires in'],
        live.map((h) => [
          safe(h.orderId),
          h.qty,
          h.provider,
          age(h.placedAt, r.now),
          h.expiresAt,
          age(r.now, h.expiresAt),
        ]),
        [false, true],
      ),
    );
  } else {
    lines.push('', 'no unpaid order holds units of this SKU');
  }
  if (lapsed.length) {
    lines.push('', `past their window (counted as available already; \`inv expire\` records it):`);
    lines.push(
      table(
        ['order', 'units', 'provider', 'expired'],
        lapsed.map((h) => [safe(h.orderId), h.qty, h.provider, h.expiresAt]),
        [false, true],
      ),
    );
  }
  if (r.awaitingPayment.length) {
    lines.push('', 'awaiting payment under on-payment (hold nothing; will take stock when paid):');
    lines.push(
      table(
        ['order', 'units', 'provider', 'age', 'expires'],
        r.awaitingPayment.map((h) => [safe(h.orderId), h.qty, h.provider, age(h.placedAt, r.now), h.expiresAt]),
        [false, true],
      ),
    );
  }
  return lines.join('\n');
}

export function renderAdjusted(a: Adjusted, _s: Style): string {
  const verb = a.created ? 'created' : a.before === a.after ? 'count unchanged' : 'updated';
  return `${safe(a.sku)}: ${verb}, onHand ${a.before} → ${a.after} (reserved ${a.reserved}, available ${a.available})${a.name ? `, name "${safe(a.name)}"` : ''}`;
}

export function renderHistory(r: { sku: string; movements: Movement[] }, _s: Style): string {
  if (r.movements.length === 0) return `${safe(r.sku)}: no movements yet`;
  const sign = (n: number) => (n > 0 ? `+${n}` : n === 0 ? '' : String(n));
  return table(
    ['at', 'reason', 'order', 'onHand±', 'reserved±', 'onHand', 'reserved', 'note'],
    r.movements.map((m) => [
      m.at,
      m.reason,
      safe(m.orderId ?? ''),
      sign(m.onHandDelta),
      sign(m.reservedDelta),
      m.onHand,
      m.reserved,
      safe(m.note ?? ''),
    ]),
    [false, false, false, true, true, true, true],
  );
}

export function renderVerify(r: { ok: boolean; problems: Problem[] }, s: Style): string {
  if (r.ok) return `${s.green('ok')}: stock equals the ledger, no negative reservations, integrity ok`;
  return [
    `${s.red('PROBLEMS')} (${r.problems.length}):`,
    ...r.problems.map((p) => `  ${p.sku !== null ? `${safe(p.sku)}: ` : ''}${p.message}`),
  ].join('\n');
}
