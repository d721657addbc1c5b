/**
 * `inv recommend`: every candidate policy (src/core/costs.ts) simulated on the
 * same customers, priced by the operator's cost model, the lowest expected cost
 * chosen; SPEC section 1's rules (src/core/recommend.ts) break a tie the
 * simulation cannot resolve. `inv advise` gathers the same inputs interactively
 * and calls `recommendWith()`.
 */
import { UsageError, invalidInput } from '../core/errors.js';
import { findProvider, mergeCatalogue, type Provider } from '../core/providers.js';
import {
  agreement,
  candidatePolicies,
  choose,
  costModel,
  SHORTER_WINDOWS,
  type CandidatePolicy,
  type CandidateTrials,
  type CostModel,
} from '../core/costs.js';
import type { Policy } from '../core/modes.js';
import {
  DEFAULT_SPELL_DAYS,
  SHALLOW_UNITS,
  TRAFFIC_LEVELS,
  decide,
  explain,
  type RecommendResult,
  type Risk,
  type StockDepth,
  type TrafficLevel,
} from '../core/recommend.js';
import type { Store } from '../core/ports.js';
import { quantile } from '../core/stats.js';
import { iso, parseDurationHours, parseInteger, parseTime } from '../core/values.js';
import { estimateFromHistory, type HistoryEstimate } from '../core/history.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderRecommendation } from '../render/recommend.js';
import { output, type Output } from './output.js';

export interface RecommendOptions {
  providers: string[];
  traffic?: string;
  stockDepth?: string;
  fromStore?: boolean;
  restockDays?: string;
  peakFrom?: string;
  peakUntil?: string;
  margin?: string;
  oversellCost?: string;
  lostSaleShare?: string;
  fromHistory?: boolean;
  since?: string;
}

export interface RecommendParams {
  providers: string[];
  traffic: TrafficLevel;
  stockDepth: number | null;
  fromStore: boolean;
  restockDays: number | null;
  peakFromMs: number | null;
  peakUntilMs: number | null;
  margin?: number;
  oversellCost?: number;
  lostSaleShare?: number;
  /** Learn rates, shares, unpaid shares and delays from the orders recorded since this time. */
  historySinceMs?: number | null;
}

/** Without --since, the history read is the last 90 days [A]: recent enough to be today's shop. */
export const DEFAULT_HISTORY_DAYS = 90;

function money(flag: string, text: string | undefined, max = 1e9): number | undefined {
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < 0 || n > max)
    throw new UsageError(
      `${flag} must be a number from 0 to ${max.toLocaleString('en-US')}, got ${JSON.stringify(text)}`,
    );
  return n;
}

export function parseTraffic(text: string | undefined): TrafficLevel {
  if (text === undefined) throw new UsageError(`--traffic is required: ${TRAFFIC_LEVELS.join(', ')}`);
  if (!(TRAFFIC_LEVELS as readonly string[]).includes(text))
    throw new UsageError(`unknown traffic level "${text}": use ${TRAFFIC_LEVELS.join(', ')}`);
  return text as TrafficLevel;
}

/** `--provider boleto --provider card` or `--provider boleto,card`. */
export function splitProviders(values: string[]): string[] {
  return [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

export function parseParams(o: RecommendOptions, nowMs: number): RecommendParams {
  const providers = splitProviders(o.providers);
  if (o.since !== undefined && !o.fromHistory) throw new UsageError('--since goes with --from-history');
  if (providers.length === 0 && !o.fromHistory)
    throw new UsageError(
      'name the payment providers the shop uses: --provider card --provider boleto (or --from-history)',
    );
  const historySinceMs = o.fromHistory
    ? nowMs - (o.since !== undefined ? parseDurationHours('--since', o.since) : DEFAULT_HISTORY_DAYS * 24) * 3_600_000
    : null;
  const traffic = parseTraffic(o.traffic);
  if (o.stockDepth !== undefined && o.fromStore)
    throw new UsageError('give either --stock-depth N or --from-store, not both');
  const stockDepth = o.stockDepth !== undefined ? parseInteger('--stock-depth', o.stockDepth, { min: 0 }) : null;
  const restockDays = o.restockDays !== undefined ? parseInteger('--restock-days', o.restockDays, { min: 0 }) : null;
  const peakFromMs = o.peakFrom !== undefined ? parseTime('--peak-from', o.peakFrom) : null;
  const peakUntilMs = o.peakUntil !== undefined ? parseTime('--peak-until', o.peakUntil) : null;
  if (peakFromMs !== null && peakUntilMs !== null && peakUntilMs <= peakFromMs) {
    throw new UsageError(`--peak-until (${iso(peakUntilMs)}) must be after --peak-from (${iso(peakFromMs)})`);
  }
  if (peakUntilMs !== null && peakUntilMs <= nowMs)
    throw new UsageError(`--peak-until (${iso(peakUntilMs)}) is in the past`);
  const margin = money('--margin', o.margin);
  if (margin === 0)
    throw new UsageError('--margin must be above 0: a sale that earns nothing makes every policy equal');
  const oversellCost = money('--oversell-cost', o.oversellCost);
  const lostSaleShare = money('--lost-sale-share', o.lostSaleShare, 1);
  return {
    providers,
    traffic,
    stockDepth,
    fromStore: Boolean(o.fromStore),
    restockDays,
    peakFromMs,
    peakUntilMs,
    margin,
    oversellCost,
    lostSaleShare,
    historySinceMs,
  };
}

/** What the store says about stock depth: the distribution of available units per SKU. */
export async function readDepth(
  store: Store,
  nowMs: number,
): Promise<{
  depth: StockDepth & { skus: number; p10: number; p90: number };
  available: { sku: string; available: number }[];
}> {
  const items = await store.listStock({ nowMs });
  if (items.length === 0) {
    throw invalidInput(
      'the store has no SKUs to read the stock depth from',
      [],
      'load stock first: inv import FILE (or give --stock-depth N)',
    );
  }
  const sorted = items.map((i) => Math.max(0, i.available)).sort((a, b) => a - b);
  return {
    depth: {
      units: quantile(sorted, 0.5),
      source: 'store',
      shallowShare: sorted.filter((n) => n <= SHALLOW_UNITS).length / sorted.length,
      skus: sorted.length,
      p10: quantile(sorted, 0.1),
      p90: quantile(sorted, 0.9),
    },
    available: items.map((i) => ({ sku: i.sku, available: Math.max(0, i.available) })),
  };
}

/** The simulation behind the choice: fixed and seeded, so the same inputs give the same advice. */
export const RISK_SIM = {
  trials: 60,
  seed: 20261127,
  /** [A] a small shop: half a checkout per SKU per hour on a normal day (12 a day), so that 5 units
   * (SHALLOW_UNITS) sell out on an ordinary day and 50 (DEEP_UNITS) last through a 3.5× peak (T6). */
  checkoutsPerSkuHour: 0.5,
  skus: 20,
  maxStoreSkus: 60,
  /** The period after a peak (or the whole period) lasts at least this long… */
  minHours: 72,
  /** …and at least this many times the longest hold window, so that a hold still open at the end cannot decide. */
  windowsPerPeriod: 2,
};

/** The simulated period: the peak (if any), then normal days long enough for every hold to end. */
export function horizon(
  providers: Provider[],
  traffic: TrafficLevel,
  peakHours: number,
): { peakHours: number | null; afterHours: number; longest: Provider } {
  const longest = [...providers].sort((a, b) => b.windowHours - a.windowHours)[0];
  const need = Math.max(RISK_SIM.minHours, RISK_SIM.windowsPerPeriod * longest.windowHours);
  return { peakHours: traffic === 'normal' ? null : peakHours, afterHours: Math.ceil(need / 24) * 24, longest };
}

interface Simulated {
  trials: CandidateTrials[];
  risk: Record<'on-order' | 'on-payment', Risk>;
  trialCount: number;
  hours: number;
  checkouts: number;
}

async function simulateCandidates(
  providers: Provider[],
  traffic: TrafficLevel,
  skus: { sku: string; stock: number }[],
  candidates: CandidatePolicy[],
  period: { peakHours: number | null; afterHours: number },
  learnt: HistoryEstimate | null,
): Promise<Simulated> {
  const { buildModel, Simulation } = await import('../sim/index.js');
  const phases = [
    ...(period.peakHours !== null ? [{ hours: period.peakHours, traffic: traffic as 'peak' | 'busy' }] : []),
    { hours: period.afterHours, traffic: 'normal' as const },
  ];
  const model = buildModel(
    {
      checkoutsPerHour: learnt?.checkoutsPerHour?.value ?? RISK_SIM.checkoutsPerSkuHour * skus.length,
      trials: RISK_SIM.trials,
      seed: RISK_SIM.seed,
      skus: skus.map((s) => ({ ...s, price: 1, weight: 1 })),
      providers: providers.map((p) => {
        const e = learnt?.providers.find((x) => x.provider === p.name);
        if (!e) return { name: p.name, share: 1 / providers.length };
        // A provider with no orders at all keeps a sliver, so that its policy still has customers to act on.
        return {
          name: p.name,
          share: Math.max(1e-3, e.share.value),
          unpaidRate: e.unpaidRate.value,
          delayHours: e.delayHours.value,
        };
      }),
      policies: candidates,
      phases,
    },
    providers,
  );
  const sim = new Simulation(model).runAll();
  const checkouts = sim.perTrial(candidates[0].name, 'checkouts');
  const per1000 = (name: string, metric: Parameters<typeof sim.perTrial>[1]) =>
    sim.perTrial(name, metric).map((x, k) => (checkouts[k] > 0 ? (1000 * x) / checkouts[k] : 0));
  const trials: CandidateTrials[] = candidates.map((policy) => ({
    policy,
    lostSales: per1000(policy.name, 'lostSales'),
    oversoldOrders: per1000(policy.name, 'oversoldOrders'),
    delivered: per1000(policy.name, 'delivered'),
    oracleDelivered: per1000(policy.name, 'oracleDelivered'),
    phantomRejected: per1000(policy.name, 'phantomRejected'),
  }));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const risk = {} as Simulated['risk'];
  for (const mode of ['on-order', 'on-payment'] as const) {
    risk[mode] = {
      oversoldOrders: +mean(per1000(mode, 'oversoldOrders')).toFixed(1),
      oversoldUnits: +mean(per1000(mode, 'oversoldUnits')).toFixed(1),
      phantomRejected: +mean(per1000(mode, 'phantomRejected')).toFixed(1),
      rejected: +mean(per1000(mode, 'rejected')).toFixed(1),
    };
  }
  return { trials, risk, trialCount: model.trials, hours: model.hours, checkouts: mean(checkouts) };
}

export async function recommendWith(store: Store, p: RecommendParams, nowMs: number): Promise<RecommendResult> {
  const catalogue = mergeCatalogue(await store.customProviders());
  let learnt: HistoryEstimate | null = null;
  let names = p.providers;
  if (p.historySinceMs !== null && p.historySinceMs !== undefined) {
    const orders = (await store.listOrders({ nowMs })).map((o) => ({
      provider: o.provider,
      status: o.status,
      placedAtMs: Date.parse(o.placedAt),
      updatedAtMs: Date.parse(o.updatedAt),
    }));
    if (names.length === 0) {
      names = [...new Set(orders.filter((o) => o.placedAtMs >= p.historySinceMs!).map((o) => o.provider))].filter((n) =>
        catalogue.some((c) => c.name === n),
      );
      if (names.length === 0)
        throw invalidInput(
          `--from-history: no orders recorded since ${iso(p.historySinceMs)} to learn the providers from`,
          [],
          'name them: --provider card --provider boleto (or a longer --since)',
        );
    }
    learnt = estimateFromHistory(
      orders,
      names.map((n) => findProvider(catalogue, n)),
      p.historySinceMs,
      nowMs,
    );
  }
  const providers = names.map((name) => findProvider(catalogue, name));
  let depth: RecommendResult['inputs']['stockDepth'] =
    p.stockDepth !== null ? { units: p.stockDepth, source: 'flag' } : null;
  let simSkus: { sku: string; stock: number }[];
  if (p.fromStore) {
    const read = await readDepth(store, nowMs);
    depth = read.depth;
    const step = Math.max(1, Math.floor(read.available.length / RISK_SIM.maxStoreSkus));
    simSkus = read.available
      .filter((_, i) => i % step === 0)
      .slice(0, RISK_SIM.maxStoreSkus)
      .map((a) => ({ sku: a.sku, stock: a.available }));
  } else {
    const units = p.stockDepth ?? 10; // unknown depth: the simulator's default of 10 units [A]
    simSkus = Array.from({ length: RISK_SIM.skus }, (_, i) => ({ sku: `SKU-${i + 1}`, stock: units }));
  }
  const rules = decide({
    providers,
    traffic: p.traffic,
    depth,
    restockDays: p.restockDays,
    nowMs,
    peakFromMs: p.peakFromMs,
    peakUntilMs: p.peakUntilMs,
  });
  const costs: CostModel = costModel({
    margin: p.margin,
    oversellCost: p.oversellCost,
    lostSaleShare: p.lostSaleShare,
    restockDays: p.restockDays,
  });
  // The peak as the rules date it (from --peak-from/--peak-until, or its default length).
  const spellDays = p.traffic === 'normal' ? 0 : DEFAULT_SPELL_DAYS[p.traffic];
  const peakStartMs = p.peakFromMs !== null && p.peakFromMs > nowMs ? p.peakFromMs : nowMs;
  const peakEndMs = p.peakUntilMs ?? peakStartMs + spellDays * 86_400_000;
  const period = horizon(providers, p.traffic, Math.max(1, (peakEndMs - peakStartMs) / 3_600_000));
  const candidates = candidatePolicies(providers, period.peakHours);
  const simulated = await simulateCandidates(providers, p.traffic, simSkus, candidates, period, learnt);

  // SPEC section 1's rules as a policy, for breaking ties: the rules' mode, for the peak only when temporary.
  const rulesPolicy: Policy = rules.temporary
    ? {
        base: 'on-payment',
        overrides: {},
        schedule: [
          { id: 1, mode: rules.mode, from: iso(0), until: iso((period.peakHours ?? 0) * 3_600_000), reason: null },
        ],
      }
    : { base: rules.mode, overrides: {}, schedule: [] };
  const times = period.peakHours !== null ? [period.peakHours / 2, period.peakHours + 1] : [1];
  const providerNames = providers.map((x) => x.name);
  const choice = choose(simulated.trials, costs, (c) =>
    agreement(
      c,
      rulesPolicy,
      providerNames,
      times.map((h) => h * 3_600_000),
    ),
  );
  const chosen = choice.chosen.policy;
  const temporary = chosen.schedule !== undefined;
  const from = temporary ? iso(peakStartMs) : null;
  const until = temporary ? iso(peakEndMs) : null;
  const atProvider = Object.entries(chosen.windowHours ?? {}).map(([provider, hours]) => ({
    provider,
    hours,
    setting: SHORTER_WINDOWS[provider]?.setting ?? `${provider} payment window`,
    source: SHORTER_WINDOWS[provider]?.source ?? '[A]',
  }));
  const policy: RecommendResult['policy'] = {
    name: chosen.name,
    base: chosen.base,
    overrides: chosen.overrides ?? {},
    windowHours: chosen.windowHours ?? {},
    schedule: temporary ? { mode: chosen.schedule!.mode, from: from!, until: until! } : null,
    atProvider,
    commands: policyCommands(chosen, from, until, p.traffic),
  };
  const runner = choice.candidates.find((c) => c.name !== choice.chosen.name) ?? null;
  const ruleText = rulesSummary(rules);
  const reasons = explain({
    choice,
    costs,
    rules,
    ruleText,
    trials: simulated.trialCount,
    hours: simulated.hours,
    peakHours: period.peakHours,
    longest: period.longest,
    atProvider,
  });
  const mode = temporary ? chosen.schedule!.mode : chosen.base;
  return {
    mode,
    temporary,
    from,
    until,
    reasons,
    decidedBy: choice.tieBrokenByRules
      ? { rule: `tie-broken-by-rules:${rules.decidedBy.rule}`, strength: 'soft' }
      : { rule: 'lowest-cost', strength: 'strong' },
    alternative: runner
      ? {
          base: runner.policy.base,
          overrides: runner.policy.overrides ?? {},
          text: `Next best: ${runner.name}, ${fmt(runner.cost.mean)} per 1,000 checkouts (${fmt(runner.cost.mean - choice.chosen.cost.mean, true)} against the choice).`,
        }
      : null,
    policy,
    candidates: choice.candidates.map((c) => ({
      name: c.name,
      policy: {
        base: c.policy.base,
        overrides: c.policy.overrides ?? {},
        windowHours: c.policy.windowHours ?? {},
        schedule: c.policy.schedule ?? null,
      },
      cost: round(c.cost),
      delivered: r2(c.delivered),
      lostSales: r2(c.lostSales),
      oversoldOrders: r2(c.oversoldOrders),
      phantomRejected: r2(c.phantomRejected),
      efficiency: +c.efficiency.toFixed(4),
    })),
    costModel: {
      unit: 'per 1,000 checkouts, in the currency of --margin',
      margin: costs.margin,
      oversellCost: costs.oversellCost,
      lostSaleShare: costs.lostSaleShare,
      restockDays: costs.restockDays,
      lostSaleCost: r2(costs.lostSaleCost),
      oracleValue: r2(choice.oracleValue),
      material: r2(choice.material),
    },
    breakEven: {
      oversellCost: costs.oversellCost.value,
      below: choice.breakEven.below
        ? {
            ...choice.breakEven.below,
            oversellCost: r2(choice.breakEven.below.oversellCost),
            ratio: r2(choice.breakEven.below.ratio),
          }
        : null,
      above: choice.breakEven.above
        ? {
            ...choice.breakEven.above,
            oversellCost: r2(choice.breakEven.above.oversellCost),
            ratio: r2(choice.breakEven.above.ratio),
          }
        : null,
      of: choice.cheapest.name,
    },
    tieBrokenByRules: choice.tieBrokenByRules,
    tie: choice.tieBrokenByRules ? { candidates: choice.tied.map((c) => c.name), rule: ruleText } : null,
    risk: simulated.risk,
    inputs: {
      providers: providers.map((x) => x.name),
      traffic: p.traffic,
      stockDepth: depth,
      restockDays: p.restockDays,
      peakFrom: p.peakFromMs !== null ? iso(p.peakFromMs) : null,
      peakUntil: p.peakUntilMs !== null ? iso(p.peakUntilMs) : null,
      origin: {
        providers: p.providers.length > 0 ? 'flag' : 'history',
        traffic: 'flag',
        stockDepth: depth === null ? 'default' : depth.source,
        restockDays: p.restockDays !== null ? 'flag' : 'default',
        checkoutsPerHour: learnt?.checkoutsPerHour ? 'history' : 'default',
        providerShares: learnt?.checkoutsPerHour ? 'history' : 'default',
        unpaidRate: learnt?.providers.some((x) => x.unpaidRate.source === 'history') ? 'history' : 'catalogue',
        delayHours: learnt?.providers.some((x) => x.delayHours.source === 'history') ? 'history' : 'catalogue',
        windowHours: 'catalogue',
      },
      checkoutsPerHour: learnt?.checkoutsPerHour ?? {
        value: RISK_SIM.checkoutsPerSkuHour * simSkus.length,
        source: 'default',
        note: `[A] ${RISK_SIM.checkoutsPerSkuHour} per SKU per hour on a normal day`,
      },
      figures: providers.map((x) => {
        const e = learnt?.providers.find((y) => y.provider === x.name);
        return {
          provider: x.name,
          share: e?.share ?? { value: r2(1 / providers.length), source: 'default', note: '[A] equal shares' },
          unpaidRate: e?.unpaidRate ?? { value: x.unpaidRate, source: 'catalogue', note: x.sources },
          delayHours: e?.delayHours ?? { value: x.delayHours, source: 'catalogue', note: x.sources },
          windowHours: { value: x.windowHours, source: 'catalogue', note: x.sources },
        };
      }),
      history: learnt
        ? {
            since: learnt.since,
            until: learnt.until,
            orders: learnt.orders,
            samples: Object.fromEntries(
              learnt.providers.map((x) => [x.provider, { orders: x.orders, resolved: x.resolved, paid: x.paid }]),
            ),
            notes: learnt.notes,
          }
        : null,
    },
    simulation: {
      trials: simulated.trialCount,
      seed: RISK_SIM.seed,
      hours: simulated.hours,
      peakHours: period.peakHours,
      checkoutsPerHour: RISK_SIM.checkoutsPerSkuHour * simSkus.length,
      skus: simSkus.length,
      traffic: p.traffic,
      candidates: candidates.length,
      peak: period.peakHours !== null ? { from: iso(peakStartMs), until: iso(peakEndMs) } : null,
      horizon: `${period.peakHours !== null ? `the ${p.traffic} spell (${+(period.peakHours / 24).toFixed(2)} days), then ` : ''}${period.afterHours / 24} normal days (at least ${RISK_SIM.windowsPerPeriod}× the longest hold window, ${period.longest.name} ${+(period.longest.windowHours / 24).toFixed(2)} days); orders placed in the period are followed until they resolve; a unit still held at the end is not a lost sale`,
    },
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100 || 0;
const round = (i: { mean: number; low: number; high: number }) => ({
  mean: r2(i.mean),
  low: r2(i.low),
  high: r2(i.high),
});
const fmt = (x: number, sign = false) => `${sign && x > 0 ? '+' : ''}${x.toFixed(Math.abs(x) >= 100 ? 0 : 1)}`;

function rulesSummary(rules: ReturnType<typeof decide>): string {
  const by: Record<string, string> = {
    'slow-provider': 'a slow payment method calls for on-order (SPEC section 1, point 1)',
    'peak-shallow-stock': 'a peak on shallow stock calls for on-order for the peak (point 3)',
    'shallow-slow-restock': 'shallow stock with slow restocking favours on-order (point 4)',
    'instant-providers': 'instant methods at normal traffic make on-payment safe (points 2 and 4)',
    'deep-stock': 'deep stock makes on-payment safe (point 4)',
  };
  return by[rules.decidedBy.rule] ?? rules.decidedBy.rule;
}

/** The commands that apply a policy by hand (inv advise applies it in one transaction). */
export function policyCommands(
  c: CandidatePolicy,
  from: string | null,
  until: string | null,
  traffic: string,
): string[] {
  const out: string[] = [];
  out.push(`inv set-mode ${c.base}`);
  for (const [prov, m] of Object.entries(c.overrides ?? {})) out.push(`inv set-mode ${m} --provider ${prov}`);
  for (const [prov, h] of Object.entries(c.windowHours ?? {})) out.push(`inv provider set ${prov} --window ${h / 24}d`);
  if (c.schedule && from && until)
    out.push(
      `inv set-mode ${c.schedule.mode} --from ${from} --until ${until} --reason "recommended for ${traffic} traffic"`,
    );
  return out;
}

export async function recommend(o: RecommendOptions, ctx: Context): Promise<Output> {
  const params = parseParams(o, ctx.nowMs);
  const result = await withStore(ctx.store, (store) => recommendWith(store, params, ctx.nowMs), READ);
  const h = result.inputs.history;
  if (h) {
    ctx.note(
      `learnt from ${h.orders} orders recorded since ${h.since}: ${Object.entries(h.samples)
        .map(([n, x]) => `${n} ${x.orders} orders (${x.resolved} resolved, ${x.paid} paid)`)
        .join(', ')}`,
    );
    for (const n of h.notes) ctx.note(`falls back to the catalogue: ${n}`);
  }
  if (result.inputs.stockDepth?.source === 'store') {
    const d = result.inputs.stockDepth;
    ctx.note(
      `read from the store: ${d.skus} SKUs, median ${d.units} available units (10% at or below ${d.p10}, 90% at or below ${d.p90}), ${Math.round((d.shallowShare ?? 0) * 100)}% at ${SHALLOW_UNITS} or fewer`,
    );
  }
  return output(result, renderRecommendation);
}
