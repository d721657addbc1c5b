/**
 * The inventory update policy and its resolution (SPEC section 2, "Mode resolution").
 * This file is the one place that decides which mode applies to an order.
 */
import { UsageError } from './errors.js';

export const MODES = ['on-order', 'on-payment'] as const;
export type Mode = (typeof MODES)[number];

/** The base mode of a new store (SPEC section 2). */
export const DEFAULT_MODE: Mode = 'on-payment';

export interface ScheduleWindow {
  id: number;
  mode: Mode;
  /** ISO-8601 UTC, inclusive. */
  from: string;
  /** ISO-8601 UTC, exclusive: at `until` the base mode applies again. */
  until: string;
  reason: string | null;
}

export interface Policy {
  base: Mode;
  overrides: Record<string, Mode>;
  schedule: ScheduleWindow[];
}

export type Because = 'provider' | 'schedule' | 'base';

export interface Resolution {
  mode: Mode;
  because: Because;
  window?: ScheduleWindow;
}

export function parseMode(text: string): Mode {
  if ((MODES as readonly string[]).includes(text)) return text as Mode;
  throw new UsageError(`unknown mode "${text}": use on-order or on-payment`);
}

export function isActive(w: ScheduleWindow, nowMs: number): boolean {
  return Date.parse(w.from) <= nowMs && nowMs < Date.parse(w.until);
}

/**
 * The mode for an order placed at `nowMs` with `provider`; first match wins:
 * a provider override, then an active window (the most recently created one
 * when several overlap), then the base mode.
 */
export function resolveMode(policy: Policy, nowMs: number, provider?: string): Resolution {
  if (provider !== undefined) {
    const override = policy.overrides[provider];
    if (override) return { mode: override, because: 'provider' };
  }
  let active: ScheduleWindow | undefined;
  for (const w of policy.schedule) {
    if (isActive(w, nowMs) && (!active || w.id > active.id)) active = w;
  }
  if (active) return { mode: active.mode, because: 'schedule', window: active };
  return { mode: policy.base, because: 'base' };
}

/** Checks a new window: it must end after it starts and not be over already. */
export function validateWindow(fromMs: number, untilMs: number, nowMs: number): void {
  if (untilMs <= nowMs) {
    throw new UsageError(
      `--until (${new Date(untilMs).toISOString()}) is in the past (now is ${new Date(nowMs).toISOString()})`,
    );
  }
  if (untilMs <= fromMs) {
    throw new UsageError(
      `--until (${new Date(untilMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`,
    );
  }
}
