import { describe, expect, it } from 'vitest';
import { resolveMode, validateWindow, type Policy } from '../../src/core/modes.js';

const T = (s: string) => Date.parse(s);
const policy = (p: Partial<Policy> = {}): Policy => ({ base: 'on-payment', overrides: {}, schedule: [], ...p });
const window = {
  id: 1,
  mode: 'on-order' as const,
  from: '2026-11-27T00:00:00.000Z',
  until: '2026-12-01T00:00:00.000Z',
  reason: 'BFCM',
};

describe('mode resolution', () => {
  it('a new store runs on-payment, from the base mode', () => {
    expect(resolveMode(policy(), T('2026-11-01T00:00:00Z'))).toEqual({ mode: 'on-payment', because: 'base' });
  });

  it('an active window beats the base mode, from its first millisecond up to (not including) its end', () => {
    const p = policy({ schedule: [window] });
    expect(resolveMode(p, T('2026-11-26T23:59:59.999Z')).because).toBe('base');
    expect(resolveMode(p, T('2026-11-27T00:00:00.000Z'))).toMatchObject({ mode: 'on-order', because: 'schedule' });
    expect(resolveMode(p, T('2026-11-30T23:59:59.999Z')).mode).toBe('on-order');
    expect(resolveMode(p, T('2026-12-01T00:00:00.000Z'))).toEqual({ mode: 'on-payment', because: 'base' });
  });

  it('a provider override beats an active window and the base mode', () => {
    const p = policy({
      base: 'on-order',
      overrides: { card: 'on-payment' },
      schedule: [{ ...window, mode: 'on-order' }],
    });
    expect(resolveMode(p, T('2026-11-28T00:00:00Z'), 'card')).toEqual({ mode: 'on-payment', because: 'provider' });
    expect(resolveMode(p, T('2026-11-28T00:00:00Z'), 'boleto')).toMatchObject({
      mode: 'on-order',
      because: 'schedule',
    });
    expect(resolveMode(p, T('2026-12-02T00:00:00Z'), 'boleto')).toMatchObject({ mode: 'on-order', because: 'base' });
  });

  it('of overlapping windows, the one created last wins', () => {
    const later = { ...window, id: 2, mode: 'on-payment' as const };
    expect(
      resolveMode(policy({ base: 'on-order', schedule: [later, window] }), T('2026-11-28T00:00:00Z')).window?.id,
    ).toBe(2);
  });

  it('a window must end after it starts and not be over already', () => {
    const now = T('2026-11-20T00:00:00Z');
    expect(() => validateWindow(T('2026-11-28T00:00:00Z'), T('2026-11-27T00:00:00Z'), now)).toThrow(
      /must be after --from/,
    );
    expect(() => validateWindow(T('2026-11-28T00:00:00Z'), T('2026-11-28T00:00:00Z'), now)).toThrow(
      /must be after --from/,
    );
    expect(() => validateWindow(T('2026-11-01T00:00:00Z'), T('2026-11-19T00:00:00Z'), now)).toThrow(/in the past/);
    expect(() => validateWindow(now, T('2026-11-21T00:00:00Z'), now)).not.toThrow();
  });
});
