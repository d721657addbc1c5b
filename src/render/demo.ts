import type { Mode } from '../core/modes.js';
import type { StockItem } from '../core/ports.js';
import type { RecommendResult } from '../core/recommend.js';
import type { SimResult } from '../sim/index.js';
import { bar, num } from './simulate.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

export type StepOutcome =
  | { ok: true; status: string; oversoldUnits: number; duplicate: boolean; reserved: number }
  | { ok: false; code: string; message: string };

export interface DemoReport {
  store: string | null;
  start: string;
  steps: { at: string; story: string; event: Record<string, unknown>; results: Record<Mode, StepOutcome> }[];
  stock: Record<Mode, StockItem[]>;
  /** A simulated Black Friday on the sample shop (`inv simulate`'s result). */
  blackFriday: SimResult;
  /** What `inv recommend` advises this shop before Black Friday. */
  recommendation: RecommendResult;
}

function cell(o: StepOutcome, s: Style): string {
  if (!o.ok)
    return o.code === 'OUT_OF_STOCK'
      ? s.yellow('refused: out of stock')
      : o.code === 'UNKNOWN_ORDER'
        ? '— (no such order)'
        : `refused: ${o.code}`;
  if (o.duplicate) return 'duplicate, no-op';
  if (o.oversoldUnits > 0) return s.red(`${o.status}, OVERSOLD ${o.oversoldUnits}`);
  return o.reserved > 0 ? `${o.status}, holds ${o.reserved}` : o.status;
}

export function renderDemo(r: DemoReport, s: Style): string {
  const t0 = Date.parse(r.start);
  const when = (at: string) => {
    const m = Math.round((Date.parse(at) - t0) / 60_000);
    return m < 120 ? `+${m}m` : `+${Math.round(m / 60)}h`;
  };
  const out: string[] = [];
  out.push(s.bold('inv demo: one sample shop, the same orders, both inventory update modes'));
  out.push('');
  out.push('  on-order   stock is taken when the customer reaches the payment page; it goes');
  out.push('             back if the payment fails, expires or the order is cancelled.');
  out.push('  on-payment stock is taken only when the payment arrives.');
  out.push('');
  out.push(`The shop has 1 MUG and 1 TEE-M left. What happens, minute by minute:`);
  out.push('');
  out.push(
    table(
      ['when', 'what happens', 'on-order', 'on-payment'],
      r.steps.map((st) => [when(st.at), st.story, cell(st.results['on-order'], s), cell(st.results['on-payment'], s)]),
    ),
  );
  out.push('');
  out.push('Stock at the end:');
  const rows = r.stock['on-order'].map((a, i) => {
    const b = r.stock['on-payment'][i];
    return [
      safe(a.sku),
      `${a.onHand} / ${a.available}`,
      `${b.onHand} / ${b.available}${b.oversold ? s.red(' OVERSOLD') : ''}`,
    ];
  });
  out.push(table(['sku', 'on-order onHand / available', 'on-payment onHand / available'], rows));
  out.push('');
  out.push(`${s.bold('What it shows:')}`);
  out.push("  on-payment sold the last TEE-M twice: Ben paid by card while Ana's Boleto was");
  out.push('  pending, then Ana paid too. The shop owes a unit (oversold): backorder or refund.');
  out.push('  on-order refused Dee the MUG although Carl never paid: a phantom stockout until');
  out.push("  Carl's hold expired 30 minutes later. `inv stock show MUG` names such holds.");
  out.push('  Slow methods (Boleto, Konbini, Komoju) favour on-order; abandoned checkouts and');
  out.push('  deep stock favour on-payment. Per-provider overrides give both:');
  out.push('    inv set-mode on-order --provider boleto');
  out.push('');
  out.push(...renderBlackFriday(r.blackFriday, s));
  out.push('');
  out.push(...renderAdvice(r.recommendation, s));
  out.push('');
  out.push(
    r.store
      ? `The on-order run is kept in ${safe(r.store)}: try  inv --db ${safe(r.store)} history TEE-M`
      : 'Keep a store to explore: inv demo --db demo.db, then inv --db demo.db history TEE-M',
  );
  return out.join('\n');
}

function renderBlackFriday(bf: SimResult, s: Style): string[] {
  const p = bf.params;
  const [oo, op] = [bf.results['on-order'], bf.results['on-payment']];
  const mix = p.providers.map((x) => `${x.name} ${Math.round(x.share * 100)}%`).join(', ');
  const rows: [string, 'checkouts' | 'paid' | 'rejected' | 'phantomRejected' | 'oversoldOrders'][] = [
    ['checkouts', 'checkouts'],
    ['paid', 'paid'],
    ['refused: out of stock', 'rejected'],
    ['  while a checkout that never paid held the unit', 'phantomRejected'],
    ['oversold orders (units owed)', 'oversoldOrders'],
  ];
  const max = Math.max(
    oo.oversoldOrders.mean,
    op.oversoldOrders.mean,
    oo.phantomRejected.mean,
    op.phantomRejected.mean,
  );
  return [
    s.bold('A simulated Black Friday on this shop'),
    `  ${p.trials} runs of a ${p.hours}-hour sale at peak traffic (×3.5 a normal day), paid by ${mix};`,
    '  the same customers under both modes. Mean per sale:',
    '',
    table(
      ['', 'on-order', 'on-payment'],
      rows.map(([label, m]) => [label, num(oo[m].mean), num(op[m].mean)]),
      [false, true, true],
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    '',
    `  oversold     on-order   │${bar(oo.oversoldOrders.mean, max, 30)} ${num(oo.oversoldOrders.mean)}`,
    `               on-payment │${s.red(bar(op.oversoldOrders.mean, max, 30))} ${num(op.oversoldOrders.mean)}`,
    `  phantom      on-order   │${s.yellow(bar(oo.phantomRejected.mean, max, 30))} ${num(oo.phantomRejected.mean)}`,
    `               on-payment │${bar(op.phantomRejected.mean, max, 30)} ${num(op.phantomRejected.mean)}`,
    '',
    '  Your own shop: inv simulate --from-store --traffic peak --provider card:0.6,paypal:0.2,boleto:0.2',
  ];
}

function renderAdvice(r: RecommendResult, s: Style): string[] {
  const i = r.inputs;
  const out = [
    s.bold(
      `What inv recommends for this shop before Black Friday (${i.providers.join(', ')}; peak traffic; stock read from the store):`,
    ),
  ];
  out.push(r.temporary ? `  ${s.bold(r.mode)} from ${r.from} until ${r.until}, then back` : `  ${s.bold(r.mode)}`);
  out.push(`  why, first of all: ${r.reasons[0]}`);
  out.push(
    `  simulated per 1,000 checkouts: on-payment oversells ${r.risk['on-payment'].oversoldOrders} orders; ` +
      `on-order turns away ${r.risk['on-order'].phantomRejected} in phantom stockouts`,
  );
  if (r.alternative) out.push(`  or: ${r.alternative.text}`);
  out.push(
    `  all the reasons: inv recommend --provider ${i.providers.join(',')} --traffic peak --from-store   (or ask: inv advise)`,
  );
  return out;
}
