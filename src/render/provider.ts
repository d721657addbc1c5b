import type { Provider } from '../core/providers.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

export function hours(h: number): string {
  if (h < 1 / 60) return `${Math.round(h * 3600)}s`;
  if (h < 1) return `${Math.round(h * 60)}m`;
  if (h < 48) return `${+h.toFixed(1)}h`;
  return `${+(h / 24).toFixed(1)}d`;
}

export function renderProviders(r: { providers: Provider[] }, _s: Style): string {
  return table(
    ['provider', 'kind', 'window', 'unpaid', 'delay median', 'delay p95', 'sources'],
    r.providers.map((p) => [
      p.name,
      p.kind,
      hours(p.windowHours),
      `${Math.round(p.unpaidRate * 100)}%`,
      hours(p.delayHours.median),
      hours(p.delayHours.p95),
      safe(
        p.sources +
          (p.lateShare ? `; ${Math.round(p.lateShare * 100)}% late by ~${hours(p.lateDelayHours!.median)}` : ''),
      ),
    ]),
  );
}
