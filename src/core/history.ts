/**
 * The shop's own figures from the orders it has recorded (issue 13, point 5):
 * checkouts per hour, provider shares, the share of orders never paid and the
 * payment delay per provider. Where a sample is too small to trust, the
 * catalogue's figure stays, and the estimate says so. Pure: orders in.
 */
import type { Sourced } from './costs.js';
import type { Provider } from './providers.js';
import { quantile } from './stats.js';

/** Fewer resolved orders than this for a provider, and its catalogue figures stay [A]. */
export const MIN_SAMPLE = 20;
/** Fewer orders than this in all, and the catalogue's rate and equal shares stay [A]. */
export const MIN_ORDERS = 30;

export interface HistoryOrder {
  provider: string;
  status: string;
  placedAtMs: number;
  /** When the order last changed: for a paid order, when it was paid. */
  updatedAtMs: number;
}

export interface ProviderEstimate {
  provider: string;
  orders: number;
  resolved: number;
  paid: number;
  share: Sourced;
  unpaidRate: Sourced;
  delayHours: Sourced<{ median: number; p95: number }>;
}

export interface HistoryEstimate {
  since: string;
  until: string;
  orders: number;
  checkoutsPerHour: Sourced | null;
  providers: ProviderEstimate[];
  notes: string[];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function estimateFromHistory(
  all: HistoryOrder[],
  providers: Provider[],
  sinceMs: number,
  nowMs: number,
): HistoryEstimate {
  const orders = all.filter((o) => o.placedAtMs >= sinceMs && o.placedAtMs <= nowMs);
  const notes: string[] = [];
  const start = orders.length > 0 ? Math.max(sinceMs, Math.min(...orders.map((o) => o.placedAtMs))) : sinceMs;
  const hours = (nowMs - start) / 3_600_000;
  const enough = orders.length >= MIN_ORDERS && hours > 0;
  const checkoutsPerHour: Sourced | null = enough
    ? { value: r4(orders.length / hours), source: 'history', note: `${orders.length} orders over ${r4(hours)} h` }
    : null;
  if (!enough)
    notes.push(
      `only ${orders.length} orders recorded since ${new Date(sinceMs).toISOString()} (fewer than ${MIN_ORDERS}): the checkout rate and the provider shares stay the defaults`,
    );
  const inShop = orders.filter((o) => providers.some((p) => p.name === o.provider));
  const est = providers.map((p): ProviderEstimate => {
    const mine = inShop.filter((o) => o.provider === p.name);
    const resolved = mine.filter((o) => o.status === 'paid' || o.status === 'failed' || o.status === 'expired');
    const paid = resolved.filter((o) => o.status === 'paid');
    const delays = paid.map((o) => (o.updatedAtMs - o.placedAtMs) / 3_600_000).sort((a, b) => a - b);
    const share: Sourced =
      enough && inShop.length > 0
        ? {
            value: r4(mine.length / inShop.length),
            source: 'history',
            note: `${mine.length} of ${inShop.length} orders`,
          }
        : { value: r4(1 / providers.length), source: 'default', note: '[A] equal shares' };
    const unpaidRate: Sourced =
      resolved.length >= MIN_SAMPLE
        ? {
            value: r4(1 - paid.length / resolved.length),
            source: 'history',
            note: `${resolved.length - paid.length} of ${resolved.length} resolved orders never paid`,
          }
        : {
            value: p.unpaidRate,
            source: 'catalogue',
            note: `${resolved.length} resolved orders (fewer than ${MIN_SAMPLE}): the catalogue's figure (${p.sources})`,
          };
    const median = quantile(delays, 0.5);
    const p95 = quantile(delays, 0.95);
    const delayHours: Sourced<{ median: number; p95: number }> =
      paid.length >= MIN_SAMPLE && median > 0
        ? {
            value: { median: r4(median), p95: r4(Math.max(p95, median)) },
            source: 'history',
            note: `${paid.length} paid orders`,
          }
        : {
            value: p.delayHours,
            source: 'catalogue',
            note: `${paid.length} paid orders (fewer than ${MIN_SAMPLE}${paid.length >= MIN_SAMPLE ? ', or all paid at once' : ''}): the catalogue's figure (${p.sources})`,
          };
    if (unpaidRate.source !== 'history' || delayHours.source !== 'history')
      notes.push(`${p.name}: ${unpaidRate.source !== 'history' ? unpaidRate.note : delayHours.note}`);
    return {
      provider: p.name,
      orders: mine.length,
      resolved: resolved.length,
      paid: paid.length,
      share,
      unpaidRate,
      delayHours,
    };
  });
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(nowMs).toISOString(),
    orders: orders.length,
    checkoutsPerHour,
    providers: est,
    notes,
  };
}
