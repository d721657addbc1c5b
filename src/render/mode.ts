import type { Because, Mode, ScheduleWindow } from '../core/modes.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

export interface ModeReport {
  base: Mode;
  effective: Mode;
  because: Because;
  overrides: Record<string, Mode>;
  schedule: ScheduleWindow[];
  now: string;
}

export type ModeChange =
  | { kind: 'base'; old: Mode; new: Mode | null }
  | { kind: 'provider'; provider: string; old: Mode | null; new: Mode | null }
  | { kind: 'window'; window: ScheduleWindow; base: Mode };

const WHY: Record<Because, string> = {
  provider: 'a provider override',
  schedule: 'a scheduled window',
  base: 'the base mode',
};

export function renderMode(r: ModeReport, s: Style): string {
  const lines = [`${s.bold('mode now:')} ${r.effective} (from ${WHY[r.because]})`, `base mode: ${r.base}`];
  const providers = Object.entries(r.overrides);
  lines.push(
    providers.length
      ? `provider overrides: ${providers.map(([p, m]) => `${p} → ${m}`).join(', ')}`
      : 'provider overrides: none',
  );
  if (r.schedule.length) lines.push('', renderSchedule({ schedule: r.schedule, now: r.now }, s));
  else lines.push('schedule: none');
  return lines.join('\n');
}

export function renderSchedule(r: { schedule: ScheduleWindow[]; now: string }, _s: Style): string {
  if (r.schedule.length === 0) return 'no scheduled windows';
  const nowMs = Date.parse(r.now);
  return table(
    ['id', 'mode', 'from', 'until', 'state', 'reason'],
    r.schedule.map((w) => [
      w.id,
      w.mode,
      w.from,
      w.until,
      Date.parse(w.from) <= nowMs ? 'active' : 'upcoming',
      safe(w.reason ?? ''),
    ]),
    [true],
  );
}

export function renderModeChange(r: ModeReport & { change: ModeChange }, s: Style): string {
  const c = r.change;
  let head: string;
  if (c.kind === 'base') head = `base mode: ${c.old} → ${c.new}`;
  else if (c.kind === 'provider')
    head = c.new
      ? `${c.provider}: ${c.old ?? 'no override'} → ${c.new}`
      : `${c.provider}: override ${c.old ?? '(none)'} removed; it follows the shop's mode`;
  else
    head = `scheduled window ${c.window.id}: ${c.window.mode} from ${c.window.from} until ${c.window.until}, then ${c.base} again`;
  return `${head}\n${renderMode(r, s)}`;
}
