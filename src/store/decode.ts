/**
 * Values as a store keeps them, read back and checked: an order's lines (JSON),
 * a provider's document (JSON), a mode. A store edited by hand, or damaged, must
 * fail with exit 4 naming what is wrong, not with an internal error half-way
 * through a command, nor go on with an impossible value (orders placed in a
 * mode "bogus"). Shared by every backend; `verify` reports the same problems.
 */
import { type OrderStatus, REASONS, STATUSES } from '../core/lifecycle.js';
import type { OrderState } from '../core/orders.js';
import { MODES, type Mode } from '../core/modes.js';
import type { OrderLine, Problem } from '../core/ports.js';
import { PROVIDER_NAME, type Provider, providerProblems } from '../core/providers.js';
import { MAX_QTY, skuProblem } from '../core/values.js';

/** A stored value that breaks the rules; the store turns it into "the store … is damaged (…)". */
export class Damage extends Error {
  constructor(
    message: string,
    /** How to mend it, where inv can (else: restore a backup). */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** An order's lines as stored in its row: [["SKU", qty], …]. */
export const encodeLines = (lines: readonly OrderLine[]): string => JSON.stringify(lines.map((l) => [l.sku, l.qty]));

export function decodeLines(text: string, orderId: string): OrderLine[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Damage(`the lines of order "${orderId}" are not valid JSON`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new Damage(`order "${orderId}" has no lines`);
  return v.map((l: unknown) => {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || !Number.isInteger(l[1]) || l[1] < 1 || l[1] > MAX_QTY) {
      throw new Damage(`order "${orderId}" has a line that is not [SKU, quantity]: ${JSON.stringify(l)?.slice(0, 60)}`);
    }
    return { sku: l[0], qty: l[1] };
  });
}

export function decodeMode(value: unknown, what: string): Mode {
  if (!(MODES as readonly unknown[]).includes(value))
    throw new Damage(`${what} is ${JSON.stringify(value)}, not a mode`);
  return value as Mode;
}

export function decodeProvider(doc: string, name: string): Provider {
  let p: Provider;
  try {
    p = JSON.parse(doc) as Provider;
  } catch {
    throw new Damage(`the provider "${name}" is not valid JSON`);
  }
  const problems = providerProblems(p);
  if (problems.length > 0) {
    throw new Damage(
      `the provider "${name}" ${problems.join(', ')}`,
      `set it right: inv provider set ${name} --window 5d (and any other figure named)`,
    );
  }
  if (p.name !== name) throw new Damage(`the provider stored as "${name}" calls itself "${p.name}"`);
  return p;
}

export interface StoredWindow {
  id: number;
  mode: string;
  from_at: number;
  until_at: number;
}
export interface StoredSku {
  sku: string;
  low_stock: number | null;
}
export interface StoredOrder {
  id: string;
  status: string;
  mode: string;
  holding: number;
  placed_at: number;
  expires_at: number;
  lines: string;
}
export interface StoredEvent {
  event_id: string;
  transition: string;
  order_id: string | null;
}

/**
 * `inv verify`'s look at every stored value the commands rely on: a store feeds
 * it its rows, table by table (SKUs before orders), and reads `problems`.
 */
export class StoredValueCheck {
  readonly problems: Problem[] = [];
  private readonly skus = new Set<string>();

  private check(sku: string | null, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof Damage)) throw e;
      this.problems.push({ sku, message: e.message });
    }
  }

  private say(sku: string | null, message: string): void {
    this.problems.push({ sku, message });
  }

  baseMode(value: string | undefined): void {
    this.check(null, () => decodeMode(value, 'the base mode'));
  }

  override(r: { provider: string; mode: string }): void {
    this.check(null, () => decodeMode(r.mode, `the override for ${r.provider}`));
    if (!PROVIDER_NAME.test(r.provider)) this.say(null, `an override names the provider ${JSON.stringify(r.provider)}`);
  }

  window(r: StoredWindow): void {
    this.check(null, () => decodeMode(r.mode, `the mode of window ${r.id}`));
    if (!(r.from_at < r.until_at)) this.say(null, `window ${r.id} ends before it starts`);
  }

  provider(r: { name: string; doc: string }): void {
    this.check(null, () => decodeProvider(r.doc, r.name));
  }

  sku(r: StoredSku): void {
    this.skus.add(r.sku);
    const why = skuProblem(r.sku);
    if (why) this.say(r.sku, `the SKU ${JSON.stringify(r.sku)} ${why.replace(/^SKU \S+ /, '')}`);
    if (r.low_stock !== null && !(r.low_stock >= 0)) this.say(r.sku, `lowStock is ${r.low_stock}`);
  }

  order(o: StoredOrder): void {
    if (!(STATUSES as readonly string[]).includes(o.status))
      this.say(null, `order "${o.id}" has the status ${JSON.stringify(o.status)}`);
    this.check(null, () => decodeMode(o.mode, `the mode of order "${o.id}"`));
    if (o.holding !== 0 && o.holding !== 1) this.say(null, `order "${o.id}" has holding ${o.holding}`);
    if (!(o.placed_at <= o.expires_at)) this.say(null, `order "${o.id}" expires before it was placed`);
    this.check(null, () => {
      for (const l of decodeLines(o.lines, o.id)) {
        if (!this.skus.has(l.sku))
          this.say(l.sku, `order "${o.id}" has a line for the unknown SKU ${JSON.stringify(l.sku)}`);
      }
    });
  }

  reasons(r: { reason: string; n: number }): void {
    if (!(REASONS as readonly string[]).includes(r.reason))
      this.say(null, `${r.n} movements have the reason ${JSON.stringify(r.reason)}`);
  }

  /** An event row whose order is gone or whose transition is not a notification. */
  event(r: StoredEvent): void {
    this.say(
      null,
      `notification "${r.event_id}" ${r.order_id === null ? 'names an order that does not exist' : `has the transition ${JSON.stringify(r.transition)}`}`,
    );
  }
}

/** An orders row as both backends store it. */
export interface OrderRow {
  id: string;
  status: OrderStatus;
  mode: string;
  provider: string;
  placed_at: number;
  expires_at: number;
  updated_at: number;
  holding: number;
  oversold_units: number;
  late_payment: number;
  lines: string;
}

/** An orders row as the core's OrderState: its mode and lines decoded (a damaged value throws Damage). */
export function decodeOrder(o: OrderRow): OrderState {
  return {
    id: o.id,
    status: o.status,
    mode: decodeMode(o.mode, `the mode of order "${o.id}"`),
    provider: o.provider,
    placedAt: o.placed_at,
    expiresAt: o.expires_at,
    updatedAt: o.updated_at,
    holding: o.holding === 1,
    oversoldUnits: o.oversold_units,
    latePayment: o.late_payment === 1,
    lines: decodeLines(o.lines, o.id),
  };
}
