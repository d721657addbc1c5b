import { UsageError } from '../core/errors.js';
import { checkMethod, methodTable } from '../core/payment-methods.js';
import { checkProviderName, findProvider, mergeCatalogue, tuneProvider, type ProviderKind } from '../core/providers.js';
import { parseDurationHours } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderProviders } from '../render/provider.js';
import { safe } from '../render/style.js';
import { table } from '../render/table.js';
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

/** `inv provider methods`: the payment method → provider map, default and the shop's. */
export async function listMethods(ctx: Context): Promise<Output> {
  const map = await withStore(ctx.store, (store) => store.methodMap(), READ);
  return output({ methods: methodTable(map) }, (r) =>
    table(
      ['method', 'provider', 'source'],
      r.methods.map((m) => [safe(m.method), m.provider, m.source]),
    ),
  );
}

/** `inv provider map stripe:oxxo oxxo`: the shop's own mapping (`default` removes it). */
export async function mapMethod(o: { method: string; provider: string }, ctx: Context): Promise<Output> {
  const method = checkMethod(o.method);
  const provider = o.provider === 'default' ? null : checkProviderName(o.provider);
  const before = await withStore(ctx.store, async (store) => {
    // Only a provider of the catalogue: orders placed with an unknown one would be refused later, one by one.
    if (provider !== null) findProvider(mergeCatalogue(await store.customProviders()), provider);
    return store.mapMethod(method, provider);
  });
  const result = { method, provider, before };
  return changed(
    result,
    (r) =>
      r.provider === null
        ? `${r.method}: the shop's mapping ${r.before ?? '(none)'} was removed; the default map applies`
        : `${r.method}: ${r.before ?? 'default'} → ${r.provider}`,
    `payment method ${method} was mapped`,
  );
}
