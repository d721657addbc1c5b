/**
 * Applies a platform's notification, already in inv's terms (src/io/platforms),
 * through the same store methods as `inv order place|pay|fail|cancel`. Shared by
 * `inv apply --from` and `inv serve`.
 *
 * Exactly once by the platform's event id: a transition is recorded under it
 * (the events table), and placing an order that is already known changes
 * nothing. Each step is idempotent, so a delivery cut short (a crash between
 * placing and paying) is completed by the platform's retry. Out of order is
 * normal for webhooks: an event that carries the whole order places it first
 * when it is not known yet.
 */
import { cannotMap, isInvError } from '../core/errors.js';
import { refundUnits } from '../core/orders.js';
import type { OrderDoc, OrderLine, Store } from '../core/ports.js';
import { chooseProvider } from '../core/payment-methods.js';
import { mergeCatalogue } from '../core/providers.js';
import { checkEventId, checkOrderId } from '../core/values.js';
import type { RestockAction, Translated } from '../io/platforms/types.js';

export interface PlatformResult {
  platform: string;
  event: string;
  type: string;
  /** What inv did, in order: place, pay, fail, cancel; empty when nothing changed. */
  steps: string[];
  order: OrderDoc | null;
  /** Already applied (a retry, or a repeat of the order's transition): nothing changed. */
  duplicate: boolean;
  /** Why the notification changes nothing in inv (an event inv does not act on, test data). */
  ignored?: string;
  /** The units this refund put back in stock now (step "restock", with --restock-refunds). */
  restocked?: OrderLine[];
}

export interface PlatformOptions {
  nowMs: number;
  acceptTest: boolean;
  /** Refunds put the order's units back in stock (`--restock-refunds`); otherwise they are ignored. */
  restockRefunds?: boolean;
}

const NO_RESTOCK =
  'refunds do not restock unless the shop asks for it (--restock-refunds); or record a return with inv stock add SKU N';

async function known(store: Store, id: string, nowMs: number): Promise<OrderDoc | null> {
  try {
    return await store.getOrder(id, nowMs);
  } catch (e) {
    if (isInvError(e) && e.code === 'UNKNOWN_ORDER') return null;
    throw e;
  }
}

export async function applyPlatform(store: Store, t: Translated, o: PlatformOptions): Promise<PlatformResult> {
  const base = {
    platform: t.platform,
    event: t.eventId,
    type: t.type,
    steps: [] as string[],
    order: null,
    duplicate: false,
  };
  if (t.test && !o.acceptTest)
    return {
      ...base,
      ignored: 'test data (Stripe livemode false, Shopify test true): pass --accept-test-events to apply it',
    };
  const a = t.action;
  if (a.kind === 'ignore') return { ...base, ignored: a.reason };
  if (a.kind === 'restock') return restock(store, a, base, o);
  const orderId = checkOrderId(a.orderId);
  const eventId = checkEventId(t.eventId);
  let order = await known(store, orderId, o.nowMs);
  const steps: string[] = [];
  if (!order) {
    if (a.lines === null) {
      // A failure or a cancel for an order inv never held: nothing to release, nothing to record.
      if (a.transition === 'fail' || a.transition === 'cancel')
        return { ...base, ignored: `order "${orderId}" is not known to inv: it holds nothing to release` };
      throw cannotMap(`order "${orderId}" is not known to inv and the event does not say what it holds: ${a.noLines}`);
    }
    const provider =
      a.provider ??
      chooseProvider(
        a.methods,
        await store.methodMap(),
        mergeCatalogue(await store.customProviders()),
        a.transition === null,
      );
    try {
      order = await store.placeOrder({ id: orderId, provider, lines: a.lines, nowMs: o.nowMs });
      steps.push('place');
    } catch (e) {
      // Placed meanwhile (another delivery of the same order): what follows applies to it.
      if (!(isInvError(e) && e.code === 'ORDER_EXISTS')) throw e;
      order = await store.getOrder(orderId, o.nowMs);
    }
  }
  if (a.transition === null) return { ...base, steps, order, duplicate: steps.length === 0 };
  const after = await store.notify({ id: orderId, transition: a.transition, eventId, nowMs: o.nowMs });
  if (!after.duplicate) steps.push(a.transition);
  return { ...base, steps, order: after, duplicate: steps.length === 0 };
}

/**
 * A refund, where the shop asks for it: the units come back to stock as an
 * adjustment noted with the order, each SKU once under the refund's key (a
 * retry, or the same refund told again, changes nothing).
 */
async function restock(
  store: Store,
  a: RestockAction,
  base: Omit<PlatformResult, 'order'> & { order: null },
  o: PlatformOptions,
): Promise<PlatformResult> {
  if (!o.restockRefunds) return { ...base, ignored: NO_RESTOCK };
  const orderId = checkOrderId(a.orderId);
  const order = await known(store, orderId, o.nowMs);
  if (!order) return { ...base, ignored: `order "${orderId}" is not known to inv: no units to put back` };
  const units = refundUnits(order, a.lines);
  if (typeof units === 'string') return { ...base, order, ignored: units };
  const back: OrderLine[] = [];
  for (const l of units) {
    const r = await store.adjustStock({
      sku: l.sku,
      add: l.qty,
      note: `refund of order ${orderId} (${base.event})`,
      eventId: `restock:${a.key}:${l.sku}`,
      nowMs: o.nowMs,
    });
    if (r.duplicate !== true) back.push(l);
  }
  if (back.length === 0) return { ...base, order, duplicate: true };
  return { ...base, steps: ['restock'], order, restocked: back };
}
