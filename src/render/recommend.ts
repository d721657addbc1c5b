import type { RecommendResult } from '../core/recommend.js';
import { bar } from './simulate.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

const n = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** How many candidates the text shows side by side (all of them are in --json). */
const SHOWN = 6;

export function renderRecommendation(r: RecommendResult, s: Style): string {
  const head = r.temporary
    ? `${s.bold('Recommendation:')} ${s.bold(safe(r.policy.name))}: ${r.mode} from ${r.from} until ${r.until}, then the base mode again`
    : `${s.bold('Recommendation:')} ${s.bold(safe(r.policy.name))}`;
  const out = [head];
  if (r.tieBrokenByRules) out.push(`(a tie within noise, broken by SPEC section 1's rules: ${r.tie?.rule})`);
  out.push('', 'Why:');
  for (const reason of r.reasons) out.push(`  - ${safe(reason)}`);
  const sim = r.simulation;
  out.push(
    '',
    `Candidates, per 1,000 checkouts (${sim.trials} trials on the same customers, seed ${sim.seed}, ${+(sim.hours / 24).toFixed(2)} days; costs in the currency of --margin):`,
  );
  const shown = r.candidates.slice(0, SHOWN);
  const max = Math.max(...shown.map((c) => c.cost.mean));
  out.push(
    table(
      ['', 'cost', '(95% of trials)', 'delivered', 'lost sales', 'oversold', 'efficiency', ''],
      shown.map((c) => [
        `${c.name === r.policy.name ? '▶ ' : '  '}${safe(c.name)}`,
        n(c.cost.mean),
        `${n(c.cost.low)}–${n(c.cost.high)}`,
        n(c.delivered),
        n(c.lostSales),
        n(c.oversoldOrders),
        `${(c.efficiency * 100).toFixed(1)}%`,
        c.name === r.policy.name ? s.cyan(bar(c.cost.mean, max, 20)) : bar(c.cost.mean, max, 20),
      ]),
      [false, true, true, true, true, true, true, false],
    ),
  );
  if (r.candidates.length > SHOWN) out.push(`  … and ${r.candidates.length - SHOWN} more in --json`);
  out.push('', 'Apply it (or let inv advise do it all in one step):');
  for (const c of r.policy.commands) out.push(`  ${safe(c)}`);
  return out.join('\n');
}
