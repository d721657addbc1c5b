/**
 * Whole operations on orders, planned (SPEC section 2): what placing an order, a
 * payment notification or an expiry does — a refusal, or the order's new state
 * with the stock movements and pending lines it writes. Pure: a store loads what
 * a plan needs, asks once, and writes the plan; every backend, the simulator's
 * rules and the in-memory store of the tests share these decisions.
 *
 * A store still enforces what it writes: placing is a conditional update
 * (`… WHERE available ≥ need`) under its write lock, so two processes can never
 * both take the last unit. The plan says what `need` is.
 */
import { RefusedError } from './errors.js';
import {
  decide,
  isDue,
  isRepeat,
  lineMove,
  mergeLines,
  placeEffect,
  type MovementReason,
  type OrderStatus,
  type Transition,
} from './lifecycle.js';
import { resolveMode, type Mode, type Policy } from './modes.js';
import type { Holder, Movement, OrderDoc, OrderLine, StockItem } from './ports.js';
import type { Provider } from './providers.js';
import { available, isLow, isOversold } from './stock.js';
import { iso } from './values.js';

const HOUR_MS = 3_600_000;

/** An order as a store keeps it (times in milliseconds). */
export interface OrderState {
  id: string;
  status: OrderStatus;
  mode: Mode;
  provider: string;
  placedAt: number;
  expiresAt: number;
  updatedAt: number;
  /** Its units are reserved now (an unpaid on-order order). */
  holding: boolean;
  oversoldUnits: number;
  latePayment: boolean;
  lines: OrderLine[];
}

/** One ledger row and the change to the SKU's counters it records. */
export interface StockChange {
  sku: string;
  onHandDelta: number;
  reservedDelta: number;
  reason: MovementReason;
  orderId: string | null;
  note: string | null;
  at: number;
}

/** A line of an order being placed: the SKU must have `need` available; then its counters move by the deltas. */
export interface PlaceLine {
  sku: string;
  qty: number;
  need: number;
  onHandDelta: number;
  reservedDelta: number;
  /** The line reserves its units (on-order): its pending row is a hold, not a wait for payment. */
  holds: boolean;
}

export interface PlacePlan {
  order: OrderState;
  /** In SKU order: a store that locks rows takes them in this order, so two orders never deadlock. */
  lines: PlaceLine[];
  movements: StockChange[];
}

/** Placing an order (its lines already merged, mergeLines): the mode resolved at `nowMs`, the expiry, what each line takes. */
export function planPlace(p: {
  id: string;
  provider: Provider;
  lines: OrderLine[];
  policy: Policy;
  nowMs: number;
}): PlacePlan {
  const { mode } = resolveMode(p.policy, p.nowMs, p.provider.name);
  const lines = [...p.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const order: OrderState = {
    id: p.id,
    status: 'pending',
    mode,
    provider: p.provider.name,
    placedAt: p.nowMs,
    expiresAt: p.nowMs + Math.round(p.provider.windowHours * HOUR_MS),
    updatedAt: p.nowMs,
    holding: mode === 'on-order',
    oversoldUnits: 0,
    latePayment: false,
    lines: p.lines,
  };
  const planned: PlaceLine[] = [];
  const movements: StockChange[] = [];
  for (const l of lines) {
    const e = placeEffect(mode, l.qty);
    planned.push({
      sku: l.sku,
      qty: l.qty,
      need: e.requireAvailable,
      onHandDelta: e.onHandDelta,
      reservedDelta: e.reservedDelta,
      holds: e.holds,
    });
    if (e.onHandDelta !== 0 || e.reservedDelta !== 0) {
      movements.push({
        sku: l.sku,
        onHandDelta: e.onHandDelta,
        reservedDelta: e.reservedDelta,
        reason: 'order-placed',
        orderId: p.id,
        note: `${p.provider.name}, ${mode}`,
        at: p.nowMs,
      });
    }
  }
  return { order, lines: planned, movements };
}

/** One lifecycle transition applied to an order: its state after, and what it writes. */
export interface Step {
  order: OrderState;
  movements: StockChange[];
  /** The order was pending and is not any more: its pending lines go. */
  leftPending: boolean;
}

/**
 * `t` applied to `o` at `at`, or null when the lifecycle says it changes nothing
 * (a repeat). `available(sku)`: the SKU's available units now, holds past their
 * window counted back, asked only for a payment that takes units it did not hold.
 */
export function transition(o: OrderState, t: Transition, at: number, available: (sku: string) => number): Step | null {
  const d = decide({ status: o.status, holding: o.holding }, t);
  if (d.kind === 'noop') return null;
  if (d.kind === 'refused') {
    throw new RefusedError('INVALID_TRANSITION', `order "${o.id}" is ${o.status}: ${d.message}`, [
      { id: o.id, status: o.status, transition: t },
    ]);
  }
  let oversold = 0;
  const movements: StockChange[] = [];
  for (const l of o.lines) {
    const mv = lineMove(d, l.qty, d.takes && !d.releases ? available(l.sku) : 0);
    oversold += mv.oversold;
    if (mv.onHandDelta === 0 && mv.reservedDelta === 0) continue;
    movements.push({
      sku: l.sku,
      onHandDelta: mv.onHandDelta,
      reservedDelta: mv.reservedDelta,
      reason: d.reason,
      orderId: o.id,
      note: mv.oversold > 0 ? `oversold by ${mv.oversold}` : null,
      at,
    });
  }
  return {
    order: {
      ...o,
      status: d.status,
      holding: false,
      updatedAt: at,
      oversoldUnits: o.oversoldUnits + oversold,
      latePayment: o.latePayment || d.latePayment,
    },
    movements,
    leftPending: o.status === 'pending',
  };
}

/** The expiry of an unpaid order past its window, dated when the window ended; null if it is not due. */
export function planExpiry(o: OrderState, nowMs: number): Step | null {
  return isDue(o.status, o.expiresAt, nowMs) ? transition(o, 'expire', o.expiresAt, () => 0) : null;
}

/** A notification already recorded under an event id: which order and which transition it was. */
export interface SeenEvent {
  orderId: string;
  transition: string;
}

export type NotifyPlan =
  /** The same event again: nothing to write. */
  | { kind: 'duplicate'; order: OrderState }
  | {
      kind: 'apply';
      /** The expiry first when the order was past its window, then the notification itself (unless a repeat). */
      steps: Step[];
      order: OrderState;
      /** The order already had this status (a repeat without an event id): reported as a duplicate. */
      repeat: boolean;
      /** The event id to record with the change. */
      event: { id: string; orderId: string; transition: string; at: number } | null;
    };

/**
 * A payment notification or an operator's cancel for a loaded order. `seen`:
 * what the store has recorded under the notification's event id, if anything.
 * Throws EVENT_CONFLICT for an event id used for something else, and
 * INVALID_TRANSITION for what the lifecycle refuses.
 */
export function planNotify(
  o: OrderState,
  n: { transition: Exclude<Transition, 'expire'>; eventId?: string; nowMs: number },
  seen: SeenEvent | undefined,
  available: (sku: string) => number,
): NotifyPlan {
  if (n.eventId !== undefined && seen) {
    if (seen.orderId === o.id && seen.transition === n.transition) return { kind: 'duplicate', order: o };
    throw new RefusedError(
      'EVENT_CONFLICT',
      `event "${n.eventId}" was already applied as ${seen.transition} of order "${seen.orderId}"`,
      [{ event: n.eventId, orderId: seen.orderId, transition: seen.transition }],
    );
  }
  const steps: Step[] = [];
  let order = o;
  const expiry = planExpiry(order, n.nowMs);
  if (expiry) {
    steps.push(expiry);
    order = expiry.order;
  }
  const repeat = isRepeat(order.status, n.transition);
  const step = transition(order, n.transition, n.nowMs, available);
  if (step) {
    steps.push(step);
    order = step.order;
  }
  const event =
    n.eventId !== undefined ? { id: n.eventId, orderId: o.id, transition: n.transition, at: n.nowMs } : null;
  return { kind: 'apply', steps, order, repeat, event };
}

/** The order as every command shows it: past its window it is expired already, holding nothing (SPEC section 2, Clock). */
export function orderDoc(o: OrderState, nowMs: number, duplicate = false): OrderDoc {
  const due = isDue(o.status, o.expiresAt, nowMs);
  return {
    id: o.id,
    status: due ? 'expired' : o.status,
    mode: o.mode,
    provider: o.provider,
    placedAt: iso(o.placedAt),
    expiresAt: iso(o.expiresAt),
    updatedAt: iso(due ? o.expiresAt : o.updatedAt),
    lines: o.lines,
    reserved: due || !o.holding ? 0 : o.lines.reduce((n, l) => n + l.qty, 0),
    oversoldUnits: o.oversoldUnits,
    latePayment: o.latePayment,
    duplicate,
  };
}

/** A SKU as every command shows it: units held by orders past their window are available again. */
export function stockItem(
  r: { sku: string; name: string; onHand: number; reserved: number; lowStock: number | null },
  dueHeld: number,
): StockItem {
  const reserved = r.reserved - dueHeld;
  const avail = available({ onHand: r.onHand, reserved });
  return {
    sku: r.sku,
    name: r.name,
    onHand: r.onHand,
    reserved,
    available: avail,
    lowStock: r.lowStock,
    low: isLow(avail, r.lowStock),
    oversold: isOversold(avail),
  };
}

/**
 * A place for an order id the store holds already. The same order again (the
 * same provider and lines: a replayed stream, a retried checkout) is a
 * duplicate, answered with the order as it is now and changing nothing;
 * anything else under that id is refused (ORDER_EXISTS).
 */
export function placeAgain(existing: OrderState, p: { provider: string; lines: OrderLine[] }, nowMs: number): OrderDoc {
  const key = (lines: OrderLine[]) =>
    mergeLines(lines)
      .map((l) => `${l.sku}\u0000${l.qty}`)
      .sort()
      .join('\u0001');
  if (existing.provider !== p.provider || key(existing.lines) !== key(p.lines)) throw orderExists(existing.id);
  return orderDoc(existing, nowMs, true);
}

export const orderExists = (id: string): RefusedError =>
  new RefusedError('ORDER_EXISTS', `order "${id}" exists already`, [{ id }], `see it with: inv order show ${id}`);

export const unknownOrder = (id: string): RefusedError =>
  new RefusedError('UNKNOWN_ORDER', `unknown order "${id}"`, [{ id }], 'list orders with: inv order list');

export const unknownSku = (sku: string, hint = 'list SKUs with: inv stock'): RefusedError =>
  new RefusedError('UNKNOWN_SKU', `unknown SKU "${sku}"`, [{ sku }], hint);

export const outOfStock = (sku: string, available: number, qty: number): RefusedError =>
  new RefusedError(
    'OUT_OF_STOCK',
    `out of stock: ${sku} has ${available} available, the order needs ${qty}`,
    [{ sku, available, requested: qty }],
    `see what holds it: inv stock show ${sku}`,
  );

/** A ledger row as stored; `history` adds the running totals. */
export interface LedgerRow {
  at: number;
  reason: MovementReason;
  orderId: string | null;
  onHandDelta: number;
  reservedDelta: number;
  note: string | null;
}

/** A SKU's movements, oldest first, with onHand and reserved after each (SPEC section 8, `inv history`). */
export function history(rows: Iterable<LedgerRow>): Movement[] {
  let onHand = 0;
  let reserved = 0;
  const out: Movement[] = [];
  for (const r of rows) {
    onHand += r.onHandDelta;
    reserved += r.reservedDelta;
    out.push({
      at: iso(r.at),
      reason: r.reason,
      orderId: r.orderId,
      onHandDelta: r.onHandDelta,
      reservedDelta: r.reservedDelta,
      onHand,
      reserved,
      note: r.note,
    });
  }
  return out;
}

/** A pending line of an order, joined with its order: who holds a SKU's units, or waits to take them. */
export interface PendingRow {
  orderId: string;
  provider: string;
  mode: Mode;
  placedAt: number;
  expiresAt: number;
  qty: number;
  held: boolean;
}

/** `inv stock show`: the holders (holds past their window marked, already counted as available) and the orders waiting to pay. */
export function holders(rows: readonly PendingRow[], nowMs: number): { holders: Holder[]; awaitingPayment: Holder[] } {
  const show = (r: PendingRow): Holder => ({
    orderId: r.orderId,
    qty: r.qty,
    provider: r.provider,
    mode: r.mode,
    placedAt: iso(r.placedAt),
    expiresAt: iso(r.expiresAt),
    expired: r.expiresAt <= nowMs,
  });
  return {
    holders: rows.filter((r) => r.held).map(show),
    awaitingPayment: rows.filter((r) => !r.held && r.expiresAt > nowMs).map(show),
  };
}

/**
 * The units a refund puts back in stock: only a paid order's units were taken;
 * the refund's own lines where the platform lists them (Shopify), each SKU at
 * most as many as the order holds, else the whole order (a Stripe charge says
 * no more than "refunded"). Returns the reason when there is nothing to put back.
 */
export function refundUnits(order: OrderDoc, refunded: OrderLine[] | null): OrderLine[] | string {
  if (order.status !== 'paid')
    return `order "${order.id}" is ${order.status}: its units were never taken from stock, none come back`;
  const ordered = new Map(mergeLines(order.lines).map((l) => [l.sku, l.qty]));
  if (refunded === null) return [...ordered].map(([sku, qty]) => ({ sku, qty }));
  const back: OrderLine[] = [];
  for (const l of mergeLines(refunded)) {
    const qty = Math.min(l.qty, ordered.get(l.sku) ?? 0);
    if (qty > 0) back.push({ sku: l.sku, qty });
  }
  return back.length > 0 ? back : `the refund lists no unit of order "${order.id}" to put back`;
}
