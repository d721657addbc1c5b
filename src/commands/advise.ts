/**
 * `inv advise`: an arrow-key wizard before a sales peak. It only gathers answers
 * (CONVENTIONS 8); `recommendWith` decides and the store applies. Every question
 * has a flag, so it also runs without prompts. The prompts package is imported
 * here and nowhere else: no other command pays its start-up cost.
 */
import { EXIT, InvError, UsageError } from '../core/errors.js';
import type { Store } from '../core/ports.js';
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
        default: '7',
        validate: (v) => validCount(v),
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

function validCount(v: string): true | string {
  try {
    parseInteger('number', v, { min: 0 });
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Applies the operator's choice to the store; says what changed, old → new. */
export async function applyChoice(store: Store, r: RecommendResult, choice: Choice, nowMs: number): Promise<Applied> {
  const changes: string[] = [];
  if (choice === 'recommended') {
    if (r.temporary && r.from && r.until) {
      const w = await store.addWindow(
        { mode: r.mode, from: r.from, until: r.until, reason: `inv advise: ${r.inputs.traffic} traffic` },
        nowMs,
      );
      changes.push(`scheduled window ${w.id}: ${w.mode} from ${w.from} until ${w.until}, then the base mode again`);
    } else {
      const old = await store.setBaseMode(r.mode);
      changes.push(`base mode: ${old} → ${r.mode}`);
    }
  } else if (choice === 'alternative' && r.alternative) {
    // All at once: the shop never runs with half of the alternative applied.
    const old = await store.setPolicy({ base: r.alternative.base, overrides: r.alternative.overrides });
    for (const [provider, mode] of Object.entries(r.alternative.overrides))
      changes.push(`${provider}: ${old.overrides[provider] ?? 'no override'} → ${mode}`);
    if (old.base !== r.alternative.base) changes.push(`base mode: ${old.base} → ${r.alternative.base}`);
  }
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
      if (choice === 'alternative' && !rec.alternative)
        throw new UsageError(
          'there is no per-provider alternative for these answers (only when some providers are slow)',
        );
      const applied = await applyChoice(store, rec, choice, ctx.nowMs);
      const result = { ...rec, ...applied };
      return output(result, (r, s) => {
        const shown = interactive ? '' : `${renderRecommendation(r, s)}\n\n`;
        if (r.applied === 'nothing')
          return `${shown}Nothing applied.${interactive ? '' : ' Pass --yes to apply the recommendation (or --yes --alternative for the per-provider one).'}`;
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
    ? `${rec.mode} from ${rec.from} until ${rec.until}, then switch back`
    : `${rec.mode} as the base mode`;
  if (!rec.alternative) {
    return (await prompts.confirm({ message: `Apply it (${what})?`, default: false }, io)) ? 'recommended' : 'nothing';
  }
  return prompts.select<Choice>(
    {
      message: 'Apply which?',
      choices: [
        { name: 'nothing for now', value: 'nothing' },
        { name: `the recommendation: ${what}`, value: 'recommended' },
        {
          name: `the alternative: ${Object.keys(rec.alternative.overrides).join(', ')} on-order, the rest on-payment`,
          value: 'alternative',
        },
      ],
      default: 'nothing',
    },
    io,
  );
}
