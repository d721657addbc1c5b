/** `inv simulate` as text: the two modes side by side, a bar chart of the two risks, a progress bar. */
import type { Mode } from '../core/modes.js';
import type { Interval, Metric, SimResult } from '../sim/index.js';
import { TRAFFIC } from '../core/traffic.js';
import { hours } from './provider.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

const LABELS: [Metric, string][] = [
  ['checkouts', 'checkouts'],
  ['placed', 'placed'],
  ['rejected', 'rejected (out of stock)'],
  ['phantomRejected', '  of which phantom'],
  ['paid', 'paid'],
  ['latePayments', '  of which late'],
  ['failed', 'failed'],
  ['expired', 'expired'],
  ['unitsSold', 'units sold'],
  ['oversoldOrders', 'oversold orders'],
  ['oversoldUnits', 'oversold units'],
  ['delivered', 'delivered (paid, not oversold)'],
  ['lostSales', 'lost sales (against the oracle)'],
  ['oracleDelivered', 'a perfect-foresight policy delivers'],
  ['efficiency', 'efficiency (delivered ÷ oracle)'],
  ['revenue', 'revenue (delivered units)'],
  ['avgHeldUnits', 'units held (time average)'],
];

/** A number for people: whole numbers as they are, others to 1 or 2 decimals. */
export function num(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  return x.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 0 : a >= 10 ? 1 : 2 });
}

const range = (i: Interval): string => (i.low === i.high ? num(i.low) : `${num(i.low)}–${num(i.high)}`);

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value` on a scale where `max` fills `width` cells. */
export function bar(value: number, max: number, width: number): string {
  if (!(max > 0) || !(value > 0)) return '';
  const cells = Math.max(1 / 8, (value / max) * width); // anything above 0 shows
  const full = Math.floor(cells);
  return '█'.repeat(full) + EIGHTHS[Math.round((cells - full) * 8) % 8];
}

function describe(r: SimResult): string[] {
  const p = r.params;
  const units = p.skus.reduce((n, s) => n + s.stock, 0);
  const traffic =
    p.traffic === null
      ? 'constant rate'
      : `traffic ${p.traffic}: ×${TRAFFIC[p.traffic].multiplier}${TRAFFIC[p.traffic].burst ? `, ×${TRAFFIC[p.traffic].burst!.multiplier} for the first ${hours(TRAFFIC[p.traffic].burst!.hours)}` : `, busiest hour ${TRAFFIC[p.traffic].peakToMean}× the mean`}`;
  const providers = p.providers.map((pr) => {
    const delay =
      'fixed' in pr.delayHours
        ? `pays after ${hours(pr.delayHours.fixed)}`
        : `pays in ~${hours(pr.delayHours.median)}, p95 ${hours(pr.delayHours.p95)}`;
    return `${safe(pr.name)} ${+(pr.share * 100).toFixed(1)}% (${delay}, ${+(pr.unpaidRate * 100).toFixed(1)}% never pay, window ${hours(pr.windowHours)})`;
  });
  return [
    `${p.trials.toLocaleString('en-US')} simulated sales of ${num(p.hours)} h at ${num(p.checkoutsPerHour)} checkouts/h (${traffic}); seed ${p.seed}`,
    `${p.skus.length.toLocaleString('en-US')} SKU${p.skus.length === 1 ? '' : 's'}, ${units.toLocaleString('en-US')} units in stock; providers: ${providers.join(', ')}`,
  ];
}

/** Policies of the user's own (--policy, a scenario's `policies`): one column each, means and ranges. */
function renderPolicies(r: SimResult, s: Style): string {
  const names = Object.keys(r.results);
  const out: string[] = [s.bold(`inv simulate: the same customers under ${names.length} policies`), ...describe(r), ''];
  for (const [i, n] of names.entries()) out.push(`  [${i + 1}] ${safe(n)}`);
  out.push('');
  out.push(
    table(
      ['per sale', ...names.map((_, i) => `[${i + 1}]`)],
      LABELS.map(([m, label]) => [
        label,
        ...names.map((n) => `${num(r.results[n][m].mean)} (${range(r.results[n][m])})`),
      ]),
      [false, ...names.map(() => true)],
    ),
  );
  out.push('');
  out.push(s.bold('Lost sales and oversold orders (mean per sale):'));
  const max = Math.max(...names.flatMap((n) => [r.results[n].lostSales.mean, r.results[n].oversoldOrders.mean]));
  names.forEach((n, i) => {
    out.push(
      `  [${i + 1}] lost     │${s.cyan(bar(r.results[n].lostSales.mean, max, 40))} ${num(r.results[n].lostSales.mean)}`,
    );
    out.push(
      `      oversold │${s.yellow(bar(r.results[n].oversoldOrders.mean, max, 40))} ${num(r.results[n].oversoldOrders.mean)}`,
    );
  });
  out.push('');
  out.push(FOOTNOTE);
  return out.join('\n');
}

const FOOTNOTE = [
  '  oversold: paid when no unit was left (the shop owes it); phantom: a paying customer',
  '  turned away while the unit was held by a checkout that did not pay within its window.',
  '  lost sales: units a perfect-foresight policy (never holds for a non-payer, never oversells)',
  '  delivers to the same customers and this one does not; never more than the stock.',
  '  The mean is over all trials; the range holds the middle 95% of them.',
].join('\n');

export function renderSimulation(r: SimResult, s: Style): string {
  if (r.params.policies) return renderPolicies(r, s);
  const oo = r.results['on-order'];
  const op = r.results['on-payment'];
  const out: string[] = [
    s.bold('inv simulate: the same customers under both inventory update modes'),
    ...describe(r),
    '',
  ];
  out.push(
    table(
      ['per sale', 'on-order', '(95% of sales)', 'on-payment', '(95% of sales)'],
      LABELS.map(([m, label]) => [label, num(oo[m].mean), range(oo[m]), num(op[m].mean), range(op[m])]),
      [false, true, true, true, true],
    ),
  );
  out.push('');
  out.push(s.bold('The two risks (mean per sale):'));
  const rows: [string, Mode, number][] = [
    ['oversold orders', 'on-order', oo.oversoldOrders.mean],
    ['', 'on-payment', op.oversoldOrders.mean],
    ['phantom rejections', 'on-order', oo.phantomRejected.mean],
    ['', 'on-payment', op.phantomRejected.mean],
  ];
  const max = Math.max(...rows.map((x) => x[2]));
  for (const [label, mode, v] of rows) {
    const b = bar(v, max, 40);
    out.push(`  ${label.padEnd(19)} ${mode.padEnd(10)} │${mode === 'on-payment' ? s.yellow(b) : s.cyan(b)} ${num(v)}`);
  }
  out.push('');
  out.push(FOOTNOTE);
  return out.join('\n');
}

/** One line of progress for stderr, redrawn with \r. */
export function progressLine(done: number, total: number, width = 30): string {
  const f = total > 0 ? done / total : 1;
  const full = Math.floor(f * width);
  return `simulating ${'█'.repeat(full)}${'░'.repeat(width - full)} ${String(Math.floor(f * 100)).padStart(3)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} trials`;
}
