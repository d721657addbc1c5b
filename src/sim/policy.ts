/**
 * A policy as the simulator plays it: the store's Policy (SPEC section 2: base
 * mode, per-provider overrides, a scheduled window) plus hold windows that the
 * operator shortens at the provider. Which mode applies to a checkout is decided
 * by the core's resolveMode, once per (provider, inside/outside the window) when
 * the policy is compiled, never re-implemented here.
 */
import { MODES, type Mode, type Policy, resolveMode } from '../core/modes.js';

export interface SimPolicy {
  /** How the policy is named in results: `on-order`, `on-payment`, `on-order for boleto`, … */
  name: string;
  base: Mode;
  /** Per-provider overrides (SPEC section 2, rule 1). */
  overrides?: Record<string, Mode>;
  /** Hold (payment) windows set shorter at the provider, in hours, by provider name. */
  windowHours?: Record<string, number>;
  /** A scheduled window in hours from the start of the period: `mode` applies in [fromHours, untilHours). */
  schedule?: { mode: Mode; fromHours: number; untilHours: number };
}

/** The two store-wide modes: what `inv simulate` compares when no policy is given. */
export const STORE_WIDE: readonly SimPolicy[] = MODES.map((m) => ({ name: m, base: m }));

export interface CompiledPolicy {
  policy: SimPolicy;
  /** Per provider index: 1 when an order placed outside / inside the schedule holds stock (on-order). */
  holdsOut: Uint8Array;
  holdsIn: Uint8Array;
  fromHours: number;
  untilHours: number;
  /** Per provider index: the window in force, and the ratio to the catalogue's (1 = unchanged). */
  window: Float64Array;
  ratio: Float64Array;
  shortened: boolean;
}

const EPOCH = Date.UTC(2000, 0, 1);
const at = (hours: number) => new Date(EPOCH + hours * 3_600_000).toISOString();

export function compilePolicy(
  p: SimPolicy,
  providers: readonly { name: string; windowHours: number }[],
): CompiledPolicy {
  const schedule = p.schedule;
  const policy: Policy = {
    base: p.base,
    overrides: p.overrides ?? {},
    schedule: schedule
      ? [{ id: 1, mode: schedule.mode, from: at(schedule.fromHours), until: at(schedule.untilHours), reason: null }]
      : [],
  };
  const inside = schedule ? EPOCH + schedule.fromHours * 3_600_000 : EPOCH;
  const outside = schedule ? EPOCH + schedule.untilHours * 3_600_000 : EPOCH;
  const holds = (ms: number, name: string) => (resolveMode(policy, ms, name).mode === 'on-order' ? 1 : 0);
  const window = Float64Array.from(providers, (pr) => Math.min(pr.windowHours, p.windowHours?.[pr.name] ?? Infinity));
  return {
    policy: p,
    holdsOut: Uint8Array.from(providers, (pr) => holds(outside, pr.name)),
    holdsIn: Uint8Array.from(providers, (pr) => holds(inside, pr.name)),
    fromHours: schedule?.fromHours ?? 0,
    untilHours: schedule?.untilHours ?? 0,
    window,
    ratio: Float64Array.from(providers, (pr, i) => window[i] / pr.windowHours),
    shortened: providers.some((pr, i) => window[i] < pr.windowHours),
  };
}
