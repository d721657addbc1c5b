import { UsageError } from '../core/errors.js';
import { checkProviderName, mergeCatalogue, tuneProvider, type ProviderKind } from '../core/providers.js';
import { parseDurationHours } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderProviders } from '../render/provider.js';
import { changed, output, type Output } from './output.js';

export async function listProviders(ctx: Context): Promise<Output> {
  const providers = mergeCatalogue(await withStore(ctx.store, (store) => store.customProviders(), READ));
  return output({ providers }, renderProviders);
}

function share(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`${flag} "${text}" must be a number between 0 and 1`);
  return n;
}

export interface SetProviderOptions {
  name: string;
  window?: string;
  delayed?: boolean;
  instant?: boolean;
  unpaidRate?: string;
  failShare?: string;
  delayMedian?: string;
  delayP95?: string;
  label?: string;
}

export async function setProvider(o: SetProviderOptions, ctx: Context): Promise<Output> {
  const name = checkProviderName(o.name);
  const kind: ProviderKind | undefined = o.delayed ? 'delayed' : o.instant ? 'instant' : undefined;
  const changes = {
    windowHours: o.window !== undefined ? parseDurationHours('--window', o.window) : undefined,
    kind,
    unpaidRate: share('--unpaid-rate', o.unpaidRate),
    failShare: share('--fail-share', o.failShare),
    delayMedianHours: o.delayMedian !== undefined ? parseDurationHours('--delay-median', o.delayMedian) : undefined,
    delayP95Hours: o.delayP95 !== undefined ? parseDurationHours('--delay-p95', o.delayP95) : undefined,
    label: o.label,
  };
  const result = await withStore(ctx.store, (store) =>
    store.tuneProvider(name, (existing) => tuneProvider(existing, name, changes)),
  );
  return changed(
    result,
    (r, s) =>
      `${r.created ? 'added' : 'updated'} provider ${r.provider.name}\n${renderProviders({ providers: [r.provider] }, s)}`,
    `provider ${result.provider.name} was saved`,
  );
}
