/**
 * The Store contract (src/core/ports.ts): what every backend must do, run
 * against each one — an in-memory store, SQLite, PostgreSQL — by
 * `storeContract(name, open)`. A backend passes when it gives the same answers
 * as the others to the same calls: the same documents, the same refusals, and
 * a ledger that always sums to the stock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvError, StoreError } from '../../src/core/errors.js';
import type { Mode } from '../../src/core/modes.js';
import type { Store } from '../../src/core/ports.js';
import { tuneProvider } from '../../src/core/providers.js';

const H = 3_600_000;
const T0 = Date.parse('2026-11-27T00:00:00Z');

type Op =
  | { k: 'adjust'; sku: number; set?: number; add?: number }
  | { k: 'place'; sku: number; qty: number; provider: string; mode: Mode }
  | { k: 'pay' | 'fail' | 'cancel'; order: number; event: boolean }
  | { k: 'replay'; nth: number }
  | { k: 'expire' }
  | { k: 'tick'; hours: number };

const SKUS = ['A', 'B', 'C'];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('adjust' as const),
    sku: fc.nat(2),
    set: fc.option(fc.nat(6), { nil: undefined }),
    add: fc.integer({ min: -3, max: 4 }),
  }),
  fc.record({
    k: fc.constant('place' as const),
    sku: fc.nat(2),
    qty: fc.integer({ min: 1, max: 3 }),
    provider: fc.constantFrom('card', 'boleto', 'konbini'),
    mode: fc.constantFrom<Mode>('on-order', 'on-payment'),
  }),
  fc.record({
    k: fc.constantFrom('pay' as const, 'fail' as const, 'cancel' as const),
    order: fc.nat(30),
    event: fc.boolean(),
  }),
  fc.record({ k: fc.constant('replay' as const), nth: fc.nat(30) }),
  fc.constant({ k: 'expire' as const }),
  fc.record({ k: fc.constant('tick' as const), hours: fc.constantFrom(0.1, 1, 10, 50) }),
);

async function tolerant<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof InvError && e.exitCode === 3) return undefined;
    throw e;
  }
}

async function movementCount(store: Store): Promise<number> {
  let total = 0;
  for (const sku of SKUS) total += (await tolerant(store.history(sku)))?.movements.length ?? 0;
  return total;
}

/** Plays a sequence of operations, checking the ledger's invariants after each. */
async function play(store: Store, ops: Op[], onlyMode?: Mode): Promise<void> {
  let now = T0;
  const orders: string[] = [];
  const notices: { id: string; t: 'pay' | 'fail' | 'cancel'; event: string }[] = [];
  let late = false;
  for (const sku of SKUS) await store.adjustStock({ sku, set: 3, nowMs: now });
  for (const o of ops) {
    if (o.k === 'tick') now += o.hours * H;
    else if (o.k === 'adjust')
      await tolerant(
        store.adjustStock({ sku: SKUS[o.sku], set: o.set, add: o.set === undefined ? o.add : undefined, nowMs: now }),
      );
    else if (o.k === 'place') {
      await store.setBaseMode(onlyMode ?? o.mode);
      const id = `o${orders.length}`;
      const before = (await store.listStock({ skus: [SKUS[o.sku]], nowMs: now }))[0].available;
      const placed = await tolerant(
        store.placeOrder({ id, provider: o.provider, lines: [{ sku: SKUS[o.sku], qty: o.qty }], nowMs: now }),
      );
      if (placed) orders.push(id);
      else expect(before).toBeLessThan(o.qty); // refused only when short
    } else if (o.k === 'expire') await store.expireDue(now);
    else if (o.k === 'replay') {
      const nth = notices[o.nth % Math.max(1, notices.length)];
      if (!nth) continue;
      const count = await movementCount(store);
      const again = await store.notify({ id: nth.id, transition: nth.t, eventId: nth.event, nowMs: now });
      expect(again.duplicate).toBe(true);
      expect(await movementCount(store)).toBe(count);
    } else {
      const id = orders[o.order % Math.max(1, orders.length)];
      if (!id) continue;
      const event = `e${notices.length}`;
      const r = await tolerant(store.notify({ id, transition: o.k, eventId: o.event ? event : undefined, nowMs: now }));
      if (r?.latePayment) late = true;
      if (r && o.event) notices.push({ id, t: o.k, event });
    }
    // Ledger sums equal stock, reserved never negative, holds match reserved.
    expect(await store.verify()).toEqual([]);
    if (onlyMode === 'on-order' && !late) {
      for (const item of await store.listStock({ nowMs: now })) expect(item.available).toBeGreaterThanOrEqual(0);
    }
  }
  // In the end every reservation ended in exactly one sale or release.
  await store.expireDue(now + 1000 * H);
  for (const item of await store.listStock({ nowMs: now + 1000 * H })) expect(item.reserved).toBe(0);
  const perOrder = new Map<string, number>();
  for (const sku of SKUS) {
    for (const m of (await store.history(sku)).movements) {
      if (m.orderId) perOrder.set(m.orderId, (perOrder.get(m.orderId) ?? 0) + m.reservedDelta);
    }
  }
  for (const [, sum] of perOrder) expect(sum).toBe(0);
}

export function storeContract(name: string, open: () => Promise<Store>, o: { runs?: number } = {}): void {
  const runs = o.runs ?? 40;
  const using = async <T>(fn: (s: Store) => Promise<T>): Promise<T> => {
    const s = await open();
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  };

  describe(`the Store contract: ${name}`, () => {
    it('places all-or-nothing, merges a SKU listed twice, says a taken id before an unknown provider', () =>
      using(async (store) => {
        await store.adjustStock({ sku: 'A', set: 5, nowMs: T0 });
        await store.adjustStock({ sku: 'B', set: 1, nowMs: T0 });
        await store.setBaseMode('on-order');
        const o = await store.placeOrder({
          id: 'o1',
          provider: 'card',
          lines: [
            { sku: 'A', qty: 1 },
            { sku: 'A', qty: 2 },
          ],
          nowMs: T0,
        });
        expect(o).toMatchObject({ lines: [{ sku: 'A', qty: 3 }], reserved: 3, mode: 'on-order', status: 'pending' });
        expect((await store.stockDetail('A', T0)).holders.map((h) => [h.orderId, h.qty])).toEqual([['o1', 3]]);
        await expect(
          store.placeOrder({
            id: 'o2',
            provider: 'card',
            lines: [
              { sku: 'A', qty: 1 },
              { sku: 'B', qty: 2 },
            ],
            nowMs: T0,
          }),
        ).rejects.toMatchObject({
          code: 'OUT_OF_STOCK',
          details: [{ sku: 'B', available: 1, requested: 2 }],
        });
        expect((await store.listStock({ skus: ['A'], nowMs: T0 }))[0]).toMatchObject({ reserved: 3, available: 2 });
        await expect(
          store.placeOrder({ id: 'o1', provider: 'nope', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 }),
        ).rejects.toMatchObject({ code: 'ORDER_EXISTS' });
        await expect(
          store.placeOrder({ id: 'o3', provider: 'nope', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 }),
        ).rejects.toMatchObject({ exitCode: 2 });
        await expect(
          store.placeOrder({ id: 'o4', provider: 'card', lines: [{ sku: 'ZZZ', qty: 1 }], nowMs: T0 }),
        ).rejects.toMatchObject({ code: 'UNKNOWN_SKU' });
        await expect(store.getOrder('o4', T0)).rejects.toMatchObject({ code: 'UNKNOWN_ORDER' });
        expect(await store.verify()).toEqual([]);
      }));

    it('notifications: exactly once by event id, conflicts refused, late payments oversold, and what each order shows', () =>
      using(async (store) => {
        await store.adjustStock({ sku: 'MUG', set: 2, nowMs: T0 });
        await store.setBaseMode('on-order');
        await store.placeOrder({ id: 'slow', provider: 'boleto', lines: [{ sku: 'MUG', qty: 2 }], nowMs: T0 });
        // Past its window (120 h) the hold counts as available again; another customer buys.
        expect((await store.getOrder('slow', T0 + 121 * H)).status).toBe('expired');
        await store.placeOrder({ id: 'fast', provider: 'card', lines: [{ sku: 'MUG', qty: 1 }], nowMs: T0 + 121 * H });
        await store.notify({ id: 'fast', transition: 'pay', eventId: 'ev-fast', nowMs: T0 + 121 * H });
        const late = await store.notify({ id: 'slow', transition: 'pay', eventId: 'ev-slow', nowMs: T0 + 130 * H });
        expect(late).toMatchObject({ status: 'paid', latePayment: true, oversoldUnits: 1, duplicate: false });
        expect(
          (await store.notify({ id: 'slow', transition: 'pay', eventId: 'ev-slow', nowMs: T0 + 131 * H })).duplicate,
        ).toBe(true);
        await expect(
          store.notify({ id: 'fast', transition: 'pay', eventId: 'ev-slow', nowMs: T0 + 131 * H }),
        ).rejects.toMatchObject({ code: 'EVENT_CONFLICT' });
        await expect(store.notify({ id: 'slow', transition: 'fail', nowMs: T0 + 131 * H })).rejects.toMatchObject({
          code: 'INVALID_TRANSITION',
        });
        expect((await store.listStock({ skus: ['MUG'], nowMs: T0 + 131 * H }))[0]).toMatchObject({
          onHand: -1,
          reserved: 0,
          oversold: true,
        });
        const h = (await store.history('MUG')).movements;
        expect(h.map((m) => [m.reason, m.onHandDelta, m.reservedDelta, m.onHand, m.reserved])).toEqual([
          ['adjust', 2, 0, 2, 0],
          ['order-placed', 0, 2, 2, 2],
          ['order-expired', 0, -2, 2, 0],
          ['order-placed', 0, 1, 2, 1],
          ['order-paid', -1, -1, 1, 0],
          ['late-payment', -2, 0, -1, 0],
        ]);
        expect(h[2].at).toBe(new Date(T0 + 120 * H).toISOString());
        expect((await store.listOrders({ nowMs: T0 + 131 * H })).map((o) => [o.id, o.status])).toEqual([
          ['slow', 'paid'],
          ['fast', 'paid'],
        ]);
        expect(await store.verify()).toEqual([]);
      }));

    it('expiry sweeps record the release at the end of each window, once', () =>
      using(async (store) => {
        await store.adjustStock({ sku: 'A', set: 4, nowMs: T0 });
        await store.setBaseMode('on-order');
        await store.placeOrder({ id: 'k', provider: 'konbini', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 });
        await store.placeOrder({ id: 'c', provider: 'card', lines: [{ sku: 'A', qty: 2 }], nowMs: T0 });
        expect(await store.expireDue(T0 + H)).toEqual(['c']);
        expect(await store.expireDue(T0 + H)).toEqual([]);
        expect(await store.expireDue(T0 + 100 * H)).toEqual(['k']);
        expect((await store.stockDetail('A', T0 + 100 * H)).holders).toEqual([]);
        expect(await store.verify()).toEqual([]);
      }));

    it('the policy: base mode, provider overrides, scheduled windows; orders keep the mode they were placed in', () =>
      using(async (store) => {
        await store.adjustStock({ sku: 'A', set: 9, nowMs: T0 });
        expect(
          await store.setPolicy({ base: 'on-order', overrides: { boleto: 'on-order', card: 'on-payment' } }),
        ).toEqual({
          base: 'on-payment',
          overrides: { boleto: null, card: null },
        });
        const w = await store.addWindow(
          {
            mode: 'on-order',
            from: new Date(T0 + H).toISOString(),
            until: new Date(T0 + 2 * H).toISOString(),
            reason: 'peak',
          },
          T0,
        );
        const p = await store.getPolicy(T0);
        expect(p).toMatchObject({ base: 'on-order', overrides: { boleto: 'on-order', card: 'on-payment' } });
        expect(p.schedule).toEqual([{ ...w }]);
        expect(
          (await store.placeOrder({ id: 'x', provider: 'card', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 })).mode,
        ).toBe('on-payment');
        await store.setOverride('card', null);
        expect(
          (await store.placeOrder({ id: 'y', provider: 'card', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 })).mode,
        ).toBe('on-order');
        expect((await store.getOrder('x', T0)).mode).toBe('on-payment');
        expect((await store.cancelWindow(w.id)).reason).toBe('peak');
        await expect(store.cancelWindow(w.id)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEDULE' });
        const t = await store.tuneProvider('mercado', (old) =>
          tuneProvider(old, 'mercado', { windowHours: 48, kind: 'delayed' }),
        );
        expect(t.created).toBe(true);
        expect((await store.customProviders()).map((q) => [q.name, q.windowHours])).toEqual([['mercado', 48]]);
        expect(
          (await store.placeOrder({ id: 'z', provider: 'mercado', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 }))
            .expiresAt,
        ).toBe(new Date(T0 + 48 * H).toISOString());
      }));

    it('applyPolicy: base, overrides, a hold window and the switch back in one transaction, or nothing', () =>
      using(async (store) => {
        await store.setPolicy({ base: 'on-payment', overrides: { konbini: 'on-order' } });
        const plan = {
          base: 'on-payment' as const,
          overrides: { boleto: 'on-order' as const, konbini: null },
          windows: { boleto: 48 },
          schedule: {
            mode: 'on-order' as const,
            from: new Date(T0).toISOString(),
            until: new Date(T0 + 96 * H).toISOString(),
            reason: 'peak',
          },
        };
        const before = { policy: await store.getPolicy(T0), providers: await store.customProviders() };
        // A step that fails (a window longer than a year) undoes the steps before it.
        await expect(
          store.applyPolicy({ ...plan, windows: { boleto: 48, konbini: 24 * 400 } }, T0),
        ).rejects.toMatchObject({ code: 'USAGE' });
        expect(await store.getPolicy(T0)).toEqual(before.policy);
        expect(await store.customProviders()).toEqual(before.providers);
        const r = await store.applyPolicy(plan, T0);
        expect(r.was).toEqual({
          base: 'on-payment',
          overrides: { boleto: null, konbini: 'on-order' },
          windows: { boleto: 120 },
        });
        expect(r.window).toMatchObject({ mode: 'on-order', reason: 'peak' });
        const p = await store.getPolicy(T0);
        expect(p).toMatchObject({ base: 'on-payment', overrides: { boleto: 'on-order' } });
        expect(p.overrides.konbini).toBeUndefined();
        expect(p.schedule).toEqual([r.window]);
        expect((await store.customProviders()).map((q) => [q.name, q.windowHours])).toEqual([['boleto', 48]]);
        await store.adjustStock({ sku: 'A', set: 3, nowMs: T0 });
        const o = await store.placeOrder({ id: 'b', provider: 'boleto', lines: [{ sku: 'A', qty: 1 }], nowMs: T0 });
        expect(o).toMatchObject({ mode: 'on-order', expiresAt: new Date(T0 + 48 * H).toISOString() });
      }));

    it('stock by hand: set creates, add needs the SKU, neither goes below what is reserved; createSkus leaves stock alone', () =>
      using(async (store) => {
        expect(await store.isEmpty()).toBe(true);
        expect(
          await store.adjustStock({ sku: 'A', set: 3, name: 'Mug', lowStock: 1, note: 'count', nowMs: T0 }),
        ).toMatchObject({ created: true, before: 0, after: 3, name: 'Mug' });
        await expect(store.adjustStock({ sku: 'B', add: 1, nowMs: T0 })).rejects.toMatchObject({ code: 'UNKNOWN_SKU' });
        await store.setBaseMode('on-order');
        await store.placeOrder({ id: 'h', provider: 'boleto', lines: [{ sku: 'A', qty: 2 }], nowMs: T0 });
        await expect(store.adjustStock({ sku: 'A', set: 1, nowMs: T0 })).rejects.toMatchObject({
          code: 'BELOW_RESERVED',
        });
        expect(
          await store.createSkus(
            [
              { sku: 'A', name: 'x', qty: 9, lowStock: null },
              { sku: 'N', name: 'New', qty: 4, lowStock: 2 },
            ],
            'sample',
            T0,
          ),
        ).toEqual(['N']);
        expect(
          (await store.listStock({ nowMs: T0 })).map((i) => [
            i.sku,
            i.name,
            i.onHand,
            i.reserved,
            i.available,
            i.lowStock,
            i.low,
          ]),
        ).toEqual([
          ['A', 'Mug', 3, 2, 1, 1, true],
          ['N', 'New', 4, 0, 4, 2, false],
        ]);
        const streamed = [];
        for await (const i of store.iterateStock(T0)) streamed.push(i.sku);
        expect(streamed).toEqual(['A', 'N']);
        expect(await store.isEmpty()).toBe(false);
      }));

    it('payment method mappings: set, replaced, removed, kept apart from the other settings', () =>
      using(async (store) => {
        expect(await store.methodMap()).toEqual({});
        expect(await store.mapMethod('stripe:oxxo', 'oxxo')).toBeNull();
        expect(await store.mapMethod('woocommerce:my gateway', 'card')).toBeNull();
        expect(await store.mapMethod('stripe:oxxo', 'boleto')).toBe('oxxo');
        expect(await store.methodMap()).toEqual({ 'stripe:oxxo': 'boleto', 'woocommerce:my gateway': 'card' });
        expect(await store.mapMethod('stripe:oxxo', null)).toBe('boleto');
        expect(await store.methodMap()).toEqual({ 'woocommerce:my gateway': 'card' });
        expect((await store.getPolicy(T0)).base).toBe('on-payment');
        expect(await store.verify()).toEqual([]);
      }));

    it('replays are exactly once: the same place under its id, and stock changes under an event id, are duplicates', () =>
      using(async (store) => {
        await store.setBaseMode('on-order');
        const set = await store.adjustStock({ sku: 'A', set: 5, name: 'Mug', eventId: 's1', nowMs: T0 });
        expect(set).toMatchObject({ created: true, after: 5 });
        expect(set).not.toHaveProperty('duplicate');
        const place = { id: 'r1', provider: 'boleto', lines: [{ sku: 'A', qty: 2 }], nowMs: T0 };
        expect((await store.placeOrder(place)).duplicate).toBe(false);
        await store.adjustStock({ sku: 'A', add: 3, eventId: 'a1', nowMs: T0 });
        const count = (await store.history('A')).movements.length;
        // The same events again, later: nothing changes, and each says it was a duplicate.
        expect(await store.adjustStock({ sku: 'A', set: 5, name: 'Mug', eventId: 's1', nowMs: T0 + H })).toEqual({
          sku: 'A',
          name: 'Mug',
          created: false,
          before: 8,
          after: 8,
          reserved: 2,
          available: 6,
          duplicate: true,
        });
        expect(await store.adjustStock({ sku: 'A', add: 3, eventId: 'a1', nowMs: T0 + H })).toMatchObject({
          after: 8,
          duplicate: true,
        });
        // The lines in another order, or one SKU split in two, are the same order.
        expect(
          await store.placeOrder({
            ...place,
            lines: [
              { sku: 'A', qty: 1 },
              { sku: 'A', qty: 1 },
            ],
            nowMs: T0 + H,
          }),
        ).toMatchObject({ id: 'r1', status: 'pending', reserved: 2, duplicate: true });
        expect((await store.history('A')).movements.length).toBe(count);
        // Anything else under a taken id is refused, as before.
        await expect(store.placeOrder({ ...place, lines: [{ sku: 'A', qty: 3 }] })).rejects.toMatchObject({
          code: 'ORDER_EXISTS',
        });
        await expect(store.placeOrder({ ...place, provider: 'card' })).rejects.toMatchObject({
          code: 'ORDER_EXISTS',
        });
        await expect(store.adjustStock({ sku: 'A', add: 4, eventId: 's1', nowMs: T0 })).rejects.toMatchObject({
          code: 'EVENT_CONFLICT',
        });
        await store.adjustStock({ sku: 'B', set: 1, nowMs: T0 });
        await expect(store.adjustStock({ sku: 'B', add: 3, eventId: 'a1', nowMs: T0 })).rejects.toMatchObject({
          code: 'EVENT_CONFLICT',
        });
        // A refused change does not keep its id: sent again once it can be applied, it is.
        await expect(store.adjustStock({ sku: 'A', set: 1, eventId: 's2', nowMs: T0 })).rejects.toMatchObject({
          code: 'BELOW_RESERVED',
        });
        expect(await store.adjustStock({ sku: 'A', set: 2, eventId: 's2', nowMs: T0 })).toMatchObject({ after: 2 });
        expect((await store.history('A')).movements.length).toBe(count + 1);
        expect(await store.verify()).toEqual([]);
      }));

    it('batch: one transaction, a savepoint per operation; a refused one rolls back alone, a store failure all', () =>
      using(async (store) => {
        await store.setBaseMode('on-order');
        const place = (id: string, qty: number) => () =>
          store.placeOrder({ id, provider: 'boleto', lines: [{ sku: 'A', qty }], nowMs: T0 });
        const outcomes = await store.batch<unknown>([
          () => store.adjustStock({ sku: 'A', set: 5, nowMs: T0 }),
          place('b1', 2),
          place('b2', 9),
          () => store.adjustStock({ sku: 'B', add: 1, nowMs: T0 }),
          place('b3', 3),
          () => store.notify({ id: 'b1', transition: 'pay', eventId: 'e1', nowMs: T0 }),
        ]);
        expect(outcomes.map((r) => (r.ok ? 'ok' : (r.error as InvError).code))).toEqual([
          'ok',
          'ok',
          'OUT_OF_STOCK',
          'UNKNOWN_SKU',
          'ok',
          'ok',
        ]);
        expect((await store.listStock({ nowMs: T0 }))[0]).toMatchObject({ sku: 'A', onHand: 3, reserved: 3 });
        await expect(store.getOrder('b2', T0)).rejects.toMatchObject({ code: 'UNKNOWN_ORDER' });
        expect(await store.verify()).toEqual([]);

        // --stop-on-error: nothing after the first refusal runs.
        let ran = 0;
        await store.adjustStock({ sku: 'A', add: 10, nowMs: T0 });
        const stopped = await store.batch<unknown>(
          [
            place('c1', 1),
            place('c2', 99),
            async () => {
              ran++;
              return store.adjustStock({ sku: 'A', add: 1, nowMs: T0 });
            },
          ],
          { stopOnFailure: true },
        );
        expect(stopped.map((r) => r.ok)).toEqual([true, false]);
        expect(ran).toBe(0);
        expect((await store.getOrder('c1', T0)).status).toBe('pending');

        // The store itself failing: the whole batch is gone, and the error is thrown.
        const movements = (await store.history('A')).movements.length;
        await expect(
          store.batch<unknown>([
            place('d1', 1),
            async () => {
              throw new StoreError('STORE_UNAVAILABLE', 'the disk is full');
            },
            place('d2', 1),
          ]),
        ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
        await expect(store.getOrder('d1', T0)).rejects.toMatchObject({ code: 'UNKNOWN_ORDER' });
        expect((await store.history('A')).movements.length).toBe(movements);
        // And the store goes on serving.
        expect(await store.batch([place('d3', 1)])).toMatchObject([{ ok: true }]);
        expect(await store.verify()).toEqual([]);
      }));

    it('for any sequence of adjustments, orders and notifications, stock equals the ledger and every hold ends once', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), (ops) => using((s) => play(s, ops))),
        { numRuns: runs, seed: 42 },
      );
    });

    it('on-order never drives available below zero (without late payments)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), (ops) => using((s) => play(s, ops, 'on-order'))),
        { numRuns: runs, seed: 7 },
      );
    });
  });
}
