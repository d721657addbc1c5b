/**
 * `inv simulate` (SPEC section 5): builds the model from flags, a scenario file
 * or the store, runs the Monte Carlo simulation and reports both modes.
 * The store is opened only for --from-store, read once, and never changed.
 */
import { openSource, type Source } from '../io/source.js';
import { UsageError } from '../core/errors.js';
import { MAX_QTY } from '../core/values.js';
import type { Mode } from '../core/modes.js';
import { CATALOGUE, mergeCatalogue, type Provider } from '../core/providers.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { progressLine, renderSimulation } from '../render/simulate.js';
import {
  DEFAULTS,
  hoursCheck,
  parseScenario,
  policyName,
  positive,
  problemsError,
  resolveModel,
  seedCheck,
  shareCheck,
  show,
  Simulation,
  syntheticSkus,
  TRAFFIC_NAMES,
  trialsCheck,
  type ModelInput,
  type Problem,
  type ProviderChoice,
  type SimPolicy,
  type SimResult,
  type SkuModel,
  type TrafficName,
} from '../sim/index.js';
import { output, type Output } from './output.js';

export interface SimulateOptions {
  hours?: string;
  checkoutsPerHour?: string;
  traffic?: string;
  provider?: string[];
  skus?: string;
  stock?: string;
  fromStore?: boolean;
  trials?: string;
  seed?: string;
  scenario?: string;
  policy?: string[];
}

function number(flag: string, text: string | undefined, problems: Problem[], check = positive): number | undefined {
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? NaN : Number(text);
  const err = check(n);
  if (err) problems.push({ path: flag, message: Number.isNaN(n) ? `"${text}" is not a number` : err });
  return err ? undefined : n;
}

function whole(
  flag: string,
  text: string | undefined,
  problems: Problem[],
  check: (v: unknown) => string | null,
): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const n = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  const err = Number.isNaN(n) ? `"${text}" is not a whole number` : check(n);
  if (err) problems.push({ path: flag, message: err });
  return err ? undefined : n;
}

/** `--provider card:0.8,boleto` (repeatable): names with optional shares. */
export function parseProviderFlags(values: string[], problems: Problem[]): ProviderChoice[] {
  const out: ProviderChoice[] = [];
  for (const item of values.flatMap((v) => v.split(','))) {
    const text = item.trim();
    const path = `--provider ${text}`;
    const m = /^([^:\s]+)(?::(.*))?$/.exec(text);
    if (!m) {
      problems.push({
        path: '--provider',
        message: `${show(item)} is not NAME or NAME:SHARE (e.g. card:0.8,boleto:0.2)`,
      });
      continue;
    }
    let share: number | undefined;
    if (m[2] !== undefined) {
      const n = m[2].trim() === '' ? NaN : Number(m[2]);
      const err = shareCheck(n);
      if (err) {
        problems.push({
          path,
          message: `the share ${Number.isNaN(n) ? show(m[2]) + ' is not a number' : err}; shares are fractions that sum to 1, e.g. card:0.8,boleto:0.2`,
        });
        continue;
      }
      share = n;
    }
    out.push({ name: m[1], share, path });
  }
  return out;
}

/**
 * `--policy on-payment,boleto=on-order,boleto.window=48,schedule=on-order@0-96`:
 * a base mode, then per-provider overrides, hold windows (hours) and a scheduled
 * window (hours from the start of the period). Named by what it does.
 */
export function parsePolicyFlags(values: string[], problems: Problem[]): SimPolicy[] {
  const out: SimPolicy[] = [];
  const isMode = (m: string): m is Mode => m === 'on-order' || m === 'on-payment';
  for (const text of values) {
    const path = `--policy ${text}`;
    const [base, ...rest] = text.split(',').map((t) => t.trim());
    const before = problems.length;
    if (!isMode(base)) {
      problems.push({ path, message: `starts with the base mode, on-order or on-payment, not ${show(base)}` });
      continue;
    }
    const p: SimPolicy = { name: '', base };
    for (const token of rest) {
      const schedule = /^schedule=(on-order|on-payment)@([\d.]+)-([\d.]+)$/.exec(token);
      const window = schedule ? null : /^([^=.\s]+)\.window=(.+)$/.exec(token);
      const override = schedule || window ? null : /^([^=\s]+)=(.+)$/.exec(token);
      if (schedule) {
        const [from, until] = [Number(schedule[2]), Number(schedule[3])];
        if (!(until > from))
          problems.push({ path, message: `schedule ${show(token)}: the end must be after the start` });
        p.schedule = { mode: schedule[1] as Mode, fromHours: from, untilHours: until };
      } else if (window) {
        const h = Number(window[2]);
        const err = hoursCheck(h);
        if (err) problems.push({ path, message: `${window[1]}.window ${err}` });
        else p.windowHours = { ...p.windowHours, [window[1]]: h };
      } else if (override) {
        if (!isMode(override[2]))
          problems.push({ path, message: `${override[1]}=${show(override[2])}: use on-order or on-payment` });
        else p.overrides = { ...p.overrides, [override[1]]: override[2] };
      } else
        problems.push({
          path,
          message: `${show(token)} is not PROVIDER=MODE, PROVIDER.window=HOURS or schedule=MODE@FROM-UNTIL`,
        });
    }
    if (problems.length > before) continue;
    p.name = policyName(p);
    if (out.some((o) => o.name === p.name))
      problems.push({ path, message: `the policy ${show(p.name)} is given twice` });
    else out.push(p);
  }
  return out;
}

/** Writes each problem on its own line (when there are several), then throws. */
function fail(ctx: Context, problems: Problem[], what: string): never {
  if (problems.length > 1) for (const p of problems) ctx.io.stderr.write(`  ${p.path}: ${p.message}\n`);
  throw problemsError(problems, what);
}

async function readScenario(path: string, ctx: Context): Promise<string> {
  // The same reader as imports: stdin, a file, or a FIFO waited on without blocking Ctrl-C.
  let src: Source;
  try {
    src = await openSource(path, ctx.io.stdin);
  } catch (e) {
    const why = (e as Error).message.replace(/^cannot read .*?: /, '');
    throw new UsageError(`cannot read the scenario ${JSON.stringify(path)}: ${why}`, { code: 'INVALID_INPUT' });
  }
  const chunks: Buffer[] = [];
  for await (const c of src.stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** SKUs (at their available stock now) and the operator's provider catalogue, read once. */
async function fromStore(ctx: Context): Promise<{ skus: SkuModel[]; catalogue: Provider[] }> {
  const hint = 'load stock first: inv import FILE (or inv init --sample for a demo shop)';
  const { items, custom } = await withStore(
    ctx.store,
    async (store) => ({ items: await store.listStock({ nowMs: ctx.nowMs }), custom: await store.customProviders() }),
    {
      ...READ,
      ifMissing: () =>
        new UsageError(`--from-store: there is no store at ${ctx.store.label} to take SKUs from`, {
          code: 'INVALID_INPUT',
          hint,
        }),
    },
  );
  if (items.length === 0)
    throw new UsageError(`--from-store: the store ${ctx.store.label} has no SKUs to simulate`, {
      code: 'INVALID_INPUT',
      hint,
    });
  return {
    skus: items.map((i) => ({ sku: i.sku, stock: i.available, price: DEFAULTS.price, weight: 1 })),
    catalogue: mergeCatalogue(custom),
  };
}

export async function simulateCommand(o: SimulateOptions, ctx: Context): Promise<Output> {
  const problems: Problem[] = [];
  let scenario: ModelInput = {};
  if (o.scenario !== undefined) {
    const label = o.scenario === '-' ? 'the scenario on stdin' : o.scenario;
    const parsed = parseScenario(await readScenario(o.scenario, ctx), label);
    scenario = parsed.input;
    if (parsed.problems.length > 0) fail(ctx, parsed.problems, `scenario ${label}`);
  }
  let traffic: TrafficName | undefined;
  if (o.traffic !== undefined) {
    if ((TRAFFIC_NAMES as readonly string[]).includes(o.traffic)) traffic = o.traffic as TrafficName;
    else
      problems.push({
        path: '--traffic',
        message: `unknown traffic profile ${show(o.traffic)}: use ${TRAFFIC_NAMES.join(', ')}`,
      });
  }
  const flags: ModelInput = {
    hours: number('--hours', o.hours, problems, hoursCheck),
    checkoutsPerHour: number('--checkouts-per-hour', o.checkoutsPerHour, problems),
    traffic,
    trials: whole('--trials', o.trials, problems, trialsCheck),
    seed: whole('--seed', o.seed, problems, seedCheck),
  };
  if (o.provider !== undefined) {
    flags.providers = parseProviderFlags(o.provider, problems);
    flags.providersPath = '--provider';
  }
  if (o.policy !== undefined) {
    flags.policies = parsePolicyFlags(o.policy, problems);
    flags.policiesPath = '--policy';
  }
  const skuCount = whole('--skus', o.skus, problems, (n) =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 100_000
      ? null
      : `must be from 1 to 100,000 SKUs, got ${n}`,
  );
  const stock = whole('--stock', o.stock, problems, (n) =>
    (n as number) >= 0 && (n as number) <= MAX_QTY ? null : `must be 0 or more units, got ${n}`,
  );
  if (o.fromStore && (o.skus !== undefined || o.stock !== undefined)) {
    problems.push({
      path: '--from-store',
      message: 'takes the SKUs and stock from the store: leave out --skus and --stock',
    });
  }
  if (problems.length > 0) fail(ctx, problems, 'options');

  let catalogue: readonly Provider[] = CATALOGUE;
  if (o.fromStore) {
    const read = await fromStore(ctx);
    flags.skus = read.skus;
    catalogue = read.catalogue;
  } else if (skuCount !== undefined || stock !== undefined) {
    flags.skus = syntheticSkus(skuCount ?? DEFAULTS.skus, stock ?? DEFAULTS.stock);
  }
  // Flags win over the scenario, which wins over the defaults.
  const input: ModelInput = { ...scenario };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (input as Record<string, unknown>)[k] = v;
  const chosenSeed = input.seed === undefined;
  if (chosenSeed) input.seed = ctx.ids.seed();
  const model = resolveModel(input, catalogue, problems);
  if (problems.length > 0) fail(ctx, problems, 'simulation');
  if (chosenSeed) ctx.note(`seed ${model.seed} (repeat this run with --seed ${model.seed})`);

  const result = await runWithProgress(new Simulation(model), ctx);
  return output(result, renderSimulation);
}

/**
 * Runs the trials in slices of ~50 ms, yielding between them so Ctrl-C is heard,
 * and draws a progress bar on a terminal once the run has taken a second.
 */
export async function runWithProgress(sim: Simulation, ctx: Context): Promise<SimResult> {
  const trials = sim.model.trials;
  const bar = Boolean(ctx.io.stderr.isTTY) && !ctx.quiet;
  const start = performance.now();
  let drawn = 0;
  let k = 0;
  while (k < trials) {
    const sliceEnd = performance.now() + 50;
    do sim.runTrial(k++);
    while (k < trials && performance.now() < sliceEnd);
    if (k >= trials) break;
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    if (bar && now - start > 1000 && now - drawn > 100) {
      ctx.io.stderr.write(`\r${progressLine(k, trials)}`);
      drawn = now;
    }
  }
  if (drawn > 0) ctx.io.stderr.write('\r\u001b[K');
  return sim.result();
}
