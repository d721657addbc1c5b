/**
 * The recommendation rules (SPEC sections 1 and 6): which mode a shop should run,
 * for how long, and why, in plain words that name the figures behind them.
 * Pure: the command gathers the inputs (flags, the store) and the simulated risk.
 *
 * Thresholds are assumptions [A]: the research gives none for "few units" or
 * "deep stock"; they are written out in every reason so the operator can judge.
 */
import type { Mode } from './modes.js';
import type { Provider } from './providers.js';
import { iso } from './values.js';

export const TRAFFIC_LEVELS = ['normal', 'busy', 'peak'] as const;
export type TrafficLevel = (typeof TRAFFIC_LEVELS)[number];

/** At or below this many units a SKU is shallow: it can sell out within one slow payment [A]. */
export const SHALLOW_UNITS = 5;
/** At or above this many units a SKU does not run out even in a peak [A]. */
export const DEEP_UNITS = 50;
/** Restocking slower than this leaves an oversold unit owed for long [A]. */
export const SLOW_RESTOCK_DAYS = 7;
/** Without --peak-until: a peak lasts Black Friday to Cyber Monday (4 days, T6/T1), a busy spell a week (T6) [A]. */
export const DEFAULT_SPELL_DAYS: Record<Exclude<TrafficLevel, 'normal'>, number> = { peak: 4, busy: 7 };
/** A difference between the modes smaller than this per 1,000 checkouts is not worth a decision [A]. */
export const MATERIAL_PER_1000 = 1;

export interface StockDepth {
  /** The typical available units per SKU (the median when read from the store). */
  units: number;
  /** Share of SKUs at or below SHALLOW_UNITS, when known (from the store). */
  shallowShare?: number;
  source: 'flag' | 'store';
}

export interface RecommendInput {
  providers: Provider[];
  traffic: TrafficLevel;
  depth: StockDepth | null;
  restockDays: number | null;
  nowMs: number;
  peakFromMs: number | null;
  peakUntilMs: number | null;
}

/** Simulated harm per 1,000 checkouts, and whether the difference between the modes is beyond noise. */
export interface Risk {
  oversoldOrders: number;
  oversoldUnits: number;
  phantomRejected: number;
  rejected: number;
}

export interface SimVerdict {
  risk: Record<Mode, Risk>;
  /** The mode with fewer disappointed customers (oversold + phantom), if the difference is clear; null if within noise. */
  better: Mode | null;
  /** Mean difference in disappointed customers per 1,000 checkouts (on-payment − on-order). */
  difference: number;
}

export type Strength = 'strong' | 'soft';

export interface Recommendation {
  mode: Mode;
  temporary: boolean;
  /** ISO-8601: when to switch back (temporary only). */
  from: string | null;
  until: string | null;
  reasons: string[];
  /** Which rule decided, and how firmly. */
  decidedBy: { rule: string; strength: Strength };
  /** When only some providers are slow: on-order for those alone. */
  alternative: { base: Mode; overrides: Record<string, Mode>; text: string } | null;
}

const isSlow = (p: Provider) => p.kind === 'delayed';
const isSometimesLate = (p: Provider) => p.kind === 'instant' && (p.lateShare ?? 0) > 0;
const h = (hours: number) =>
  hours >= 48
    ? `${+(hours / 24).toFixed(1)} days`
    : hours >= 1
      ? `${+hours.toFixed(1)} h`
      : `${Math.round(hours * 60)} min`;
const per1000 = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));

type DepthClass = 'shallow' | 'medium' | 'deep' | 'unknown';

export function depthClass(d: StockDepth | null): DepthClass {
  if (!d) return 'unknown';
  if (d.units <= SHALLOW_UNITS || (d.shallowShare ?? 0) >= 0.5) return 'shallow';
  if (d.units >= DEEP_UNITS && (d.shallowShare ?? 0) < 0.1) return 'deep';
  return 'medium';
}

function describeDepth(d: StockDepth | null): string {
  if (!d) return 'stock depth not given';
  const share =
    d.shallowShare !== undefined
      ? `, ${Math.round(d.shallowShare * 100)}% of SKUs at ${SHALLOW_UNITS} units or fewer`
      : '';
  return `${d.source === 'store' ? 'the store holds a median of' : 'about'} ${d.units} available units per SKU${share}`;
}

/** The rules alone: SPEC section 1, point by point. */
export function decide(input: RecommendInput): Recommendation {
  const reasons: string[] = [];
  const slow = input.providers.filter(isSlow);
  const instant = input.providers.filter((p) => !isSlow(p));
  const late = input.providers.filter(isSometimesLate);
  const depth = depthClass(input.depth);
  const shallowish = depth === 'shallow' || depth === 'medium' || depth === 'unknown';
  const slowRestock = input.restockDays !== null && input.restockDays >= SLOW_RESTOCK_DAYS;
  const rush = input.traffic !== 'normal';

  // Point 1: slow payment methods.
  for (const p of slow) {
    reasons.push(
      `${p.label} is a slow method: payments arrive a median ${h(p.delayHours.median)} after the order, 5% take over ${h(p.delayHours.p95)} ` +
        `(window ${h(p.windowHours)}). Under on-payment other customers can buy the last units meanwhile, and the shop sells stock it no longer has.`,
    );
  }
  // Point 2: instant methods that are sometimes late.
  for (const p of late) {
    reasons.push(
      `${p.label} usually confirms at once, but about ${Math.round((p.lateShare ?? 0) * 100)}% of its payments arrive late ` +
        `(around ${h(p.lateDelayHours?.median ?? 0)}); ${rush ? `at ${input.traffic} traffic that is enough to oversell under on-payment` : 'at normal traffic that rarely matters'}.`,
    );
  }
  // Point 3: traffic.
  if (rush) {
    reasons.push(
      `${input.traffic === 'peak' ? 'A peak (a sale, Black Friday, Cyber Monday: about 3.5–5× a normal day, T6/T2)' : 'Busy traffic (about 2× a normal day, T6)'} ` +
        `raises the chance that two customers want the last unit at once.`,
    );
  }
  // Point 4: stock depth and restocking.
  if (depth === 'deep') {
    reasons.push(
      `Stock is deep (${describeDepth(input.depth)}; deep means ${DEEP_UNITS}+): it will not run out even in a peak, which makes on-payment safe` +
        `${slow.length > 0 ? ' for instant payments; the slow methods above still call for on-order, however deep the stock' : ''}.`,
    );
  } else if (depth === 'shallow')
    reasons.push(
      `Stock is shallow (${describeDepth(input.depth)}; shallow means ${SHALLOW_UNITS} or fewer): the last units go fast, which favours on-order.`,
    );
  else if (depth === 'medium')
    reasons.push(`Stock is moderate (${describeDepth(input.depth)}; between ${SHALLOW_UNITS} and ${DEEP_UNITS}).`);
  else
    reasons.push('Stock depth was not given (use --stock-depth N or --from-store); the advice assumes it may run out.');
  if (input.restockDays !== null) {
    reasons.push(
      slowRestock
        ? `Restocking takes ${input.restockDays} days (slow: ${SLOW_RESTOCK_DAYS}+): a unit sold twice stays owed for long, which favours on-order.`
        : `Restocking takes ${input.restockDays} days: an oversold unit can be made good soon.`,
    );
  }

  let mode: Mode;
  let temporary = false;
  let decidedBy: Recommendation['decidedBy'];
  if (slow.length > 0) {
    mode = 'on-order';
    decidedBy = { rule: 'slow-provider', strength: 'strong' };
  } else if (rush && depth !== 'deep') {
    mode = 'on-order';
    temporary = true;
    decidedBy = { rule: 'peak-shallow-stock', strength: 'strong' };
  } else if (depth === 'shallow' && slowRestock) {
    mode = 'on-order';
    decidedBy = { rule: 'shallow-slow-restock', strength: 'soft' };
  } else {
    mode = 'on-payment';
    decidedBy = { rule: shallowish ? 'instant-providers' : 'deep-stock', strength: 'soft' };
  }

  // Point 5: the cost of on-order, whenever on-order is advised.
  if (mode === 'on-order') {
    const longest = [...input.providers].sort((a, b) => b.windowHours - a.windowHours)[0];
    if (longest) {
      reasons.push(
        `The cost of on-order: a customer who reaches the payment page and never pays holds units until the window ends ` +
          `(${longest.label}: ${h(longest.windowHours)}, ${Math.round(longest.unpaidRate * 100)}% never pay). Others meanwhile see the item out of stock (a phantom stockout); ` +
          '`inv stock show SKU` names the orders holding it.',
      );
    }
  }

  let from: string | null = null;
  let until: string | null = null;
  if (temporary) {
    const start = input.peakFromMs !== null && input.peakFromMs > input.nowMs ? input.peakFromMs : input.nowMs;
    const end = input.peakUntilMs ?? start + DEFAULT_SPELL_DAYS[input.traffic as 'peak' | 'busy'] * 86_400_000;
    from = iso(start);
    until = iso(end);
    reasons.push(
      `Switch to on-order for the ${input.traffic === 'peak' ? 'peak' : 'busy spell'} only, from ${from} until ${until}` +
        `${input.peakUntilMs === null ? ` (${DEFAULT_SPELL_DAYS[input.traffic as 'peak' | 'busy']} days; give --peak-until to set it)` : ''}, then back to on-payment once traffic is normal.`,
    );
  }

  let alternative: Recommendation['alternative'] = null;
  if (slow.length > 0 && instant.length > 0) {
    const overrides = Object.fromEntries(slow.map((p) => [p.name, 'on-order' as Mode]));
    alternative = {
      base: 'on-payment',
      overrides,
      text:
        `Only ${slow.map((p) => p.label).join(', ')} ${slow.length > 1 ? 'are' : 'is'} slow: instead of switching the whole shop, ` +
        `keep on-payment and set on-order for ${slow.length > 1 ? 'those providers' : 'that provider'} alone ` +
        `(${slow.map((p) => `inv set-mode on-order --provider ${p.name}`).join('; ')}). ${instant.map((p) => p.label).join(', ')} orders then take no stock until paid.`,
    };
  }
  return { mode, temporary, from, until, reasons, decidedBy, alternative };
}

/**
 * Puts the simulation next to the rules: quotes its figures, and where it clearly
 * disagrees says which wins. A strong rule (SPEC's own words: slow providers, a
 * peak on shallow stock) wins: an oversold order is a customer who paid for a unit
 * the shop does not have, and the simulation's inputs are estimates. A soft rule
 * gives way to a clear simulated difference.
 */
export function reconcile(rec: Recommendation, sim: SimVerdict): Recommendation {
  const reasons = [...rec.reasons];
  const o = sim.risk['on-order'];
  const p = sim.risk['on-payment'];
  reasons.push(
    `Simulated per 1,000 checkouts: on-payment oversells ${per1000(p.oversoldOrders)} orders (${per1000(p.oversoldUnits)} units); ` +
      `on-order turns away ${per1000(o.phantomRejected)} customers in phantom stockouts and oversells ${per1000(o.oversoldOrders)} orders (late payments only).`,
  );
  if (sim.better === null || sim.better === rec.mode) {
    if (sim.better === rec.mode)
      reasons.push(
        `The simulation agrees: ${rec.mode} disappoints ${per1000(Math.abs(sim.difference))} fewer customers per 1,000 checkouts.`,
      );
    else reasons.push('The simulation finds no clear difference between the modes here; the rules decide.');
    return { ...rec, reasons };
  }
  const gap = per1000(Math.abs(sim.difference));
  if (rec.decidedBy.strength === 'strong') {
    reasons.push(
      `The simulation disagrees: ${sim.better} disappoints ${gap} fewer customers per 1,000 checkouts. The rule wins: ` +
        `an oversold order is a customer who has paid for a unit the shop does not have (refund or backorder), a phantom stockout is a sale that may come back when the hold ends, ` +
        'and the simulated shares of unpaid orders are estimates.',
    );
    return { ...rec, reasons };
  }
  reasons.push(
    `The simulation disagrees with the rule of thumb, and clearly: ${sim.better} disappoints ${gap} fewer customers per 1,000 checkouts, so the advice follows the simulation.`,
  );
  return {
    ...rec,
    mode: sim.better,
    temporary: false,
    from: null,
    until: null,
    reasons,
    decidedBy: { rule: 'simulation', strength: 'soft' },
  };
}

/** What `inv recommend` reports: the advice, the simulated risk, and what it was asked. */
export interface RecommendResult extends Recommendation {
  risk: Record<Mode, Risk>;
  inputs: {
    providers: string[];
    traffic: TrafficLevel;
    stockDepth: (StockDepth & { skus?: number; p10?: number; p90?: number }) | null;
    restockDays: number | null;
    peakFrom: string | null;
    peakUntil: string | null;
  };
  simulation: { trials: number; seed: number; hours: number; checkoutsPerHour: number; skus: number; traffic: string };
}
