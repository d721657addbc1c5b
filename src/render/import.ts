import type { ImportChange } from '../core/ports.js';
import { SKIP_TEXT, type SkipReason } from '../core/skips.js';
import { thousands } from '../core/values.js';
import { safe, type Style } from './style.js';
import { table } from './table.js';

export interface ImportResult {
  format: string;
  label: string;
  source: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: Partial<Record<SkipReason, number>>;
  skippedLines: { line: number; reason: SkipReason }[];
  dryRun: boolean;
  add: boolean;
  location: string | null;
  /** SKUs found more than once and resolved by --duplicates. */
  duplicatesResolved: number;
  /** Each change (dry runs, and small imports). */
  changes?: ImportChange[];
}

/** Changes listed in full up to this many; beyond, counts (and `inv history`) tell the rest. */
export const LIST_CHANGES = 30;

const n = thousands;

function what(c: ImportChange): string {
  const parts: string[] = [];
  if (c.created) parts.push(`new, onHand ${c.after}`);
  else if (c.before !== c.after) parts.push(`onHand ${c.before} → ${c.after}`);
  if (!c.created && c.nameBefore !== c.name)
    parts.push(`name ${JSON.stringify(safe(c.nameBefore ?? ''))} → ${JSON.stringify(safe(c.name))}`);
  if (c.created && c.lowStock !== null) parts.push(`lowStock ${c.lowStock}`);
  else if (!c.created && c.lowStock !== c.lowStockBefore)
    parts.push(`lowStock ${c.lowStockBefore ?? 'none'} → ${c.lowStock ?? 'none'}`);
  return parts.join(', ');
}

export function renderImport(r: ImportResult, s: Style): string {
  const skippedTotal = Object.values(r.skipped).reduce((a, b) => a + (b ?? 0), 0);
  const skipped =
    skippedTotal === 0
      ? ''
      : `, ${n(skippedTotal)} skipped (${Object.entries(r.skipped)
          .map(([k, v]) => `${n(v ?? 0)} ${SKIP_TEXT[k as SkipReason]}`)
          .join(', ')})`;
  const verb = r.dryRun ? s.bold('dry run') + ', nothing written:' : r.add ? 'added' : 'imported';
  const lines = [
    `${verb} ${safe(r.source)} (${r.label}${r.add ? ', --add' : ''}): ${n(r.rows)} rows → ${n(r.created)} created, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged${skipped}`,
  ];
  if (r.changes && r.changes.length > 0) {
    const shown = r.changes.slice(0, r.dryRun ? r.changes.length : LIST_CHANGES);
    lines.push(
      table(
        ['', 'sku', 'name', 'change'],
        shown.map((c) => [c.created ? s.green('+') : s.yellow('~'), safe(c.sku), safe(c.name), what(c)]),
      ),
    );
    if (shown.length < r.changes.length) lines.push(`… and ${n(r.changes.length - shown.length)} more`);
  }
  if (!r.dryRun && r.created + r.updated > 0) {
    const example = r.changes?.[0]?.sku;
    lines.push(
      `each change is an "import" movement; see one: inv history ${example !== undefined ? safe(example) : 'SKU'}`,
    );
  }
  if (r.dryRun && r.created + r.updated > 0) lines.push('apply it: run the same command without --dry-run');
  return lines.join('\n');
}
