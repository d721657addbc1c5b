import type { RecommendResult } from '../core/recommend.js';
import type { Style } from './style.js';
import { table } from './table.js';

export function renderRecommendation(r: RecommendResult, s: Style): string {
  const head = r.temporary
    ? `${s.bold('Recommendation:')} ${s.bold(r.mode)} for now, from ${r.from} until ${r.until}; then the base mode again`
    : `${s.bold('Recommendation:')} ${s.bold(r.mode)}`;
  const out = [head, '', 'Why:'];
  for (const reason of r.reasons) out.push(`  - ${reason}`);
  out.push(
    '',
    `Simulated risk per 1,000 checkouts (${r.simulation.trials} trials, seed ${r.simulation.seed}, ${r.simulation.hours} h at ${r.simulation.traffic} traffic):`,
  );
  out.push(
    table(
      ['', 'oversold orders', 'oversold units', 'phantom stockouts', 'turned away in all'],
      (['on-order', 'on-payment'] as const).map((m) => [
        m,
        r.risk[m].oversoldOrders,
        r.risk[m].oversoldUnits,
        r.risk[m].phantomRejected,
        r.risk[m].rejected,
      ]),
      [false, true, true, true, true],
    ),
  );
  if (r.alternative) out.push('', `${s.bold('Alternative:')} ${r.alternative.text}`);
  out.push(
    '',
    r.temporary
      ? `Apply it: inv set-mode ${r.mode} --from ${r.from} --until ${r.until} --reason "recommended for ${r.inputs.traffic} traffic"`
      : `Apply it: inv set-mode ${r.mode}`,
  );
  return out.join('\n');
}
