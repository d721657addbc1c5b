import { UsageError } from '../core/errors.js';
import { parseMode, resolveMode, validateWindow, type Mode, type Policy, type ScheduleWindow } from '../core/modes.js';
import type { Store } from '../core/ports.js';
import { checkProviderName, findProvider, mergeCatalogue } from '../core/providers.js';
import { iso, parseTime } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderMode, renderModeChange, renderSchedule, type ModeChange, type ModeReport } from '../render/mode.js';
import { changed, output, type Output } from './output.js';

export async function showMode(ctx: Context): Promise<Output> {
  const report = await withStore(
    ctx.store,
    async (store) => modeReport(await store.getPolicy(ctx.nowMs), ctx.nowMs),
    READ,
  );
  return output(report, renderMode);
}

export function modeReport(policy: Policy, nowMs: number): ModeReport {
  const r = resolveMode(policy, nowMs);
  return {
    base: policy.base,
    effective: r.mode,
    because: r.because,
    overrides: policy.overrides,
    schedule: policy.schedule,
    now: iso(nowMs),
  };
}

export interface SetModeOptions {
  mode: string;
  provider?: string;
  from?: string;
  until?: string;
  reason?: string;
}

export async function setMode(o: SetModeOptions, ctx: Context): Promise<Output> {
  const isDefault = o.mode === 'default';
  if (isDefault && o.provider === undefined)
    throw new UsageError('"default" only removes a provider override: inv set-mode default --provider NAME');
  const mode: Mode | null = isDefault ? null : parseMode(o.mode);
  if (o.from !== undefined && o.until === undefined)
    throw new UsageError('--from needs --until: a window runs from --from until --until');
  if (o.provider !== undefined && o.until !== undefined)
    throw new UsageError('--provider and --until cannot be combined: a provider override lasts until removed');
  const fromMs = o.from !== undefined ? parseTime('--from', o.from) : ctx.nowMs;
  const untilMs = o.until !== undefined ? parseTime('--until', o.until) : undefined;
  if (untilMs !== undefined) validateWindow(fromMs, untilMs, ctx.nowMs);

  const result = await withStore(ctx.store, async (store) => {
    const change = await applyChange(store);
    return { ...modeReport(await store.getPolicy(ctx.nowMs), ctx.nowMs), change };
  });
  return changed(result, renderModeChange, 'the mode change was saved');

  async function applyChange(store: Store): Promise<ModeChange> {
    if (o.provider !== undefined) {
      const name = checkProviderName(o.provider);
      findProvider(mergeCatalogue(await store.customProviders()), name);
      const old = await store.setOverride(name, mode);
      return { kind: 'provider', provider: name, old, new: mode };
    }
    if (untilMs !== undefined) {
      const w: ScheduleWindow = await store.addWindow(
        { mode: mode!, from: iso(fromMs), until: iso(untilMs), reason: o.reason ?? null },
        ctx.nowMs,
      );
      return { kind: 'window', window: w, base: (await store.getPolicy(ctx.nowMs)).base };
    }
    const old = await store.setBaseMode(mode!);
    return { kind: 'base', old, new: mode };
  }
}

export async function listSchedule(ctx: Context): Promise<Output> {
  const policy = await withStore(ctx.store, (store) => store.getPolicy(ctx.nowMs), READ);
  return output({ schedule: policy.schedule, now: iso(ctx.nowMs) }, renderSchedule);
}

export async function cancelSchedule(o: { id: number }, ctx: Context): Promise<Output> {
  const cancelled = await withStore(ctx.store, (store) => store.cancelWindow(o.id));
  return changed(
    { cancelled },
    (r) =>
      `cancelled window ${r.cancelled.id}: ${r.cancelled.mode} from ${r.cancelled.from} until ${r.cancelled.until}`,
    `window ${cancelled.id} was cancelled`,
  );
}
