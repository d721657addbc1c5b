/**
 * Stock quantities and the rules for changing them by hand (SPEC section 2).
 * onHand and reserved only ever change through ledger movements; available is derived.
 */
import { InvError, RefusedError, invalidInput } from './errors.js';
import type { Adjusted, ImportRefusal } from './ports.js';

export interface StockLevel {
  onHand: number;
  reserved: number;
}

export const available = (s: StockLevel): number => s.onHand - s.reserved;

/** An item is low when a threshold is set and available is at or below it. */
export const isLow = (avail: number, lowStock: number | null): boolean => lowStock !== null && avail <= lowStock;

/** More units were paid for than the shop holds: it owes them. */
export const isOversold = (avail: number): boolean => avail < 0;

/**
 * The onHand delta that `stock set` (absolute) or `stock add` (relative) means,
 * refused when it would leave onHand below the units reserved for unpaid orders.
 */
export function adjustment(current: StockLevel, change: { set?: number; add?: number }, sku: string): number {
  let target: number;
  if (change.set !== undefined) {
    if (change.set < 0)
      throw invalidInput(
        `a count is never below zero (got ${change.set} for ${sku}); use \`inv stock add\` for a correction`,
      );
    target = change.set;
  } else {
    target = current.onHand + (change.add ?? 0);
  }
  if (target < current.reserved && target < current.onHand) {
    const why = current.reserved > 0 ? `below the ${current.reserved} units reserved for unpaid orders` : 'below zero';
    throw new RefusedError(
      'BELOW_RESERVED',
      `${sku}: onHand ${current.onHand} → ${target} would fall ${why}`,
      [{ sku, onHand: current.onHand, reserved: current.reserved, requested: target }],
      `see who holds them: inv stock show ${sku}`,
    );
  }
  return target - current.onHand;
}

/** A stock change already recorded under an event id (inv apply's stock-set and stock-add). */
export interface SeenStockEvent {
  sku: string;
  kind: 'set' | 'add';
}

/**
 * A stock change that carries an event id: true when the store has recorded it
 * already (a replayed stream), so it changes nothing and is reported as a
 * duplicate; false when it is new. The id used for another SKU or kind of change
 * is refused (EVENT_CONFLICT), as for payment notifications.
 */
export function stockEventSeen(eventId: string, seen: SeenStockEvent | undefined, change: SeenStockEvent): boolean {
  if (!seen) return false;
  if (seen.sku === change.sku && seen.kind === change.kind) return true;
  throw new RefusedError(
    'EVENT_CONFLICT',
    `event "${eventId}" was already applied as stock-${seen.kind} of ${seen.sku}`,
    [{ event: eventId, sku: seen.sku, kind: `stock-${seen.kind}` }],
  );
}

/** The answer to a stock change already applied under its event id: the SKU as it is, nothing changed. */
export function adjustedAgain(s: { sku: string; name: string; onHand: number; reserved: number }): Adjusted {
  return {
    sku: s.sku,
    name: s.name,
    created: false,
    before: s.onHand,
    after: s.onHand,
    reserved: s.reserved,
    available: s.onHand - s.reserved,
    duplicate: true,
  };
}

/**
 * The import rows refused because of units reserved for unpaid orders, by the
 * same rule as `stock set` / `stock add`, in line order. A negative quantity is
 * units owed (SPEC section 4): only a SKU with units reserved can be refused.
 */
export function importRefusals(
  rows: readonly { sku: string; onHand: number; reserved: number; qty: number; line: number }[],
  add: boolean,
): ImportRefusal[] {
  const refused: ImportRefusal[] = [];
  for (const r of rows) {
    if (r.reserved <= 0) continue;
    const change = add ? { add: r.qty } : { add: r.qty - r.onHand };
    try {
      adjustment({ onHand: r.onHand, reserved: r.reserved }, change, r.sku);
    } catch (e) {
      if (!(e instanceof InvError)) throw e;
      refused.push({ sku: r.sku, line: r.line, qty: r.qty, message: e.message });
    }
  }
  return refused.sort((a, b) => a.line - b.line);
}
