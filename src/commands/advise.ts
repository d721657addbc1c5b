/**
 * `inv advise`: an arrow-key wizard before a sales peak. It only gathers answers
 * (CONVENTIONS 8); `recommendWith` decides and the store applies. Every question
 * has a flag, so it also runs without prompts. The prompts package is imported
 * here and nowhere else: no other command pays its start-up cost.
 */
import { EXIT, InvError, UsageError } from '../core/errors.js';
import { costModel, DEFAULT_MARGIN, DEFAULT_RESTOCK_DAYS } from '../core/costs.js';
import type { PolicyPlan, Store } from '../core/ports.js';
import { mergeCatalogue } from '../core/providers.js';
import { SHALLOW_UNITS, type TrafficLevel } from '../core/recommend.js';
import { iso, parseInteger, parseTime } from '../core/values.js';
import { withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { hours } from '../render/provider.js';
import { renderRecommendation } from '../render/recommend.js';
import { safe } from '../render/style.js';
import { output, type Output } from './output.js';
import { parseParams, readDepth, recommendWith, splitProviders, type RecommendOptions } from './recommend.js';
import type { RecommendResult } from '../core/recommend.js';

export interface AdviseOptions extends RecommendOptions {
  yes?: boolean;
  alternative?: boolean;
}

type Choice = 'recommended' | 'alternative' | 'nothing';

export interface Applied {
  applied: Choice;
  changes: string[];
}

const DAY = 86_400_000;

function interrupted(): InvError {
  return new InvError('INTERRUPTED', 'advise interrupted; the store was not changed', EXIT.interrupted);
}

/** Asks what the flags did not say. */
async function gather(o: AdviseOptions, ctx: Context, store: Store): Promise<AdviseOptions> {
  const prompts = await import('@inquirer/prompts');
  const io = { input: ctx.io.stdin, output: ctx.io.stdout, clearPromptOnDone: false };
  const answers: AdviseOptions = { ...o };
  const catalogue = mergeCatalogue(await store.customProviders());

  if (splitProviders(answers.providers).length === 0) {
    answers.providers = await prompts.checkbox(
      {
        message: 'Which payment methods does the shop take?',
        choices: catalogue.map((p) => ({
          name: `${p.name.padEnd(14)} ${p.label} (${p.kind}, window ${hours(p.windowHours)})`,
          value: p.name,
          short: p.name,
        })),
        required: true,
        pageSize: Math.min(14, catalogue.length),
      },
      io,
    );
  }
  if (answers.traffic === undefined) {
    answers.traffic = await prompts.select<TrafficLevel>(
      {
        message: 'What traffic do you expect?',
        choices: [
          { name: 'normal: an ordinary week', value: 'normal' },
          { name: 'busy: a promotion, the week before Black Friday (about 2×)', value: 'busy' },
          { name: 'peak: a sale, Black Friday, Cyber Monday (about 3.5–5×)', value: 'peak' },
        ],
      },
      io,
    );
  }
  if (answers.traffic !== 'normal' && answers.peakUntil === undefined) {
    const from =
      answers.peakFrom ??
      (await prompts.input(
        {
          message: 'When does it start? (ISO date/time, UTC)',
          default: iso(ctx.nowMs).slice(0, 16),
          validate: (v) => validTime(v),
        },
        io,
      ));
    answers.peakFrom = from;
    const fromMs = parseTime('start', from);
    answers.peakUntil = await prompts.input(
      {
        message: 'When does it end? (the shop switches back then)',
        default: iso(fromMs + (answers.traffic === 'peak' ? 4 : 7) * DAY).slice(0, 16),
        validate: (v) =>
          validTime(v) === true
            ? parseTime('end', v) > fromMs
              ? true
              : 'the end must be after the start'
            : validTime(v),
      },
      io,
    );
  }
  if (answers.stockDepth === undefined && !answers.fromStore) {
    const empty = await store.isEmpty();
    let useStore = false;
    if (!empty) {
      const { depth } = await readDepth(store, ctx.nowMs);
      useStore = await prompts.select<boolean>(
        {
          message: 'How deep is the stock?',
          choices: [
            {
              name: `as in the store: ${depth.skus} SKUs, median ${depth.units} available, ${Math.round((depth.shallowShare ?? 0) * 100)}% at ${SHALLOW_UNITS} or fewer`,
              value: true,
            },
            { name: 'let me type a typical number of units per SKU', value: false },
          ],
        },
        io,
      );
    }
    if (useStore) answers.fromStore = true;
    else {
      answers.stockDepth = await prompts.input(
        {
          message: 'Typical units in stock per SKU?',
          default: '10',
          validate: (v) => validCount(v),
        },
        io,
      );
    }
  }
  if (answers.restockDays === undefined) {
    answers.restockDays = await prompts.input(
      {
        message: 'How many days does restocking take?',
        default: String(DEFAULT_RESTOCK_DAYS),
        validate: (v) => validCount(v),
      },
      io,
    );
  }
  if (answers.margin === undefined) {
    answers.margin = await prompts.input(
      {
        message: 'Profit on one unit sold (its margin, in your currency)?',
        default: String(DEFAULT_MARGIN),
        validate: (v) => validAmount(v, true),
      },
      io,
    );
  }
  if (answers.oversellCost === undefined) {
    const restock = Number(answers.restockDays ?? DEFAULT_RESTOCK_DAYS);
    const suggested = costModel({ margin: Number(answers.margin), restockDays: restock }).oversellCost.value;
    answers.oversellCost = await prompts.input(
      {
        message: `Cost of one oversold order (refund, support, goodwill; a backorder waits ${restock} days)?`,
        default: String(suggested),
        validate: (v) => validAmount(v, false),
      },
      io,
    );
  }
  return answers;
}

function validTime(v: string): true | string {
  try {
    parseTime('time', v);
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

function validAmount(v: string, positive: boolean): true | string {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n) || n < 0 || (positive && n === 0))
    return `${JSON.stringify(v)}: give an amount${positive ? ' above 0' : ', 0 or more'}`;
  return true;
}

function validCount(v: string): true | string {
  try {
    parseInteger('number', v, { min: 0 });
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The plan for one candidate of the recommendation: the whole policy, with dates for its window. */
export function planFor(r: RecommendResult, choice: Exclude<Choice, 'nothing'>): PolicyPlan & { name: string } {
  const c =
    choice === 'recommended'
      ? { ...r.policy }
      : (() => {
          const alt = r.candidates.find((x) => x.name !== r.policy.name);
          if (!alt) throw new UsageError('there is no other candidate to apply');
          const peak = r.simulation.peak;
          return {
            name: alt.name,
            ...alt.policy,
            schedule:
              alt.policy.schedule && peak
                ? { mode: alt.policy.schedule.mode, from: peak.from, until: peak.until }
                : null,
          };
        })();
  // In full: the overrides of every provider the shop named are the policy's, or none.
  const overrides = Object.fromEntries(r.inputs.providers.map((p) => [p, c.overrides[p] ?? null]));
  return {
    name: c.name,
    base: c.base,
    overrides,
    windows: c.windowHours,
    schedule: c.schedule ? { ...c.schedule, reason: `inv advise: ${r.inputs.traffic} traffic (${c.name})` } : null,
  };
}

/** Applies the operator's choice to the store, all of it in one transaction; says what changed, old → new. */
export async function applyChoice(store: Store, r: RecommendResult, choice: Choice, nowMs: number): Promise<Applied> {
  const changes: string[] = [];
  if (choice === 'nothing') return { applied: choice, changes };
  const plan = planFor(r, choice);
  const done = await store.applyPolicy(plan, nowMs);
  if (done.was.base !== plan.base) changes.push(`base mode: ${done.was.base} → ${plan.base}`);
  for (const [provider, mode] of Object.entries(plan.overrides))
    if ((done.was.overrides[provider] ?? null) !== mode)
      changes.push(`${provider}: ${done.was.overrides[provider] ?? 'no override'} → ${mode ?? 'no override'}`);
  for (const [provider, h] of Object.entries(plan.windows))
    changes.push(
      `${provider} hold window: ${done.was.windows[provider] !== null ? hours(done.was.windows[provider]!) : 'none'} → ${hours(h)} (change it at the provider too)`,
    );
  if (done.window)
    changes.push(
      `scheduled window ${done.window.id}: ${done.window.mode} from ${done.window.from} until ${done.window.until}, then the base mode again`,
    );
  if (changes.length === 0) changes.push(`nothing to change: the store already runs ${plan.name}`);
  return { applied: choice, changes };
}

export async function advise(o: AdviseOptions, ctx: Context): Promise<Output> {
  const interactive = Boolean(ctx.io.stdin.isTTY && ctx.io.stdout.isTTY) && !ctx.json;
  const complete = splitProviders(o.providers).length > 0 && o.traffic !== undefined;
  if (!interactive && !complete) {
    throw new UsageError(
      'inv advise asks its questions on a terminal; without one, give the answers as flags or use inv recommend',
      {
        hint: 'inv recommend --provider card --provider boleto --traffic peak --stock-depth 10 (or: inv advise … --yes)',
      },
    );
  }
  if (o.alternative && !o.yes)
    throw new UsageError('--alternative applies the per-provider alternative and needs --yes');
  try {
    return await withStore(ctx.store, async (store) => {
      const answers = interactive ? await gather(o, ctx, store) : o;
      const params = parseParams(answers, ctx.nowMs);
      const rec = await recommendWith(store, params, ctx.nowMs);
      let choice: Choice = 'nothing';
      if (o.yes) choice = o.alternative ? 'alternative' : 'recommended';
      else if (interactive) {
        ctx.io.stdout.write(`\n${renderRecommendation(rec, ctx.style)}\n\n`);
        choice = await ask(rec, ctx);
      }
      const applied = await applyChoice(store, rec, choice, ctx.nowMs);
      const result = { ...rec, ...applied };
      return output(result, (r, s) => {
        const shown = interactive ? '' : `${renderRecommendation(r, s)}\n\n`;
        if (r.applied === 'nothing')
          return `${shown}Nothing applied.${interactive ? '' : ' Pass --yes to apply the recommendation (or --yes --alternative for the next best candidate).'}`;
        return `${shown}Applied:\n${r.changes.map((c) => `  ${safe(c)}`).join('\n')}`;
      });
    });
  } catch (e) {
    if ((e as Error)?.name === 'ExitPromptError' || (e as Error)?.name === 'AbortPromptError') throw interrupted();
    throw e;
  }
}

async function ask(rec: RecommendResult, ctx: Context): Promise<Choice> {
  const prompts = await import('@inquirer/prompts');
  const io = { input: ctx.io.stdin, output: ctx.io.stdout, clearPromptOnDone: false };
  const what = rec.temporary
    ? `${rec.policy.name} (${rec.mode} from ${rec.from} until ${rec.until}, then switch back)`
    : rec.policy.name;
  const next = rec.candidates.find((c) => c.name !== rec.policy.name);
  const best = rec.candidates.find((c) => c.name === rec.policy.name);
  if (!next) {
    return (await prompts.confirm({ message: `Apply it (${what})?`, default: false }, io)) ? 'recommended' : 'nothing';
  }
  return prompts.select<Choice>(
    {
      message: 'Apply which? (all of it at once: modes, overrides, hold windows, the switch back)',
      choices: [
        { name: 'nothing for now', value: 'nothing' },
        {
          name: `the recommendation: ${what}, cost ${best?.cost.mean ?? '?'} per 1,000 checkouts`,
          value: 'recommended',
        },
        { name: `the next best: ${next.name}, cost ${next.cost.mean} per 1,000 checkouts`, value: 'alternative' },
      ],
      default: 'nothing',
    },
    io,
  );
}
