/**
 * The planned order operations (src/core/orders.ts), pure: what placing, a
 * notification and an expiry write, decided once for every backend.
 */
import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../src/core/errors.js';
import {
  orderDoc,
  planExpiry,
  planNotify,
  planPlace,
  refundUnits,
  stockItem,
  type OrderState,
} from '../../src/core/orders.js';
import type { OrderDoc } from '../../src/core/ports.js';
import { CATALOGUE } from '../../src/core/providers.js';

const H = 3_600_000;
const T0 = Date.parse('2026-11-27T10:00:00Z');
const card = CATALOGUE.find((p) => p.name === 'card')!;
const boleto = CATALOGUE.find((p) => p.name === 'boleto')!;
const policy = (base: 'on-order' | 'on-payment', overrides: Record<string, 'on-order' | 'on-payment'> = {}) => ({
  base,
  overrides,
  schedule: [],
});

describe('planPlace', () => {
  it('on-order reserves each line, in SKU order, with the window of the provider', () => {
    const plan = planPlace({
      id: 'A',
      provider: boleto,
      lines: [
        { sku: 'TEE', qty: 2 },
        { sku: 'CAP', qty: 1 },
      ],
      policy: policy('on-order'),
      nowMs: T0,
    });
    expect(plan.order).toMatchObject({ mode: 'on-order', holding: true, expiresAt: T0 + 120 * H, status: 'pending' });
    expect(plan.lines.map((l) => [l.sku, l.need, l.reservedDelta, l.holds])).toEqual([
      ['CAP', 1, 1, true],
      ['TEE', 2, 2, true],
    ]);
    expect(plan.movements.map((m) => [m.sku, m.reservedDelta, m.reason, m.note])).toEqual([
      ['CAP', 1, 'order-placed', 'boleto, on-order'],
      ['TEE', 2, 'order-placed', 'boleto, on-order'],
    ]);
  });

  it('on-payment needs the units available but takes nothing; a provider override wins over the base mode', () => {
    const plan = planPlace({
      id: 'B',
      provider: card,
      lines: [{ sku: 'MUG', qty: 3 }],
      policy: policy('on-order', { card: 'on-payment' }),
      nowMs: T0,
    });
    expect(plan.order).toMatchObject({ mode: 'on-payment', holding: false });
    expect(plan.lines).toEqual([{ sku: 'MUG', qty: 3, need: 3, onHandDelta: 0, reservedDelta: 0, holds: false }]);
    expect(plan.movements).toEqual([]);
  });
});

const held = (over: Partial<OrderState> = {}): OrderState => ({
  id: 'A',
  status: 'pending',
  mode: 'on-order',
  provider: 'boleto',
  placedAt: T0,
  expiresAt: T0 + 120 * H,
  updatedAt: T0,
  holding: true,
  oversoldUnits: 0,
  latePayment: false,
  lines: [{ sku: 'MUG', qty: 2 }],
  ...over,
});

describe('planNotify', () => {
  it('a payment turns the hold into a sale; the event id is recorded with it', () => {
    const plan = planNotify(held(), { transition: 'pay', eventId: 'e1', nowMs: T0 + H }, undefined, () => 0);
    if (plan.kind !== 'apply') throw new Error(plan.kind);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0].movements).toMatchObject([
      { sku: 'MUG', onHandDelta: -2, reservedDelta: -2, reason: 'order-paid' },
    ]);
    expect(plan.order).toMatchObject({ status: 'paid', holding: false, updatedAt: T0 + H });
    expect(plan.event).toEqual({ id: 'e1', orderId: 'A', transition: 'pay', at: T0 + H });
  });

  it('past its window: the expiry first (dated at the window), then a late payment taken from what is available, oversold if short', () => {
    const asked: string[] = [];
    const plan = planNotify(held(), { transition: 'pay', nowMs: T0 + 130 * H }, undefined, (sku) => {
      asked.push(sku);
      return 1;
    });
    if (plan.kind !== 'apply') throw new Error(plan.kind);
    expect(plan.steps.map((s) => [s.order.status, s.movements[0].reason, s.movements[0].at])).toEqual([
      ['expired', 'order-expired', T0 + 120 * H],
      ['paid', 'late-payment', T0 + 130 * H],
    ]);
    expect(plan.steps[1].movements[0]).toMatchObject({ onHandDelta: -2, reservedDelta: 0, note: 'oversold by 1' });
    expect(plan.order).toMatchObject({ latePayment: true, oversoldUnits: 1 });
    expect(asked).toEqual(['MUG']);
  });

  it('the same event again is a duplicate; an event id used for something else is refused', () => {
    expect(
      planNotify(held(), { transition: 'pay', eventId: 'e1', nowMs: T0 }, { orderId: 'A', transition: 'pay' }, () => 0)
        .kind,
    ).toBe('duplicate');
    expect(() =>
      planNotify(held(), { transition: 'pay', eventId: 'e1', nowMs: T0 }, { orderId: 'B', transition: 'pay' }, () => 0),
    ).toThrow(expect.objectContaining({ code: 'EVENT_CONFLICT', exitCode: 3 }));
  });

  it('what the lifecycle refuses is refused whole; a repeat is reported as a duplicate and writes nothing', () => {
    expect(() =>
      planNotify(held({ status: 'paid', holding: false }), { transition: 'fail', nowMs: T0 }, undefined, () => 0),
    ).toThrow(RefusedError);
    const again = planNotify(
      held({ status: 'paid', holding: false }),
      { transition: 'pay', nowMs: T0 },
      undefined,
      () => 0,
    );
    expect(again).toMatchObject({ kind: 'apply', steps: [], repeat: true });
  });
});

describe('what every command shows', () => {
  it('an unpaid order past its window reads as expired, holding nothing; before it, as pending and holding', () => {
    expect(orderDoc(held(), T0 + 119 * H)).toMatchObject({ status: 'pending', reserved: 2 });
    expect(orderDoc(held(), T0 + 120 * H)).toMatchObject({
      status: 'expired',
      reserved: 0,
      updatedAt: new Date(T0 + 120 * H).toISOString(),
    });
    expect(orderDoc(held({ status: 'paid', holding: false }), T0 + 999 * H).status).toBe('paid');
    expect(planExpiry(held(), T0 + 119 * H)).toBeNull();
    expect(planExpiry(held(), T0 + 120 * H)?.order.status).toBe('expired');
  });

  it('units held past their window count as available', () => {
    expect(stockItem({ sku: 'MUG', name: '', onHand: 5, reserved: 4, lowStock: 2 }, 3)).toMatchObject({
      reserved: 1,
      available: 4,
      low: false,
    });
    expect(stockItem({ sku: 'MUG', name: '', onHand: 1, reserved: 0, lowStock: null }, 0)).toMatchObject({
      available: 1,
      oversold: false,
    });
  });
});

describe('refundUnits', () => {
  const order = (status: OrderDoc['status']): OrderDoc => ({
    id: 'R-1',
    status,
    mode: 'on-payment',
    provider: 'card',
    placedAt: '',
    expiresAt: '',
    updatedAt: '',
    lines: [
      { sku: 'MUG', qty: 2 },
      { sku: 'TEE', qty: 1 },
      { sku: 'MUG', qty: 1 },
    ],
    reserved: 0,
    oversoldUnits: 0,
    latePayment: false,
    duplicate: false,
  });

  it('a whole refund brings back every unit of a paid order, by SKU', () => {
    expect(refundUnits(order('paid'), null)).toEqual([
      { sku: 'MUG', qty: 3 },
      { sku: 'TEE', qty: 1 },
    ]);
  });

  it("a refund's own lines, each SKU at most what the order took; SKUs not on the order are left out", () => {
    expect(
      refundUnits(order('paid'), [
        { sku: 'MUG', qty: 5 },
        { sku: 'CAP', qty: 1 },
      ]),
    ).toEqual([{ sku: 'MUG', qty: 3 }]);
    expect(refundUnits(order('paid'), [{ sku: 'CAP', qty: 1 }])).toMatch(/lists no unit of order "R-1"/);
  });

  it('an order that never took its units gives none back', () => {
    for (const st of ['pending', 'failed', 'cancelled', 'expired'] as const)
      expect(refundUnits(order(st), null)).toMatch(new RegExp(`is ${st}: its units were never taken`));
  });
});
