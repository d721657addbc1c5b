/**
 * The simulation model (SPEC section 5) and its validation. A model is built
 * from a scenario file, from flags, or both (flags win), over defaults; every
 * problem is reported with where it came from: a flag (`--hours`) or a JSON
 * path in the scenario (`$.providers[1].share`).
 *
 * The resolved model has exactly the shape of a scenario file, so the `params`
 * of a run (`inv simulate --json`) can be saved and run again with --scenario.
 */
import { invalidInput } from '../core/errors.js';
import type { Provider } from '../core/providers.js';
import { CATALOGUE } from '../core/providers.js';
import { MAX_QTY, checkSku } from '../core/values.js';
import { MODES, type Mode } from '../core/modes.js';
import type { SimPolicy } from './policy.js';
import { TRAFFIC_NAMES, phasedPieces, ratePieces, type Phase, type TrafficName } from './traffic.js';

export type DelaySpec = { median: number; p95: number } | { fixed: number };

export interface SkuModel {
  sku: string;
  /** Units the storefront may sell at the start of the period. */
  stock: number;
  price: number;
  /** Relative chance that a checkout is for this SKU. */
  weight: number;
}

export interface ProviderModel {
  name: string;
  /** Share of checkouts that pay with this provider; the shares sum to 1. */
  share: number;
  unpaidRate: number;
  failShare: number;
  windowHours: number;
  delayHours: DelaySpec;
  /** Payers who are slow (PayPal eCheck): their share and their delay. */
  lateShare?: number;
  lateDelayHours?: DelaySpec;
}

export interface SimModel {
  hours: number;
  checkoutsPerHour: number;
  traffic: TrafficName | null;
  trials: number;
  seed: number;
  skus: SkuModel[];
  providers: ProviderModel[];
  /** The policies compared (default: store-wide on-order and on-payment). */
  policies?: SimPolicy[];
  /** Traffic by stretch of the period (a peak, then normal days); `hours` is their sum. */
  phases?: Phase[];
}

/** A provider as asked for: a name, maybe a share, maybe figures that replace the catalogue's. */
export interface ProviderChoice {
  name: string;
  share?: number;
  unpaidRate?: number;
  failShare?: number;
  windowHours?: number;
  delayHours?: DelaySpec;
  lateShare?: number;
  lateDelayHours?: DelaySpec;
  /** Where it was given, for error messages: `--provider` or `$.providers[1]`. */
  path?: string;
}

/** Everything optional: what a scenario file or the flags say. */
export interface ModelInput {
  hours?: number;
  checkoutsPerHour?: number;
  traffic?: TrafficName | null;
  trials?: number;
  seed?: number;
  skus?: SkuModel[];
  providers?: ProviderChoice[];
  /** Where the providers list came from, for errors about the list as a whole. */
  providersPath?: string;
  policies?: SimPolicy[];
  /** Where the policies came from: `--policy` or `$.policies`. */
  policiesPath?: string;
  phases?: Phase[];
}

export interface Problem {
  path: string;
  message: string;
}

/** More trials than this is refused: 100,000 trials give a mean to well under 1% of its spread. */
export const MAX_TRIALS = 100_000;
/** Expected checkouts per trial above this is refused: the run keeps ~50 bytes per checkout. */
export const MAX_CHECKOUTS_PER_TRIAL = 2_000_000;
export const MAX_SEED = 0xffffffff;
/** A sales period is at most a year long. */
export const MAX_HOURS = 8760;
/** Shares within this of 1 are rescaled to sum to exactly 1 (rounding such as 0.33 + 0.33 + 0.33). */
export const SHARE_TOLERANCE = 0.01;

/** Defaults, all [A]: a small shop on an ordinary day. */
export const DEFAULTS = {
  hours: 24,
  checkoutsPerHour: 10,
  trials: 200,
  skus: 20,
  stock: 10,
  price: 1,
  /** research (d): card 0.55 and PayPal 0.15 of checkouts [A]; in that ratio, rounded. */
  providers: [
    { name: 'card', share: 0.8 },
    { name: 'paypal', share: 0.2 },
  ] as ProviderChoice[],
};

/** A synthetic catalogue: N SKUs with the same stock and weight. */
export function syntheticSkus(count: number, stock: number): SkuModel[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(width, '0')}`,
    stock,
    price: DEFAULTS.price,
    weight: 1,
  }));
}

export function problemsError(problems: Problem[], what = 'simulation'): Error {
  const message =
    problems.length === 1
      ? `${problems[0].path}: ${problems[0].message}`
      : `invalid ${what}: ${problems.length} problems (listed above)`;
  return invalidInput(
    message,
    problems,
    problems.some((p) => p.path.startsWith('$'))
      ? 'the scenario schema is in the README, section Simulation'
      : 'see: inv simulate --help',
  );
}

// ── checks on single values, shared by the scenario reader and the flag parser ──

type Check = (v: unknown) => string | null;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const positive: Check = (v) => (isNum(v) && v > 0 ? null : `must be a number above 0, got ${show(v)}`);
export const hoursCheck: Check = (v) =>
  positive(v) ?? ((v as number) <= MAX_HOURS ? null : `${v} is longer than a year (${MAX_HOURS} hours)`);
export const nonNegative: Check = (v) => (isNum(v) && v >= 0 ? null : `must be a number, 0 or more, got ${show(v)}`);
export const fraction: Check = (v) =>
  isNum(v) && v >= 0 && v <= 1 ? null : `must be a number from 0 to 1, got ${show(v)}`;
export const shareCheck: Check = (v) =>
  isNum(v) && v > 0 && v <= 1 ? null : `must be a share above 0 and at most 1, got ${show(v)}`;
export const trialsCheck: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1
    ? (v as number) <= MAX_TRIALS
      ? null
      : `${v} is above the limit of ${MAX_TRIALS.toLocaleString('en-US')} trials`
    : `must be a whole number of trials, 1 or more, got ${show(v)}`;
export const seedCheck: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_SEED
    ? null
    : `must be a whole number from 0 to ${MAX_SEED}, got ${show(v)}`;
export const stockCheck: Check = (v) =>
  Number.isInteger(v) && Math.abs(v as number) <= MAX_QTY ? null : `must be a whole number of units, got ${show(v)}`;

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// ── the scenario file ──

const TOP_FIELDS = ['hours', 'checkoutsPerHour', 'traffic', 'trials', 'seed', 'skus', 'providers', 'policies'];
const POLICY_FIELDS = ['name', 'base', 'overrides', 'windowHours', 'schedule'];
const SKU_FIELDS = ['sku', 'stock', 'price', 'weight'];
const PROVIDER_FIELDS = [
  'name',
  'share',
  'unpaidRate',
  'failShare',
  'windowHours',
  'delayHours',
  'lateShare',
  'lateDelayHours',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownFields(o: Record<string, unknown>, allowed: string[], path: string, problems: Problem[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      problems.push({ path: `${path}.${k}`, message: `unknown field (expected one of: ${allowed.join(', ')})` });
  }
}

function field<T>(
  o: Record<string, unknown>,
  key: string,
  path: string,
  check: Check,
  problems: Problem[],
): T | undefined {
  if (!(key in o)) return undefined;
  const err = check(o[key]);
  if (err) {
    problems.push({ path: `${path}.${key}`, message: err });
    return undefined;
  }
  return o[key] as T;
}

export function parseDelay(v: unknown, path: string, problems: Problem[]): DelaySpec | undefined {
  if (!isObject(v)) {
    problems.push({ path, message: `must be { "median": h, "p95": h } or { "fixed": h }, got ${show(v)}` });
    return undefined;
  }
  if ('fixed' in v) {
    unknownFields(v, ['fixed'], path, problems);
    const fixed = field<number>(v, 'fixed', path, nonNegative, problems);
    return fixed === undefined ? undefined : { fixed };
  }
  unknownFields(v, ['median', 'p95'], path, problems);
  const before = problems.length;
  for (const k of ['median', 'p95']) if (!(k in v)) problems.push({ path: `${path}.${k}`, message: 'is missing' });
  const median = field<number>(v, 'median', path, positive, problems);
  const p95 = field<number>(v, 'p95', path, positive, problems);
  if (problems.length > before || median === undefined || p95 === undefined) return undefined;
  if (p95 < median) {
    problems.push({
      path: `${path}.p95`,
      message: `${p95} is below the median ${median}: the 95th percentile cannot be smaller than the median`,
    });
    return undefined;
  }
  return { median, p95 };
}

/** Reads a scenario document; `label` names the file in messages. */
export function parseScenario(text: string, label: string): { input: ModelInput; problems: Problem[] } {
  const problems: Problem[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    problems.push({ path: label, message: `is not valid JSON: ${(e as Error).message}` });
    return { input: {}, problems };
  }
  if (!isObject(doc)) {
    problems.push({
      path: '$',
      message: `${label} must hold a JSON object such as {"hours": 24, "checkoutsPerHour": 120}, got ${show(doc)}`,
    });
    return { input: {}, problems };
  }
  unknownFields(doc, TOP_FIELDS, '$', problems);
  const input: ModelInput = {
    hours: field(doc, 'hours', '$', hoursCheck, problems),
    checkoutsPerHour: field(doc, 'checkoutsPerHour', '$', positive, problems),
    trials: field(doc, 'trials', '$', trialsCheck, problems),
    seed: field(doc, 'seed', '$', seedCheck, problems),
  };
  if ('traffic' in doc) {
    const t = doc.traffic;
    if (t === null) input.traffic = null;
    else if (typeof t === 'string' && (TRAFFIC_NAMES as readonly string[]).includes(t))
      input.traffic = t as TrafficName;
    else
      problems.push({
        path: '$.traffic',
        message: `unknown traffic profile ${show(t)}: use ${TRAFFIC_NAMES.join(', ')} (or null for a constant rate)`,
      });
  }
  if ('skus' in doc) {
    if (!Array.isArray(doc.skus) || doc.skus.length === 0)
      problems.push({
        path: '$.skus',
        message: `must be a non-empty array of { "sku", "stock" }, got ${show(doc.skus)}`,
      });
    else {
      const skus: SkuModel[] = [];
      const seen = new Map<string, number>();
      for (const [i, s] of (doc.skus as unknown[]).entries()) {
        const path = `$.skus[${i}]`;
        if (!isObject(s)) {
          problems.push({ path, message: `must be an object { "sku", "stock" }, got ${show(s)}` });
          continue;
        }
        unknownFields(s, SKU_FIELDS, path, problems);
        let sku: string | undefined;
        if (typeof s.sku !== 'string')
          problems.push({ path: `${path}.sku`, message: `must be a string, got ${show(s.sku)}` });
        else {
          try {
            sku = checkSku(s.sku);
            if (seen.has(sku))
              problems.push({ path: `${path}.sku`, message: `"${sku}" is already at $.skus[${seen.get(sku)}]` });
            seen.set(sku, i);
          } catch (e) {
            problems.push({ path: `${path}.sku`, message: (e as Error).message });
          }
        }
        if (!('stock' in s)) problems.push({ path: `${path}.stock`, message: 'is missing' });
        const stock = field<number>(s, 'stock', path, stockCheck, problems);
        const price = field<number>(s, 'price', path, nonNegative, problems);
        const weight = field<number>(s, 'weight', path, positive, problems);
        if (sku !== undefined && stock !== undefined)
          skus.push({ sku, stock, price: price ?? DEFAULTS.price, weight: weight ?? 1 });
      }
      input.skus = skus;
    }
  }
  if ('providers' in doc) {
    if (!Array.isArray(doc.providers) || doc.providers.length === 0) {
      problems.push({
        path: '$.providers',
        message: `must be a non-empty array of { "name", "share" }, got ${show(doc.providers)}`,
      });
    } else {
      input.providersPath = '$.providers';
      input.providers = [];
      for (const [i, p] of (doc.providers as unknown[]).entries()) {
        const path = `$.providers[${i}]`;
        if (!isObject(p)) {
          problems.push({ path, message: `must be an object { "name", "share" }, got ${show(p)}` });
          continue;
        }
        unknownFields(p, PROVIDER_FIELDS, path, problems);
        if (typeof p.name !== 'string' || p.name === '') {
          problems.push({ path: `${path}.name`, message: `must be a provider name, got ${show(p.name)}` });
          continue;
        }
        const choice: ProviderChoice = {
          name: p.name,
          path,
          share: field(p, 'share', path, shareCheck, problems),
          unpaidRate: field(p, 'unpaidRate', path, fraction, problems),
          failShare: field(p, 'failShare', path, fraction, problems),
          windowHours: field(p, 'windowHours', path, positive, problems),
          lateShare: field(p, 'lateShare', path, fraction, problems),
        };
        if ('delayHours' in p) choice.delayHours = parseDelay(p.delayHours, `${path}.delayHours`, problems);
        if ('lateDelayHours' in p)
          choice.lateDelayHours = parseDelay(p.lateDelayHours, `${path}.lateDelayHours`, problems);
        input.providers!.push(choice);
      }
    }
  }
  if ('policies' in doc) {
    const policies = parsePolicies(doc.policies, '$.policies', problems);
    if (policies) [input.policies, input.policiesPath] = [policies, '$.policies'];
  }
  return { input, problems };
}

const isMode = (v: unknown): v is Mode => typeof v === 'string' && (MODES as readonly string[]).includes(v);

/**
 * A `policies` list: each `{ "name", "base", "overrides": { provider: mode },
 * "windowHours": { provider: h }, "schedule": { "mode", "fromHours", "untilHours" } }`.
 * Provider names are checked against the model's providers when it is resolved.
 */
export function parsePolicies(v: unknown, path: string, problems: Problem[]): SimPolicy[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push({ path, message: `must be a non-empty array of { "name", "base" }, got ${show(v)}` });
    return undefined;
  }
  const out: SimPolicy[] = [];
  const names = new Set<string>();
  for (const [i, p] of (v as unknown[]).entries()) {
    const at = `${path}[${i}]`;
    if (!isObject(p)) {
      problems.push({ path: at, message: `must be an object { "name", "base" }, got ${show(p)}` });
      continue;
    }
    unknownFields(p, POLICY_FIELDS, at, problems);
    const before = problems.length;
    if (!isMode(p.base))
      problems.push({ path: `${at}.base`, message: `must be on-order or on-payment, got ${show(p.base)}` });
    const policy: SimPolicy = { name: '', base: p.base as Mode };
    if ('overrides' in p) {
      if (!isObject(p.overrides))
        problems.push({ path: `${at}.overrides`, message: `must be { provider: mode }, got ${show(p.overrides)}` });
      else
        for (const [k, m] of Object.entries(p.overrides))
          if (!isMode(m))
            problems.push({ path: `${at}.overrides.${k}`, message: `must be on-order or on-payment, got ${show(m)}` });
      policy.overrides = p.overrides as Record<string, Mode>;
    }
    if ('windowHours' in p) {
      if (!isObject(p.windowHours))
        problems.push({
          path: `${at}.windowHours`,
          message: `must be { provider: hours }, got ${show(p.windowHours)}`,
        });
      else
        for (const [k, h] of Object.entries(p.windowHours)) {
          const err = hoursCheck(h);
          if (err) problems.push({ path: `${at}.windowHours.${k}`, message: err });
        }
      policy.windowHours = p.windowHours as Record<string, number>;
    }
    if ('schedule' in p) {
      const sc = p.schedule;
      if (!isObject(sc))
        problems.push({
          path: `${at}.schedule`,
          message: `must be { "mode", "fromHours", "untilHours" }, got ${show(sc)}`,
        });
      else {
        unknownFields(sc, ['mode', 'fromHours', 'untilHours'], `${at}.schedule`, problems);
        if (!isMode(sc.mode))
          problems.push({
            path: `${at}.schedule.mode`,
            message: `must be on-order or on-payment, got ${show(sc.mode)}`,
          });
        const from = 'fromHours' in sc ? field<number>(sc, 'fromHours', `${at}.schedule`, nonNegative, problems) : 0;
        const until = field<number>(sc, 'untilHours', `${at}.schedule`, positive, problems);
        if (!('untilHours' in sc)) problems.push({ path: `${at}.schedule.untilHours`, message: 'is missing' });
        else if (from !== undefined && until !== undefined && until <= from)
          problems.push({ path: `${at}.schedule.untilHours`, message: `${until} must be after fromHours ${from}` });
        if (from !== undefined && until !== undefined)
          policy.schedule = { mode: sc.mode as Mode, fromHours: from, untilHours: until };
      }
    }
    const name = typeof p.name === 'string' && p.name.trim() !== '' ? p.name.trim() : policyName(policy);
    if (p.name !== undefined && (typeof p.name !== 'string' || p.name.trim() === ''))
      problems.push({ path: `${at}.name`, message: `must be a non-empty string, got ${show(p.name)}` });
    if (names.has(name)) problems.push({ path: `${at}.name`, message: `the name ${show(name)} is given twice` });
    names.add(name);
    policy.name = name;
    if (problems.length === before) out.push(policy);
  }
  return out;
}

/** A name that says what the policy does: `on-payment, boleto on-order, boleto window 48 h`. */
export function policyName(p: Omit<SimPolicy, 'name'>): string {
  const parts: string[] = [p.base];
  for (const [prov, m] of Object.entries(p.overrides ?? {})) if (m !== p.base) parts.push(`${prov} ${m}`);
  for (const [prov, h] of Object.entries(p.windowHours ?? {})) parts.push(`${prov} window ${+h.toFixed(2)} h`);
  if (p.schedule)
    parts.push(
      `${p.schedule.mode} from ${+p.schedule.fromHours.toFixed(2)} h until ${+p.schedule.untilHours.toFixed(2)} h`,
    );
  return parts.join(', ');
}

// ── resolving a model ──

function resolveProviders(
  choices: ProviderChoice[],
  listPath: string,
  catalogue: readonly Provider[],
  problems: Problem[],
): ProviderModel[] {
  const out: ProviderModel[] = [];
  const seen = new Set<string>();
  for (const c of choices) {
    const path = c.path ?? listPath;
    if (seen.has(c.name)) {
      problems.push({ path, message: `provider "${c.name}" is given twice` });
      continue;
    }
    seen.add(c.name);
    const known = catalogue.find((p) => p.name === c.name);
    if (!known) {
      const missing = (['windowHours', 'unpaidRate', 'delayHours'] as const).filter((k) => c[k] === undefined);
      if (missing.length > 0 || !path.startsWith('$')) {
        problems.push({
          path: path.startsWith('$') ? `${path}.name` : path,
          message: `unknown provider "${c.name}"; known: ${catalogue.map((p) => p.name).join(', ')}${path.startsWith('$') ? ` (or describe it: ${missing.join(', ')} missing)` : ''}`,
        });
        continue;
      }
    }
    const delayHours = c.delayHours ?? (known ? { ...known.delayHours } : undefined)!;
    const m: ProviderModel = {
      name: c.name,
      share: c.share ?? NaN,
      unpaidRate: c.unpaidRate ?? known!.unpaidRate,
      failShare: c.failShare ?? known?.failShare ?? 0.5,
      windowHours: c.windowHours ?? known!.windowHours,
      delayHours,
    };
    const lateShare = c.lateShare ?? known?.lateShare ?? 0;
    if (lateShare > 0) {
      const lateDelay = c.lateDelayHours ?? known?.lateDelayHours;
      if (!lateDelay) {
        problems.push({
          path: `${path}.lateDelayHours`,
          message: "is missing: a lateShare above 0 needs the late payers' delay",
        });
        continue;
      }
      m.lateShare = lateShare;
      m.lateDelayHours = lateDelay;
    }
    const p95 = 'p95' in m.delayHours ? m.delayHours.p95 : undefined;
    if (p95 !== undefined && 'median' in m.delayHours && p95 < m.delayHours.median) {
      problems.push({ path, message: `${c.name}: delay p95 ${p95} h is below its median ${m.delayHours.median} h` });
      continue;
    }
    out.push(m);
  }
  if (problems.length > 0) return out;
  // Shares: missing ones split what the given ones leave; given ones must sum to 1.
  const given = out.filter((p) => !Number.isNaN(p.share));
  const sum = given.reduce((n, p) => n + p.share, 0);
  const rest = out.length - given.length;
  const list = out.map((p) => (Number.isNaN(p.share) ? p.name : `${p.name}:${p.share}`)).join(',');
  if (rest === 0) {
    if (Math.abs(sum - 1) > SHARE_TOLERANCE + 1e-9) {
      problems.push({
        path: listPath,
        message: `the shares (${list}) add up to ${+sum.toFixed(4)}, not 1: give shares that sum to 1, or leave one provider without a share to take the rest`,
      });
    } else for (const p of out) p.share /= sum;
  } else {
    if (1 - sum <= 1e-9) {
      problems.push({
        path: listPath,
        message: `the shares (${list}) already add up to ${+sum.toFixed(4)}, leaving nothing for the providers without a share`,
      });
    } else for (const p of out) if (Number.isNaN(p.share)) p.share = (1 - sum) / rest;
  }
  return out;
}

/**
 * The whole model from what was asked, over the defaults. Throws a UsageError
 * (exit 2) listing every problem. Issue 6's recommendation calls this too.
 */
export function buildModel(input: ModelInput, catalogue: readonly Provider[] = CATALOGUE): SimModel {
  const problems: Problem[] = [];
  const model = resolveModel(input, catalogue, problems);
  if (problems.length > 0) throw problemsError(problems);
  return model;
}

export function resolveModel(input: ModelInput, catalogue: readonly Provider[], problems: Problem[]): SimModel {
  const hours = input.hours ?? DEFAULTS.hours;
  const checkoutsPerHour = input.checkoutsPerHour ?? DEFAULTS.checkoutsPerHour;
  const traffic = input.traffic ?? null;
  const trials = input.trials ?? DEFAULTS.trials;
  const seed = input.seed ?? 0;
  for (const [path, v, check] of [
    ['hours', hours, hoursCheck],
    ['checkoutsPerHour', checkoutsPerHour, positive],
    ['trials', trials, trialsCheck],
    ['seed', seed, seedCheck],
  ] as const) {
    const err = check(v);
    if (err) problems.push({ path, message: err });
  }
  const skus = input.skus ?? syntheticSkus(DEFAULTS.skus, DEFAULTS.stock);
  if (skus.length === 0) problems.push({ path: 'skus', message: 'there are no SKUs to simulate' });
  const providers = resolveProviders(
    input.providers ?? DEFAULTS.providers,
    input.providersPath ?? 'providers',
    catalogue,
    problems,
  );
  const phases = input.phases;
  const periodHours = phases ? phases.reduce((n, p) => n + p.hours, 0) : hours;
  const policies = input.policies;
  if (policies) {
    const path = input.policiesPath ?? 'policies';
    const names = new Set(providers.map((p) => p.name));
    policies.forEach((pol, i) => {
      for (const prov of [...Object.keys(pol.overrides ?? {}), ...Object.keys(pol.windowHours ?? {})])
        if (!names.has(prov))
          problems.push({
            path: `${path}[${i}]`,
            message: `policy ${show(pol.name)} names provider "${prov}", which is not among the simulated providers (${[...names].join(', ')})`,
          });
      if (pol.schedule && pol.schedule.fromHours >= periodHours)
        problems.push({
          path: `${path}[${i}].schedule`,
          message: `starts at ${pol.schedule.fromHours} h, after the period's ${periodHours} h`,
        });
    });
  }
  if (problems.length === 0) {
    const expected = phases
      ? phasedPieces(phases, checkoutsPerHour).expected
      : ratePieces(hours, checkoutsPerHour, traffic).expected;
    if (expected > MAX_CHECKOUTS_PER_TRIAL) {
      problems.push({
        path: 'checkoutsPerHour',
        message: `about ${Math.round(expected).toLocaleString('en-US')} checkouts per trial is above the limit of ${MAX_CHECKOUTS_PER_TRIAL.toLocaleString('en-US')}: shorten --hours or lower --checkouts-per-hour`,
      });
    }
  }
  const model: SimModel = { hours: periodHours, checkoutsPerHour, traffic, trials, seed, skus, providers };
  if (policies) model.policies = policies;
  if (phases) model.phases = phases;
  return model;
}
