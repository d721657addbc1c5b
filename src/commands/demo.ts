/**
 * `inv demo`: the same stream of orders run through two copies of the sample
 * shop, one per mode, so the operator sees the oversell of on-payment with a
 * slow provider and the phantom stockout of on-order with an abandoned checkout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvError } from '../core/errors.js';
import type { Mode } from '../core/modes.js';
import type { OrderDoc, StockItem, Store } from '../core/ports.js';
import { iso } from '../core/values.js';
import { addressOf, type StoreAddress, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { renderDemo, type DemoReport, type StepOutcome } from '../render/demo.js';
import { applyEvent } from './apply.js';
import { loadSample } from './init.js';
import { output, type Output } from './output.js';
import { SAMPLE_SHOP } from './sample.js';
import { buildModel, simulate, type SimResult } from '../sim/index.js';
import { recommendWith, type RecommendParams } from './recommend.js';

const MIN = 60_000;

/** The story: who does what, minutes after the start. */
export const DEMO_SCRIPT: { after: number; story: string; event: Record<string, unknown> }[] = [
  {
    after: 0,
    story: 'Ana reaches the payment page for the last TEE-M and picks Boleto (paid days later, if at all)',
    event: { type: 'place', id: 'ana-boleto', provider: 'boleto', items: [{ sku: 'TEE-M', qty: 1 }] },
  },
  {
    after: 5,
    story: 'Carl reaches the payment page for the last MUG, then closes the tab',
    event: { type: 'place', id: 'carl-card', provider: 'card', items: [{ sku: 'MUG', qty: 1 }] },
  },
  {
    after: 10,
    story: 'Dee wants the MUG too and pays by card',
    event: { type: 'place', id: 'dee-card', provider: 'card', items: [{ sku: 'MUG', qty: 1 }] },
  },
  { after: 11, story: "Dee's card payment arrives", event: { type: 'pay', id: 'dee-card', event: 'evt-dee-1' } },
  {
    after: 60,
    story: 'Ben buys TEE-M by card',
    event: { type: 'place', id: 'ben-card', provider: 'card', items: [{ sku: 'TEE-M', qty: 1 }] },
  },
  { after: 61, story: "Ben's card payment arrives", event: { type: 'pay', id: 'ben-card', event: 'evt-ben-1' } },
  {
    after: 62,
    story: "The card provider sends Ben's notification again (at-least-once delivery)",
    event: { type: 'pay', id: 'ben-card', event: 'evt-ben-1' },
  },
  {
    after: 30 * 60,
    story: "Ana's Boleto is paid, 30 hours later",
    event: { type: 'pay', id: 'ana-boleto', event: 'evt-ana-1' },
  },
];

const MODES: Mode[] = ['on-order', 'on-payment'];

function outcome(result: unknown): StepOutcome {
  const o = result as OrderDoc;
  return { ok: true, status: o.status, oversoldUnits: o.oversoldUnits, duplicate: o.duplicate, reserved: o.reserved };
}

async function runMode(
  store: Store,
  mode: Mode,
  startMs: number,
  ctx: Context,
): Promise<{ steps: StepOutcome[]; stock: StockItem[] }> {
  await loadSample(store, startMs);
  await store.setBaseMode(mode);
  const steps: StepOutcome[] = [];
  for (const step of DEMO_SCRIPT) {
    try {
      steps.push(outcome(await applyEvent(store, step.event, startMs + step.after * MIN, ctx.ids)));
    } catch (e) {
      if (!(e instanceof InvError) || e.exitCode === 4) throw e;
      steps.push({ ok: false, code: e.code, message: e.message });
    }
  }
  const endMs = startMs + DEMO_SCRIPT[DEMO_SCRIPT.length - 1].after * MIN;
  return { steps, stock: await store.listStock({ skus: ['MUG', 'TEE-M'], nowMs: endMs }) };
}

export async function demo(ctx: Context): Promise<Output> {
  const tmp = mkdtempSync(join(tmpdir(), 'inv-demo-'));
  const keep = ctx.store.source === 'flag';
  const startMs = ctx.nowMs;
  const scratch = (name: string): StoreAddress => addressOf(join(tmp, name), 'flag', ctx.store.busyTimeoutMs);
  try {
    const runs = {} as Record<Mode, Awaited<ReturnType<typeof runMode>>>;
    for (const mode of MODES) {
      // With --db, the on-order run stays there to explore; the other run is temporary.
      const at = keep && mode === 'on-order' ? ctx.store : scratch(`${mode}.db`);
      runs[mode] = await withStore(at, (store) => runMode(store, mode, startMs, ctx));
    }
    const report: DemoReport = {
      store: keep ? ctx.store.label : null,
      start: iso(startMs),
      steps: DEMO_SCRIPT.map((s, i) => ({
        at: iso(startMs + s.after * MIN),
        story: s.story,
        event: s.event,
        results: { 'on-order': runs['on-order'].steps[i], 'on-payment': runs['on-payment'].steps[i] },
      })),
      stock: { 'on-order': runs['on-order'].stock, 'on-payment': runs['on-payment'].stock },
      blackFriday: blackFriday(),
      recommendation: await withStore(scratch('advice.db'), async (store) => {
        await loadSample(store, startMs);
        return recommendWith(store, adviceFor(startMs), startMs);
      }),
    };
    return output(report, renderDemo);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A simulated Black Friday on the sample shop (SPEC section 5): peak traffic,
 * a Brazilian-style provider mix with Boleto, a fixed seed so the tour is the
 * same every time. About 200 trials of ~80 checkouts: a few milliseconds.
 */
export const BLACK_FRIDAY = {
  hours: 24,
  checkoutsPerHour: 1,
  traffic: 'peak' as const,
  trials: 200,
  seed: 2026,
  providers: [
    { name: 'card', share: 0.6 },
    { name: 'paypal', share: 0.2 },
    { name: 'boleto', share: 0.2 },
  ],
};

/** The question the tour ends with: this shop, these providers, Black Friday to Cyber Monday. */
function adviceFor(startMs: number): RecommendParams {
  return {
    providers: BLACK_FRIDAY.providers.map((p) => p.name),
    traffic: 'peak',
    stockDepth: null,
    fromStore: true,
    restockDays: 7,
    peakFromMs: startMs,
    peakUntilMs: startMs + 4 * 24 * 60 * MIN,
  };
}

function blackFriday(): SimResult {
  return simulate(
    buildModel({ ...BLACK_FRIDAY, skus: SAMPLE_SHOP.map((s) => ({ sku: s.sku, stock: s.qty, price: 1, weight: 1 })) }),
  );
}
