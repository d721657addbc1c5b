import { describe, expect, it } from 'vitest';
import { decide, lineMove, placeEffect, STATUSES, type Transition } from '../../src/core/lifecycle.js';
import { adjustment } from '../../src/core/stock.js';

const T: Transition[] = ['pay', 'fail', 'cancel', 'expire'];

describe('placing', () => {
  it('on-order reserves, on-payment takes nothing; both need the units available', () => {
    expect(placeEffect('on-order', 3)).toEqual({ requireAvailable: 3, onHandDelta: 0, reservedDelta: 3, holds: true });
    expect(placeEffect('on-payment', 3)).toEqual({
      requireAvailable: 3,
      onHandDelta: 0,
      reservedDelta: 0,
      holds: false,
    });
  });
});

describe('the state machine, in both modes', () => {
  it('pending on-order: pay turns the hold into a sale; fail, cancel and expire release it', () => {
    const s = { status: 'pending' as const, holding: true };
    const pay = decide(s, 'pay');
    expect(pay).toMatchObject({ kind: 'apply', status: 'paid', reason: 'order-paid', releases: true, takes: true });
    expect(lineMove(pay as never, 2, 0)).toEqual({ onHandDelta: -2, reservedDelta: -2, oversold: 0 });
    for (const [t, status] of [
      ['fail', 'failed'],
      ['cancel', 'cancelled'],
      ['expire', 'expired'],
    ] as const) {
      const d = decide(s, t);
      expect(d).toMatchObject({ kind: 'apply', status, reason: `order-${status}`, releases: true, takes: false });
      expect(lineMove(d as never, 2, 5)).toEqual({ onHandDelta: 0, reservedDelta: -2, oversold: 0 });
    }
  });

  it('pending on-payment: pay takes from onHand, oversold by what was not available', () => {
    const pay = decide({ status: 'pending', holding: false }, 'pay') as never;
    expect(lineMove(pay, 3, 5)).toEqual({ onHandDelta: -3, reservedDelta: 0, oversold: 0 });
    expect(lineMove(pay, 3, 3)).toEqual({ onHandDelta: -3, reservedDelta: 0, oversold: 0 });
    expect(lineMove(pay, 3, 1)).toEqual({ onHandDelta: -3, reservedDelta: 0, oversold: 2 });
    expect(lineMove(pay, 3, 0)).toEqual({ onHandDelta: -3, reservedDelta: 0, oversold: 3 });
    expect(lineMove(pay, 3, -4)).toEqual({ onHandDelta: -3, reservedDelta: 0, oversold: 3 });
    for (const t of ['fail', 'cancel', 'expire'] as const) {
      expect(lineMove(decide({ status: 'pending', holding: false }, t) as never, 3, 0)).toEqual({
        onHandDelta: 0,
        reservedDelta: 0,
        oversold: 0,
      });
    }
  });

  it('a payment after expiry is a late payment that takes stock like on-payment', () => {
    const d = decide({ status: 'expired', holding: false }, 'pay');
    expect(d).toMatchObject({
      kind: 'apply',
      status: 'paid',
      reason: 'late-payment',
      latePayment: true,
      releases: false,
      takes: true,
    });
    expect(lineMove(d as never, 2, 1).oversold).toBe(1);
  });

  it('refuses a payment for a cancelled order and a failure for a paid one', () => {
    expect(decide({ status: 'cancelled', holding: false }, 'pay').kind).toBe('refused');
    expect(decide({ status: 'paid', holding: false }, 'fail').kind).toBe('refused');
    expect(decide({ status: 'paid', holding: false }, 'cancel').kind).toBe('refused');
  });

  it('repeating a transition already made is a no-op, in every final status', () => {
    expect(decide({ status: 'paid', holding: false }, 'pay').kind).toBe('noop');
    expect(decide({ status: 'failed', holding: false }, 'fail').kind).toBe('noop');
    expect(decide({ status: 'cancelled', holding: false }, 'cancel').kind).toBe('noop');
    expect(decide({ status: 'expired', holding: false }, 'expire').kind).toBe('noop');
  });

  it('no final status ever releases units again (a release happens at most once)', () => {
    for (const status of STATUSES.filter((s) => s !== 'pending')) {
      for (const t of T) {
        const d = decide({ status, holding: false }, t);
        if (d.kind === 'apply') expect(d.releases).toBe(false);
      }
    }
  });
});

describe('manual adjustments', () => {
  it('set is absolute, add is relative, neither may go below the reserved units', () => {
    expect(adjustment({ onHand: 5, reserved: 2 }, { set: 9 }, 'A')).toBe(4);
    expect(adjustment({ onHand: 5, reserved: 2 }, { add: -3 }, 'A')).toBe(-3);
    expect(() => adjustment({ onHand: 5, reserved: 2 }, { add: -4 }, 'A')).toThrow(/below the 2 units reserved/);
    expect(() => adjustment({ onHand: 5, reserved: 2 }, { set: 1 }, 'A')).toThrow(/below the 2 units reserved/);
    expect(() => adjustment({ onHand: 5, reserved: 0 }, { set: -1 }, 'A')).toThrow(/never below zero/);
    // A shop that owes units may still receive some.
    expect(adjustment({ onHand: -3, reserved: 0 }, { add: 1 }, 'A')).toBe(1);
  });
});
