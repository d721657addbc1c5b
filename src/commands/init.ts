import type { Store } from '../core/ports.js';
import { withStore, type Context } from '../cli/context.js';
import { safe } from '../render/style.js';
import { output, type Output } from './output.js';
import { SAMPLE_SHOP } from './sample.js';

export async function loadSample(store: Store, nowMs: number): Promise<number> {
  let changed = 0;
  for (const s of SAMPLE_SHOP) {
    const a = await store.adjustStock({ sku: s.sku, set: s.qty, name: s.name, lowStock: s.lowStock, note: 'sample shop', nowMs });
    if (a.created || a.before !== a.after) changed++;
  }
  return changed;
}

export async function init(o: { sample: boolean }, ctx: Context): Promise<Output> {
  const result = await withStore(ctx, async (store) => ({
    store: ctx.dbPath,
    sample: o.sample ? { skus: SAMPLE_SHOP.length, changed: await loadSample(store, ctx.nowMs) } : null,
  }));
  return output(result, (r) => `store ready: ${safe(r.store)}${r.sample ? `\nsample shop: ${r.sample.skus} SKUs (${r.sample.changed} changed); see them with: inv stock` : ''}`);
}
