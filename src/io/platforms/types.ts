/**
 * What a platform adapter makes of one notification: inv's own terms (an order,
 * its lines, the method paid with, and the transition), or the reason it is
 * ignored. Adapters are pure: the payload in, this out; the command applies it.
 */
import type { Platform } from '../../core/payment-methods.js';
import type { OrderLine } from '../../core/ports.js';

export type { Platform };

export interface OrderAction {
  kind: 'order';
  orderId: string;
  /** The order's lines when the payload carries them (Shopify, WooCommerce, Stripe metadata); else null. */
  lines: OrderLine[] | null;
  /** Why `lines` is null and how to add them: said only when the order has to be placed. */
  noLines: string;
  /** A provider named outright (Stripe `metadata.inv_provider`), else null. */
  provider: string | null;
  /** The methods the payload names (`stripe:card`); several when the one used is not known. */
  methods: string[];
  /** What happens once the order is known; null: the event only places it. */
  transition: 'pay' | 'fail' | 'cancel' | null;
}

/** Units a refund brings back (where the shop asks for it: `--restock-refunds`). */
export interface RestockAction {
  kind: 'restock';
  orderId: string;
  /** The units that came back, by SKU (Shopify's refund lines); null: every line of the order as inv holds it. */
  lines: OrderLine[] | null;
  /** What the refund is known by: its units come back once under it (a Stripe order's full refund, a Shopify refund). */
  key: string;
}

export interface Translated {
  platform: Platform;
  /** The id inv keeps the notification under: `stripe:evt_…`, `shopify:…`, `woocommerce:ORDER:TRANSITION`. */
  eventId: string;
  /** The platform's event type or topic. */
  type: string;
  /** Test data: Stripe `livemode: false`, Shopify `test: true`. */
  test: boolean;
  action: OrderAction | RestockAction | { kind: 'ignore'; reason: string };
}

/** A notification as received: the parsed body and the headers (lower-case names). */
export interface Delivery {
  body: unknown;
  headers: Readonly<Record<string, string | undefined>>;
}

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
