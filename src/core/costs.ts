/**
 * The economics of the inventory update policy (issue 13): what a lost sale and
 * an oversold order cost the shop, which policies are worth simulating, and the
 * choice among them: the lowest expected cost, with SPEC section 1's rules
 * breaking a tie that the simulation cannot resolve, and the break-even oversell
 * cost at which the choice would change. Pure: figures in, decision out.
 *
 * No source in shared/research/ gives a cost figure, so every default below is
 * an assumption [A], stated in every output with the flag that replaces it.
 * Leads for the operator's own figures: Anderson, Fitzsimons & Simester (2006,
 * Management Science 52(11)): a stockout's cost reaches past the current order
 * into future orders, so an oversold order costs more than its margin;
 * Breugelmans, Campo & Gijsbrechts (2006): online shoppers facing a stockout
 * partly wait or come back, so not every turned-away buyer is a lost sale.
 */
import type { Mode, Policy } from './modes.js';
import { resolveMode } from './modes.js';
import type { Provider } from './providers.js';

/** A figure and where it came from. */
export interface Sourced<T = number> {
  value: T;
  source: 'flag' | 'default' | 'store' | 'history' | 'catalogue' | 'derived';
  note: string;
}

export interface CostModel {
  /** Profit on one unit sold, in the shop's currency. */
  margin: Sourced;
  /** What one oversold order costs: refund, support, goodwill; grows with the wait for restock. */
  oversellCost: Sourced;
  /** Share of turned-away buyers who do not come back (the rest buy later). */
  lostSaleShare: Sourced;
  restockDays: Sourced;
  /** What one lost sale costs: margin × lostSaleShare. */
  lostSaleCost: number;
}

/** [A] a unit's profit; only the ratio of the costs decides, so 10 reads as "ten of the shop's currency". */
export const DEFAULT_MARGIN = 10;
/** [A] an oversold order costs 1.5 margins at once (refund, support, an apology; AFS06: past the order itself)… */
export const OVERSELL_BASE_MARGINS = 1.5;
/** …plus [A] a quarter of a margin per day the customer waits for the backorder (AFS06: lost future orders). */
export const OVERSELL_MARGINS_PER_RESTOCK_DAY = 0.25;
/** [A] half of the turned-away buyers do not come back (Breugelmans et al. 2006: some wait or return). */
export const DEFAULT_LOST_SALE_SHARE = 0.5;
/** [A] a week to restock when not told (SPEC section 1, point 4: slow restocking favours on-order). */
export const DEFAULT_RESTOCK_DAYS = 7;
/** A cost difference below this share of the oracle's profit is not worth a decision [A]. */
export const MATERIAL_SHARE = 0.01;

export interface CostInput {
  margin?: number;
  oversellCost?: number;
  lostSaleShare?: number;
  restockDays?: number | null;
}

export function costModel(i: CostInput): CostModel {
  const margin: Sourced =
    i.margin !== undefined
      ? { value: i.margin, source: 'flag', note: '--margin' }
      : { value: DEFAULT_MARGIN, source: 'default', note: '[A] a unit’s profit; give --margin' };
  const restockDays: Sourced =
    i.restockDays !== undefined && i.restockDays !== null
      ? { value: i.restockDays, source: 'flag', note: '--restock-days' }
      : { value: DEFAULT_RESTOCK_DAYS, source: 'default', note: '[A] a week; give --restock-days' };
  const oversellCost: Sourced =
    i.oversellCost !== undefined
      ? { value: i.oversellCost, source: 'flag', note: '--oversell-cost' }
      : {
          value: +(
            margin.value *
            (OVERSELL_BASE_MARGINS + OVERSELL_MARGINS_PER_RESTOCK_DAY * restockDays.value)
          ).toFixed(4),
          source: 'derived',
          note: `[A] margin × (${OVERSELL_BASE_MARGINS} + ${OVERSELL_MARGINS_PER_RESTOCK_DAY} × ${restockDays.value} restock days): refund, support and goodwill (Anderson, Fitzsimons & Simester 2006: a stockout costs future orders too); give --oversell-cost`,
        };
  const lostSaleShare: Sourced =
    i.lostSaleShare !== undefined
      ? { value: i.lostSaleShare, source: 'flag', note: '--lost-sale-share' }
      : {
          value: DEFAULT_LOST_SALE_SHARE,
          source: 'default',
          note: '[A] half do not come back (Breugelmans, Campo & Gijsbrechts 2006: online shoppers partly wait); give --lost-sale-share',
        };
  return { margin, oversellCost, lostSaleShare, restockDays, lostSaleCost: margin.value * lostSaleShare.value };
}

// ── candidates ──

/** A policy worth simulating: the store's Policy, hold windows set at the provider, a window of hours. */
export interface CandidatePolicy {
  name: string;
  base: Mode;
  overrides?: Record<string, Mode>;
  windowHours?: Record<string, number>;
  /** In hours from the start of the simulated period (the peak starts at 0). */
  schedule?: { mode: Mode; fromHours: number; untilHours: number };
}

/**
 * Hold windows that the operator can shorten at the provider, and where. Only
 * providers whose expiry the shop sets are listed; the figure is the shortest
 * expiry the provider allows that we suggest (days, whole: vouchers expire at
 * the end of a day).
 */
export const SHORTER_WINDOWS: Record<string, { hours: number; setting: string; source: string }> = {
  boleto: {
    hours: 48,
    setting: 'Boleto expiry in days (Stripe: payment_method_options.boleto.expires_after_days)',
    source: 'S2 (calendar days); 2 days [A]',
  },
  konbini: {
    hours: 24,
    setting: 'Konbini payment expiry in days (Stripe: konbini.expires_after_days, 1–60; Komoju: payment expiry)',
    source: 'S9, S11',
  },
  oxxo: { hours: 48, setting: 'OXXO expiry in days (Stripe: oxxo.expires_after_days, 1–7)', source: 'S17' },
  komoju: {
    hours: 168,
    setting: 'Komoju bank transfer deadline (the customer is told 7 days)',
    source: 'S12',
  },
};

/** At most this many slow providers get every subset of per-provider overrides (2^4 = 16). */
const MAX_SUBSET_PROVIDERS = 4;

const isSlow = (p: Provider) => p.kind === 'delayed';

function label(p: Omit<CandidatePolicy, 'name'>, providers: Provider[], peakHours: number | null): string {
  const onOrder = Object.entries(p.overrides ?? {})
    .filter(([, m]) => m === 'on-order')
    .map(([n]) => n);
  let s = onOrder.length > 0 && p.base === 'on-payment' ? `on-payment, on-order for ${onOrder.join('+')}` : p.base;
  if (onOrder.length === providers.length && p.base === 'on-payment') s = `on-order (every provider)`;
  const w = Object.entries(p.windowHours ?? {}).map(([n, h]) => `${n} window ${h / 24} d`);
  if (w.length > 0) s += `, ${w.join(', ')}`;
  if (p.schedule && peakHours !== null) s = `${p.schedule.mode} for the peak, then ${s}`;
  return s;
}

/**
 * The candidates of issue 13, point 3: store-wide on-order and on-payment;
 * on-order for each subset of the slow providers; the slow providers' hold
 * windows shortened where the provider allows it; and for a peak (the first
 * `peakHours` of the period), on-order for the peak and each policy after it.
 */
export function candidatePolicies(providers: Provider[], peakHours: number | null): CandidatePolicy[] {
  const out: CandidatePolicy[] = [];
  const seen = new Set<string>();
  const add = (p: Omit<CandidatePolicy, 'name'>) => {
    const name = label(p, providers, peakHours);
    if (seen.has(name)) return;
    seen.add(name);
    out.push({ name, ...p });
  };
  const slow = providers.filter(isSlow).slice(0, MAX_SUBSET_PROVIDERS);
  const instant = providers.filter((p) => !slow.includes(p));
  add({ base: 'on-order' });
  add({ base: 'on-payment' });
  const after: Omit<CandidatePolicy, 'name'>[] = [{ base: 'on-payment' }];
  if (instant.length > 0) {
    for (let mask = 1; mask < 1 << slow.length; mask++) {
      const overrides = Object.fromEntries(
        slow.filter((_, i) => mask & (1 << i)).map((p) => [p.name, 'on-order' as Mode]),
      );
      const p = { base: 'on-payment' as Mode, overrides };
      add(p);
      after.push(p);
    }
  }
  // The slow providers held on-order, their windows shortened at the provider.
  const allSlow =
    instant.length > 0
      ? { base: 'on-payment' as Mode, overrides: Object.fromEntries(slow.map((p) => [p.name, 'on-order' as Mode])) }
      : { base: 'on-order' as Mode };
  const shortenable = slow.filter((p) => SHORTER_WINDOWS[p.name] && SHORTER_WINDOWS[p.name].hours < p.windowHours);
  for (const p of shortenable) add({ ...allSlow, windowHours: { [p.name]: SHORTER_WINDOWS[p.name].hours } });
  if (shortenable.length > 1)
    add({
      ...allSlow,
      windowHours: Object.fromEntries(shortenable.map((p) => [p.name, SHORTER_WINDOWS[p.name].hours])),
    });
  if (peakHours !== null)
    for (const a of after) add({ ...a, schedule: { mode: 'on-order', fromHours: 0, untilHours: peakHours } });
  return out;
}

// ── the choice ──

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

/** Per-trial figures of one candidate, per 1,000 checkouts. */
export interface CandidateTrials {
  policy: CandidatePolicy;
  lostSales: number[];
  oversoldOrders: number[];
  delivered: number[];
  oracleDelivered: number[];
  phantomRejected: number[];
}

export interface CandidateResult {
  name: string;
  policy: CandidatePolicy;
  /** Expected cost per 1,000 checkouts against the oracle, and the middle 95% of trials. */
  cost: Interval;
  delivered: number;
  lostSales: number;
  oversoldOrders: number;
  phantomRejected: number;
  /** 1 − cost ÷ the oracle's profit: the share of the physically reachable profit this policy keeps. */
  efficiency: number;
}

export interface BreakEven {
  /** The oversell cost (currency) at or below which another candidate costs less; null if none ever does. */
  below: { oversellCost: number; ratio: number; candidate: string } | null;
  /** The oversell cost above which another candidate costs less; null if none ever does. */
  above: { oversellCost: number; ratio: number; candidate: string } | null;
}

export interface Choice {
  chosen: CandidateResult;
  /** The lowest expected cost (may differ from `chosen` when the rules broke a tie). */
  cheapest: CandidateResult;
  /** Candidates whose cost is within noise of the cheapest (paired), cheapest first. */
  tied: CandidateResult[];
  tieBrokenByRules: boolean;
  /** Paired difference runner-up − cheapest, per 1,000 checkouts (95% interval of the mean). */
  margin: Interval | null;
  runnerUp: CandidateResult | null;
  breakEven: BreakEven;
  candidates: CandidateResult[];
  /** The oracle's profit per 1,000 checkouts. */
  oracleValue: number;
  material: number;
}

const avg = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function spread(xs: number[]): Interval {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { mean: avg(xs), low: at(0.025), high: at(0.975) };
}

function pairedInterval(diff: number[]): Interval {
  const m = avg(diff);
  const sd = Math.sqrt(diff.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, diff.length - 1));
  const half = (1.96 * sd) / Math.sqrt(Math.max(1, diff.length));
  return { mean: m, low: m - half, high: m + half };
}

/**
 * How much a candidate agrees with SPEC section 1's rules: over every provider,
 * during the peak and after it, 1 when the candidate's mode is the rules' mode;
 * a shortened window counts half against (the rules do not ask for it).
 */
export function agreement(c: CandidatePolicy, rules: Policy, providers: string[], times: number[]): number {
  const asPolicy = (p: CandidatePolicy, ms: number): Policy => ({
    base: p.base,
    overrides: p.overrides ?? {},
    schedule:
      p.schedule && ms >= p.schedule.fromHours * 3.6e6 && ms < p.schedule.untilHours * 3.6e6
        ? [
            {
              id: 1,
              mode: p.schedule.mode,
              from: new Date(0).toISOString(),
              until: new Date(8.64e15).toISOString(),
              reason: null,
            },
          ]
        : [],
  });
  let score = 0;
  for (const t of times)
    for (const name of providers)
      if (resolveMode(asPolicy(c, t), t, name).mode === resolveMode(rules, t, name).mode) score++;
  return score - 0.5 * Object.keys(c.windowHours ?? {}).length;
}

export function choose(
  trials: CandidateTrials[],
  costs: CostModel,
  rulesScore: (c: CandidatePolicy) => number,
): Choice {
  const k = costs.oversellCost.value;
  const l = costs.lostSaleCost;
  const perTrial = trials.map((c) => c.lostSales.map((x, i) => l * x + k * c.oversoldOrders[i]));
  const oracleValue = costs.margin.value * avg(trials[0]?.oracleDelivered ?? []);
  const results: CandidateResult[] = trials.map((c, j) => {
    const cost = spread(perTrial[j]);
    return {
      name: c.policy.name,
      policy: c.policy,
      cost,
      delivered: avg(c.delivered),
      lostSales: avg(c.lostSales),
      oversoldOrders: avg(c.oversoldOrders),
      phantomRejected: avg(c.phantomRejected),
      efficiency: oracleValue > 0 ? 1 - cost.mean / oracleValue : 1,
    };
  });
  const order = results.map((_, j) => j).sort((a, b) => results[a].cost.mean - results[b].cost.mean);
  const best = order[0];
  const material = MATERIAL_SHARE * oracleValue;
  const withinNoise = (j: number) => {
    const d = pairedInterval(perTrial[j].map((x, i) => x - perTrial[best][i]));
    return d.low <= 0 || d.mean < material;
  };
  const tiedIdx = order.filter((j) => j === best || withinNoise(j));
  const runner = order[1];
  const marginInterval =
    runner !== undefined ? pairedInterval(perTrial[runner].map((x, i) => x - perTrial[best][i])) : null;
  let chosenIdx = best;
  let tieBrokenByRules = false;
  if (tiedIdx.length > 1) {
    const top = Math.max(...tiedIdx.map((j) => rulesScore(results[j].policy)));
    const pick = tiedIdx.find((j) => rulesScore(results[j].policy) === top) ?? best;
    chosenIdx = pick;
    tieBrokenByRules = true;
  }
  return {
    chosen: results[chosenIdx],
    cheapest: results[best],
    tied: tiedIdx.map((j) => results[j]),
    tieBrokenByRules,
    margin: marginInterval,
    runnerUp: runner !== undefined ? results[runner] : null,
    breakEven: breakEven(results, best, costs),
    candidates: order.map((j) => results[j]),
    oracleValue,
    material,
  };
}

/**
 * Where the cheapest candidate stops being cheapest as the oversell cost k moves
 * (the lost-sale cost fixed): each candidate's expected cost is a line in k,
 * L·lostSales + k·oversold, so the nearest crossing above and below is exact.
 */
export function breakEven(results: CandidateResult[], best: number, costs: CostModel): BreakEven {
  const l = costs.lostSaleCost;
  const k0 = costs.oversellCost.value;
  const b = results[best];
  let below: BreakEven['below'] = null;
  let above: BreakEven['above'] = null;
  results.forEach((c, j) => {
    if (j === best) return;
    const dO = b.oversoldOrders - c.oversoldOrders;
    if (Math.abs(dO) < 1e-12) return;
    const k = (l * (c.lostSales - b.lostSales)) / dO;
    if (!(k > 1e-9) || !Number.isFinite(k)) return; // lines that cross at 0 or below never swap for a real cost
    const at = { oversellCost: k, ratio: l > 0 ? k / l : Number.POSITIVE_INFINITY, candidate: c.name };
    if (dO > 0 && k >= k0 && (above === null || k < above.oversellCost)) above = at; // c oversells less: wins above k
    if (dO < 0 && k <= k0 && (below === null || k > below.oversellCost)) below = at; // c oversells more: wins below k
  });
  return { below, above };
}
