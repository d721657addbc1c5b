/**
 * `inv recommend`: the rules of src/core/recommend.ts, then a short seeded
 * simulation of both modes under the same inputs for the risk figures.
 * `inv advise` gathers the same inputs interactively and calls `recommend()`.
 */
import { UsageError, invalidInput } from '../core/errors.js';
import type { Mode } from '../core/modes.js';
import { findProvider, mergeCatalogue, type Provider } from '../core/providers.js';
import {
  MATERIAL_PER_1000,
  SHALLOW_UNITS,
  TRAFFIC_LEVELS,
  decide,
  reconcile,
  type RecommendResult,
  type Risk,
  type SimVerdict,
  type StockDepth,
  type TrafficLevel,
} from '../core/recommend.js';
import type { Store } from '../core/ports.js';
import { quantile } from '../core/stats.js';
import { iso, parseInteger, parseTime } from '../core/values.js';
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
}

export interface RecommendParams {
  providers: string[];
  traffic: TrafficLevel;
  stockDepth: number | null;
  fromStore: boolean;
  restockDays: number | null;
  peakFromMs: number | null;
  peakUntilMs: number | null;
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
  if (providers.length === 0)
    throw new UsageError('name the payment providers the shop uses: --provider card --provider boleto');
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
  return { providers, traffic, stockDepth, fromStore: Boolean(o.fromStore), restockDays, peakFromMs, peakUntilMs };
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

/** The simulation behind the risk figures: fixed and seeded, so the same inputs give the same advice. */
export const RISK_SIM = {
  trials: 60,
  seed: 20261127,
  /** One day of checkouts; the run goes on until every slow payment has landed. */
  hours: 24,
  /** [A] a small shop: half a checkout per SKU per hour on a normal day (12 a day), so that 5 units
   * (SHALLOW_UNITS) sell out on an ordinary day and 50 (DEEP_UNITS) last through a 3.5× peak (T6). */
  checkoutsPerSkuHour: 0.5,
  skus: 20,
  maxStoreSkus: 60,
};

async function simulateRisk(
  providers: Provider[],
  traffic: TrafficLevel,
  skus: { sku: string; stock: number }[],
): Promise<{ verdict: SimVerdict; trials: number }> {
  const { buildModel, Simulation } = await import('../sim/index.js');
  const model = buildModel(
    {
      hours: RISK_SIM.hours,
      checkoutsPerHour: RISK_SIM.checkoutsPerSkuHour * skus.length,
      traffic,
      trials: RISK_SIM.trials,
      seed: RISK_SIM.seed,
      skus: skus.map((s) => ({ ...s, price: 1, weight: 1 })),
      providers: providers.map((p) => ({ name: p.name, share: 1 / providers.length })),
    },
    providers,
  );
  const sim = new Simulation(model).runAll();
  const rate = (mode: Mode, metric: 'oversoldOrders' | 'oversoldUnits' | 'phantomRejected' | 'rejected') => {
    const v = sim.perTrial(mode, metric);
    const c = sim.perTrial(mode, 'checkouts');
    return v.map((x, k) => (c[k] > 0 ? (1000 * x) / c[k] : 0));
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const risk = {} as Record<Mode, Risk>;
  for (const mode of ['on-order', 'on-payment'] as Mode[]) {
    risk[mode] = {
      oversoldOrders: mean(rate(mode, 'oversoldOrders')),
      oversoldUnits: mean(rate(mode, 'oversoldUnits')),
      phantomRejected: mean(rate(mode, 'phantomRejected')),
      rejected: mean(rate(mode, 'rejected')),
    };
  }
  // Disappointed customers (oversold + turned away by a phantom stockout), trial by trial: the
  // same customers under both modes, so the difference's spread is small and honest.
  const harm = (mode: Mode) => rate(mode, 'oversoldOrders').map((x, k) => x + rate(mode, 'phantomRejected')[k]);
  const hp = harm('on-payment');
  const ho = harm('on-order');
  const diff = hp.map((x, k) => x - ho[k]);
  const d = mean(diff);
  const sd = Math.sqrt(diff.reduce((a, x) => a + (x - d) ** 2, 0) / Math.max(1, diff.length - 1));
  const clear = Math.abs(d) > 1.96 * (sd / Math.sqrt(diff.length)) && Math.abs(d) >= MATERIAL_PER_1000;
  return {
    verdict: { risk, better: clear ? (d > 0 ? 'on-order' : 'on-payment') : null, difference: d },
    trials: model.trials,
  };
}

const round1 = (r: Risk): Risk => ({
  oversoldOrders: +r.oversoldOrders.toFixed(1),
  oversoldUnits: +r.oversoldUnits.toFixed(1),
  phantomRejected: +r.phantomRejected.toFixed(1),
  rejected: +r.rejected.toFixed(1),
});

export async function recommendWith(store: Store, p: RecommendParams, nowMs: number): Promise<RecommendResult> {
  const catalogue = mergeCatalogue(await store.customProviders());
  const providers = p.providers.map((name) => findProvider(catalogue, name));
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
  const { verdict, trials } = await simulateRisk(providers, p.traffic, simSkus);
  const rec = reconcile(rules, verdict);
  return {
    ...rec,
    risk: { 'on-order': round1(verdict.risk['on-order']), 'on-payment': round1(verdict.risk['on-payment']) },
    inputs: {
      providers: providers.map((x) => x.name),
      traffic: p.traffic,
      stockDepth: depth,
      restockDays: p.restockDays,
      peakFrom: p.peakFromMs !== null ? iso(p.peakFromMs) : null,
      peakUntil: p.peakUntilMs !== null ? iso(p.peakUntilMs) : null,
    },
    simulation: {
      trials,
      seed: RISK_SIM.seed,
      hours: RISK_SIM.hours,
      checkoutsPerHour: RISK_SIM.checkoutsPerSkuHour * simSkus.length,
      skus: simSkus.length,
      traffic: p.traffic,
    },
  };
}

export async function recommend(o: RecommendOptions, ctx: Context): Promise<Output> {
  const params = parseParams(o, ctx.nowMs);
  const result = await withStore(ctx.store, (store) => recommendWith(store, params, ctx.nowMs), READ);
  if (result.inputs.stockDepth?.source === 'store') {
    const d = result.inputs.stockDepth;
    ctx.note(
      `read from the store: ${d.skus} SKUs, median ${d.units} available units (10% at or below ${d.p10}, 90% at or below ${d.p90}), ${Math.round((d.shallowShare ?? 0) * 100)}% at ${SHALLOW_UNITS} or fewer`,
    );
  }
  return output(result, renderRecommendation);
}
