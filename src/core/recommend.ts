/**
 * The recommendation rules (SPEC sections 1 and 6): which mode a shop should run,
 * for how long, and why, in plain words that name the figures behind them.
 * Pure: the command gathers the inputs (flags, the store) and the simulated risk.
 *
 * Thresholds are assumptions [A]: the research gives none for "few units" or
 * "deep stock"; they are written out in every reason so the operator can judge.
 */
import type { CandidateResult, Choice, CostModel, Sourced } from './costs.js';
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

/** Simulated risk per 1,000 checkouts under the two store-wide modes (kept from the first engine). */
export interface Risk {
  oversoldOrders: number;
  oversoldUnits: number;
  phantomRejected: number;
  rejected: number;
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

const money = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.995 && x < 1 ? 1 : 0)}%`;

export interface ExplainInput {
  choice: Choice;
  costs: CostModel;
  rules: Recommendation;
  ruleText: string;
  trials: number;
  hours: number;
  peakHours: number | null;
  longest: Provider;
  atProvider: { provider: string; hours: number; setting: string; source: string }[];
}

/**
 * The reasons, in plain words, each quoting its figures: the choice and its
 * cost, the runners-up, a tie and how the rules broke it, the break-even, the
 * costs assumed, the horizon; then SPEC section 1's context. The figures and
 * the advice are one: a tie is the only place the rules decide, and it says so.
 */
export function explain(x: ExplainInput): string[] {
  const { choice, costs } = x;
  const c = choice.chosen;
  const out: string[] = [];
  const does = (r: CandidateResult) =>
    `delivers ${per1000(r.delivered)} units, loses ${per1000(r.lostSales)} sales against a perfect-foresight policy and oversells ${per1000(r.oversoldOrders)} orders`;
  if (!choice.tieBrokenByRules) {
    out.push(
      `Lowest expected cost: ${c.name}, ${money(c.cost.mean)} per 1,000 checkouts (95% of trials ${money(c.cost.low)}–${money(c.cost.high)}): it ${does(c)}, keeping ${pct(c.efficiency)} of the profit a perfect-foresight policy could make (${money(choice.oracleValue)}).`,
    );
    if (choice.runnerUp && choice.margin)
      out.push(
        `Next best: ${choice.runnerUp.name}, ${money(choice.runnerUp.cost.mean)} (it ${does(choice.runnerUp)}); it costs ${money(choice.margin.mean)} more on the same customers (paired 95% interval ${money(choice.margin.low)}–${money(choice.margin.high)}).`,
      );
  } else {
    const others = choice.tied.filter((t) => t.name !== c.name);
    out.push(
      `Within noise of each other: ${choice.tied.map((t) => `${t.name} (${money(t.cost.mean)})`).join(', ')} per 1,000 checkouts: ` +
        `the paired 95% interval of the difference includes 0 or the difference is under ${money(choice.material)} (1% of the ${money(choice.oracleValue)} a perfect-foresight policy earns). ` +
        `SPEC section 1's rules break the tie: ${x.ruleText}, so ${c.name}.`,
    );
    out.push(`${c.name} ${does(c)}; ${others.map((o) => `${o.name} ${does(o)}`).join('; ')}.`);
  }
  const be = choice.breakEven;
  const k = costs.oversellCost.value;
  const ratio = costs.lostSaleCost > 0 ? k / costs.lostSaleCost : Number.POSITIVE_INFINITY;
  const bounds: string[] = [];
  if (be.below)
    bounds.push(
      `below ${money(be.below.oversellCost)} (${money(be.below.ratio)} lost sales) ${be.below.candidate} would cost less`,
    );
  if (be.above)
    bounds.push(
      `above ${money(be.above.oversellCost)} (${money(be.above.ratio)} lost sales) ${be.above.candidate} would cost less`,
    );
  out.push(
    `Break-even: an oversold order is priced at ${money(k)}, as much as ${money(ratio)} lost sales; ` +
      (bounds.length > 0
        ? `${choice.cheapest.name} stays the lowest-cost choice between those bounds: ${bounds.join('; ')}.`
        : `${choice.cheapest.name} stays the lowest-cost choice at any oversell cost.`),
  );
  out.push(
    `Costs: a lost sale ${money(costs.lostSaleCost)} (margin ${money(costs.margin.value)} × ${pct(costs.lostSaleShare.value)} of turned-away buyers who do not come back); ` +
      `an oversold order ${money(k)} (${costs.oversellCost.note}).`,
  );
  out.push(
    `Simulated: ${x.trials} trials, every candidate on the same customers, over ${x.peakHours !== null ? `the busy spell (${h(x.peakHours)}) and then ` : ''}` +
      `${h(x.hours - (x.peakHours ?? 0))} of normal traffic: at least twice the longest hold window (${x.longest.label}, ${h(x.longest.windowHours)}), so a hold still open at the end cannot decide; a unit held at the end is not counted as lost.`,
  );
  for (const a of x.atProvider)
    out.push(
      `At the provider: set the ${a.setting} to ${h(a.hours)} (${a.source}), and the same window in inv: inv provider set ${a.provider} --window ${a.hours / 24}d.`,
    );
  // SPEC section 1's context, without the rules' own verdicts on when to switch.
  for (const r of x.rules.reasons) if (!r.startsWith('Switch to on-order for the')) out.push(r);
  return out;
}

/** What `inv recommend` reports: the choice, every candidate's figures, the costs, and what it was asked. */
export interface RecommendResult extends Recommendation {
  policy: {
    name: string;
    base: Mode;
    overrides: Record<string, Mode>;
    windowHours: Record<string, number>;
    schedule: { mode: Mode; from: string; until: string } | null;
    /** Settings the operator changes at the provider (a shorter voucher expiry). */
    atProvider: { provider: string; hours: number; setting: string; source: string }[];
    commands: string[];
  };
  candidates: {
    name: string;
    policy: {
      base: Mode;
      overrides: Record<string, Mode>;
      windowHours: Record<string, number>;
      schedule: { mode: Mode; fromHours: number; untilHours: number } | null;
    };
    cost: { mean: number; low: number; high: number };
    delivered: number;
    lostSales: number;
    oversoldOrders: number;
    phantomRejected: number;
    efficiency: number;
  }[];
  costModel: {
    unit: string;
    margin: Sourced;
    oversellCost: Sourced;
    lostSaleShare: Sourced;
    restockDays: Sourced;
    lostSaleCost: number;
    oracleValue: number;
    material: number;
  };
  breakEven: {
    oversellCost: number;
    below: { oversellCost: number; ratio: number; candidate: string } | null;
    above: { oversellCost: number; ratio: number; candidate: string } | null;
    of: string;
  };
  tieBrokenByRules: boolean;
  tie: { candidates: string[]; rule: string } | null;
  risk: Record<Mode, Risk>;
  inputs: {
    providers: string[];
    traffic: TrafficLevel;
    stockDepth: (StockDepth & { skus?: number; p10?: number; p90?: number }) | null;
    restockDays: number | null;
    peakFrom: string | null;
    peakUntil: string | null;
    origin: Record<string, string>;
    checkoutsPerHour: Sourced;
    history: {
      since: string;
      until: string;
      orders: number;
      samples: Record<string, { orders: number; resolved: number; paid: number }>;
      notes: string[];
    } | null;
    figures: {
      provider: string;
      share: Sourced;
      unpaidRate: Sourced;
      delayHours: Sourced<{ median: number; p95: number }>;
      windowHours: Sourced;
    }[];
  };
  simulation: {
    trials: number;
    seed: number;
    hours: number;
    peakHours: number | null;
    checkoutsPerHour: number;
    skus: number;
    traffic: string;
    candidates: number;
    horizon: string;
    /** The peak (or busy spell) the period starts with, as dates; null at normal traffic. */
    peak: { from: string; until: string } | null;
  };
}
