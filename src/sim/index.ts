/**
 * The simulator's API: a model in, each mode's metrics out (mean and the range
 * of the middle 95% of trials). `inv simulate`, `inv demo` and the
 * recommendation (issue 6) call this; it never touches the store.
 */
import type { Mode } from '../core/modes.js';
import { quantile } from '../core/stats.js';
import { Engine, METRICS, METRIC_COUNT, type Metric } from './engine.js';
import type { SimModel } from './model.js';

export { quantile } from '../core/stats.js';
export { METRICS, type Metric } from './engine.js';
export * from './model.js';
export { STORE_WIDE, compilePolicy, type SimPolicy } from './policy.js';
export type { Phase } from './traffic.js';
export { TRAFFIC, TRAFFIC_NAMES, type TrafficName } from './traffic.js';

export interface Interval {
  mean: number;
  /** 2.5th percentile over trials (nearest rank). */
  low: number;
  /** 97.5th percentile over trials (nearest rank). */
  high: number;
}

export type ModeResults = Record<Metric, Interval>;

export interface SimResult {
  /** The resolved model, in scenario-file form: save it and run it again with --scenario. */
  params: SimModel;
  /** By policy name; without `policies`, the two store-wide modes `on-order` and `on-payment`. */
  results: Record<string, ModeResults>;
}

/** Rounds for the JSON document: 4 decimals is far below any interval's width. */
const round = (x: number): number => {
  const r = Math.round(x * 1e4) / 1e4;
  return r === 0 ? 0 : r; // no -0
};

export function summarise(values: Float64Array, trials: number, metric: number): Interval {
  const xs = new Float64Array(trials);
  let sum = 0;
  for (let k = 0; k < trials; k++) {
    xs[k] = values[k * METRIC_COUNT + metric];
    sum += xs[k];
  }
  xs.sort();
  return { mean: round(sum / trials), low: round(quantile(xs, 0.025)), high: round(quantile(xs, 0.975)) };
}

/**
 * A run in progress: call `runTrial(k)` for k = 0 … trials−1 in any chunks (a
 * command yields between chunks to draw a progress bar and hear Ctrl-C), then
 * `result()`. `perTrial(mode, metric)` gives the raw values, for tests.
 */
export class Simulation {
  readonly model: SimModel;
  private readonly engine: Engine;
  private readonly values: Float64Array[];
  /** The policies' names, in the order they are played. */
  readonly names: string[];
  done = 0;

  constructor(model: SimModel) {
    this.model = model;
    this.engine = new Engine(model);
    this.names = this.engine.policies.map((p) => p.policy.name);
    this.values = this.names.map(() => new Float64Array(model.trials * METRIC_COUNT));
  }

  /** Events processed so far, both modes (arrivals and notifications). */
  get events(): number {
    return this.engine.events;
  }

  /** Checkouts simulated so far (each played under both modes). */
  get checkouts(): number {
    return this.engine.checkouts;
  }

  runTrial(k: number): void {
    this.engine.runTrial(k, this.values);
    this.done++;
  }

  runAll(): this {
    for (let k = this.done; k < this.model.trials; k++) this.runTrial(k);
    return this;
  }

  /** Per-trial values of one metric under one policy (by name: `on-order`, `on-payment`, …). */
  perTrial(policy: Mode | string, metric: Metric): number[] {
    const m = METRICS.indexOf(metric);
    const v = this.values[this.index(policy)];
    return Array.from({ length: this.done }, (_, k) => v[k * METRIC_COUNT + m]);
  }

  private index(policy: string): number {
    const i = this.names.indexOf(policy);
    if (i < 0) throw new Error(`no policy named ${policy} in this simulation`);
    return i;
  }

  result(): SimResult {
    const trials = this.done;
    const results: Record<string, ModeResults> = {};
    this.names.forEach((name, j) => {
      results[name] = Object.fromEntries(
        METRICS.map((m, i) => [m, summarise(this.values[j], trials, i)]),
      ) as ModeResults;
    });
    return { params: this.model, results };
  }
}

/** Runs every trial of a model at once (short runs: tests, the demo, the recommendation). */
export function simulate(model: SimModel): SimResult {
  return new Simulation(model).runAll().result();
}
