import type { Store } from '../core/ports.js';
import { existsSync } from 'node:fs';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { safe } from '../render/style.js';
import { changed, type Output } from './output.js';
import { SAMPLE_SHOP } from './sample.js';

/** Adds the sample SKUs a store does not have yet; stock the shop already counts is never touched. */
export async function loadSample(store: Store, nowMs: number): Promise<string[]> {
  return store.createSkus(SAMPLE_SHOP, 'sample shop', nowMs);
}

export async function init(o: { sample: boolean }, ctx: Context): Promise<Output> {
  // An existing store, without --sample, is only looked at: init works on a store that cannot be written.
  const readOnly = !o.sample && ctx.store.kind === 'sqlite' && existsSync(ctx.store.path);
  const result = await withStore(
    ctx.store,
    async (store) => ({
      store: ctx.store.label,
      sample: o.sample ? { skus: SAMPLE_SHOP.length, created: await loadSample(store, ctx.nowMs) } : null,
    }),
    readOnly ? READ : undefined,
  );
  const done = result.sample ? `${result.sample.created.length} sample SKUs were added` : 'the store is ready';
  return changed(
    result,
    (r) => {
      if (!r.sample) return `store ready: ${safe(r.store)}`;
      const kept = r.sample.skus - r.sample.created.length;
      return `store ready: ${safe(r.store)}\nsample shop: ${r.sample.created.length} SKUs added${kept ? `, ${kept} already there and left as they were` : ''}; see them with: inv stock`;
    },
    done,
  );
}
