import { EXIT, outputLost } from '../core/errors.js';
import { checkName, checkSku, iso, parseInteger } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderAdjusted, renderHistory, renderStock, renderStockDetail, renderVerify } from '../render/stock.js';
import type { Store } from '../core/ports.js';
import { changed, output, type Output } from './output.js';
import { writePieces } from './stream.js';

export async function listStock(o: { skus: string[]; low: boolean }, ctx: Context): Promise<Output> {
  const skus = o.skus.map(checkSku);
  if (skus.length === 0 && ctx.json) {
    // The whole store: streamed item by item, so a million SKUs take no more memory than ten.
    await withStore(ctx.store, (store) => streamStockJson(store, ctx, o.low), READ);
    return { json: null, human: () => '', streamed: true };
  }
  let items = await withStore(ctx.store, (store) => store.listStock({ skus, nowMs: ctx.nowMs }), READ);
  if (o.low) items = items.filter((i) => i.low);
  return output({ items }, renderStock);
}

async function streamStockJson(store: Store, ctx: Context, low: boolean): Promise<void> {
  // Nothing is written before the first item has been read: a store that fails
  // at once (damaged, locked) then prints only its error document.
  const items = store.iterateStock(ctx.nowMs);
  async function* pieces(): AsyncGenerator<string> {
    let started = false;
    let n = 0;
    for await (const item of items) {
      if (!started) yield '{\n  "items": [';
      started = true;
      if (low && !item.low) continue;
      yield `${n++ === 0 ? '' : ','}\n    ${JSON.stringify(item)}`;
    }
    yield !started ? '{\n  "items": []\n}\n' : n === 0 ? ']\n}\n' : '\n  ]\n}\n';
  }
  const failed = await writePieces(ctx.io.stdout, pieces());
  if (failed) throw outputLost(failed, undefined);
}

export async function showStock(o: { sku: string }, ctx: Context): Promise<Output> {
  const sku = checkSku(o.sku);
  const detail = await withStore(ctx.store, (store) => store.stockDetail(sku, ctx.nowMs), READ);
  return output({ ...detail, now: iso(ctx.nowMs) }, renderStockDetail);
}

export interface AdjustOptions {
  sku: string;
  set?: string;
  add?: string;
  name?: string;
  reason?: string;
  lowStock?: string;
}

export async function adjust(o: AdjustOptions, ctx: Context): Promise<Output> {
  const sku = checkSku(o.sku);
  const set = o.set !== undefined ? parseInteger('quantity', o.set) : undefined;
  const add = o.add !== undefined ? parseInteger('delta', o.add) : undefined;
  const name = o.name !== undefined ? checkName(o.name) : undefined;
  const lowStock =
    o.lowStock === undefined
      ? undefined
      : o.lowStock === 'none'
        ? null
        : parseInteger('--low-stock', o.lowStock, { min: 0 });
  const adjusted = await withStore(ctx.store, (store) =>
    store.adjustStock({ sku, set, add, name, lowStock, note: o.reason, nowMs: ctx.nowMs }),
  );
  return changed(
    adjusted,
    renderAdjusted,
    `${adjusted.sku}: onHand ${adjusted.before} → ${adjusted.after} was recorded`,
  );
}

export async function history(o: { sku: string }, ctx: Context): Promise<Output> {
  const sku = checkSku(o.sku);
  return output(await withStore(ctx.store, (store) => store.history(sku), READ), renderHistory);
}

export async function verify(ctx: Context): Promise<Output> {
  const problems = await withStore(ctx.store, (store) => store.verify(), READ);
  return output({ ok: problems.length === 0, problems }, renderVerify, problems.length ? EXIT.verify : undefined);
}
