/**
 * The order lifecycle (SPEC section 2): what placing an order and each payment
 * notification do to stock. The store and the simulator both apply these
 * decisions; neither re-implements them.
 */
import { UsageError, invalidInput } from './errors.js';
import type { Mode } from './modes.js';
import { MAX_QTY } from './values.js';

export const STATUSES = ['pending', 'paid', 'failed', 'cancelled', 'expired'] as const;
export type OrderStatus = (typeof STATUSES)[number];
export type Transition = 'pay' | 'fail' | 'cancel' | 'expire';

export const REASONS = [
  'import',
  'adjust',
  'order-placed',
  'order-paid',
  'order-failed',
  'order-cancelled',
  'order-expired',
  'late-payment',
] as const;
export type MovementReason = (typeof REASONS)[number];

/** The same SKU twice in one order is merged into one line (the README says so). */
export function mergeLines<L extends { sku: string; qty: number }>(
  lines: readonly L[],
): { sku: string; qty: number }[] {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.qty);
  return [...bySku].map(([sku, qty]) => {
    if (qty > MAX_QTY) throw invalidInput(`quantity of ${sku} (${qty}) is out of range`);
    return { sku, qty };
  });
}

/** What placing a line does: units it must find available, and the deltas it applies. */
export interface PlaceEffect {
  /** Placing is refused unless available ≥ this (SPEC: in either mode). */
  requireAvailable: number;
  onHandDelta: number;
  reservedDelta: number;
  /** Whether the order now holds these units. */
  holds: boolean;
}

/**
 * Placing is all-or-nothing: each line needs this much available. The store
 * applies the same test inside its conditional UPDATE (available >= @need).
 */
export function canPlace(available: number, effect: PlaceEffect): boolean {
  return available >= effect.requireAvailable;
}

export function placeEffect(mode: Mode, qty: number): PlaceEffect {
  return mode === 'on-order'
    ? { requireAvailable: qty, onHandDelta: 0, reservedDelta: qty, holds: true }
    : { requireAvailable: qty, onHandDelta: 0, reservedDelta: 0, holds: false };
}

/** The order as the lifecycle sees it. */
export interface OrderState {
  status: OrderStatus;
  /** True while the order's units are reserved (an unpaid on-order order). */
  holding: boolean;
}

export type Decision =
  /** The transition was already made (or does not apply): nothing to write. */
  | { kind: 'noop' }
  | { kind: 'refused'; message: string }
  | {
      kind: 'apply';
      status: OrderStatus;
      reason: MovementReason;
      latePayment: boolean;
      releases: boolean;
      takes: boolean;
    };

/**
 * The state machine. `releases`: the held units go back (reserved falls).
 * `takes`: the units leave onHand; if the order did not hold them they are
 * taken from what is available and may be oversold (see `takeLine`).
 */
export function decide(state: OrderState, t: Transition): Decision {
  const { status, holding } = state;
  switch (status) {
    case 'pending':
      switch (t) {
        case 'pay':
          return {
            kind: 'apply',
            status: 'paid',
            reason: 'order-paid',
            latePayment: false,
            releases: holding,
            takes: true,
          };
        case 'fail':
          return {
            kind: 'apply',
            status: 'failed',
            reason: 'order-failed',
            latePayment: false,
            releases: holding,
            takes: false,
          };
        case 'cancel':
          return {
            kind: 'apply',
            status: 'cancelled',
            reason: 'order-cancelled',
            latePayment: false,
            releases: holding,
            takes: false,
          };
        case 'expire':
          return {
            kind: 'apply',
            status: 'expired',
            reason: 'order-expired',
            latePayment: false,
            releases: holding,
            takes: false,
          };
      }
      break;
    case 'expired':
    case 'failed':
      // The money arrived after all (a late Boleto, or an out-of-order retry):
      // accept it and take the units like on-payment, oversold if short.
      if (t === 'pay')
        return {
          kind: 'apply',
          status: 'paid',
          reason: 'late-payment',
          latePayment: true,
          releases: false,
          takes: true,
        };
      // An operator may close an unpaid order for good, so a later payment is refused.
      if (t === 'cancel')
        return {
          kind: 'apply',
          status: 'cancelled',
          reason: 'order-cancelled',
          latePayment: false,
          releases: false,
          takes: false,
        };
      return { kind: 'noop' };
    case 'paid':
      if (t === 'fail')
        return {
          kind: 'refused',
          message: 'a failure notice for a paid order is refused: the payment was already received',
        };
      if (t === 'cancel')
        return {
          kind: 'refused',
          message: 'a paid order cannot be cancelled here: record a return with `inv stock add`',
        };
      return { kind: 'noop' };
    case 'cancelled':
      if (t === 'pay') return { kind: 'refused', message: 'a payment for a cancelled order is refused: refund it' };
      return { kind: 'noop' };
  }
  return { kind: 'noop' };
}

/** A repeat of the transition that brought the order to its status. */
export function isRepeat(status: OrderStatus, t: Transition): boolean {
  return (
    (status === 'paid' && t === 'pay') ||
    (status === 'failed' && t === 'fail') ||
    (status === 'cancelled' && t === 'cancel') ||
    (status === 'expired' && t === 'expire')
  );
}

export interface LineMove {
  onHandDelta: number;
  reservedDelta: number;
  /** Units paid for that the stock could not cover. */
  oversold: number;
}

/**
 * The movement for one order line of an applied decision. `available` is the
 * SKU's available stock just before this line (with holds past their window
 * already counted back).
 */
export function lineMove(d: { releases: boolean; takes: boolean }, qty: number, available: number): LineMove {
  if (d.releases && d.takes) return { onHandDelta: -qty, reservedDelta: -qty, oversold: 0 }; // reservation becomes a sale
  if (d.releases) return { onHandDelta: 0, reservedDelta: -qty, oversold: 0 };
  if (d.takes) return { onHandDelta: -qty, reservedDelta: 0, oversold: qty - Math.min(qty, Math.max(0, available)) };
  return { onHandDelta: 0, reservedDelta: 0, oversold: 0 };
}

/** An unpaid order past its window has expired, whether or not `inv expire` recorded it yet. */
export function isDue(status: OrderStatus, expiresAtMs: number, nowMs: number): boolean {
  return status === 'pending' && expiresAtMs <= nowMs;
}

export function parseStatus(text: string): OrderStatus {
  if ((STATUSES as readonly string[]).includes(text)) return text as OrderStatus;
  throw new UsageError(`unknown status "${text}": use ${STATUSES.join(', ')}`);
}
