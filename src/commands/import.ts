/**
 * `inv import FILE|-` (SPEC section 4). Two passes, memory flat whatever the size:
 * the file is read once, row by row, into the store's staging area (io/read-import
 * and store/import-batch); if any row is refused, or a SKU appears where it must
 * not twice, every problem is listed and nothing is applied; otherwise the
 * whole import is applied in one transaction.
 */
import { RefusedError, UsageError, invalidInput } from '../core/errors.js';
import type { ImportConflict } from '../core/ports.js';
import { DEFAULT_MAX_LINE, parseSize } from '../core/values.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { FORMATS, type FormatName } from '../io/formats/index.js';
import { Progress } from '../io/progress.js';
import { MAX_DETAILS, readImport, type ReadResult } from '../io/read-import.js';
import { SKIP_TEXT, thousands, type Refusal } from '../io/rows.js';
import { openSource } from '../io/source.js';
import { LIST_CHANGES, renderImport, type ImportResult } from '../render/import.js';
import { safe } from '../render/style.js';
import { output, type Output } from './output.js';

export interface ImportOptions {
  file: string;
  format?: string;
  add?: boolean;
  dryRun?: boolean;
  location?: string;
  duplicates?: string;
  strict?: boolean;
  maxLineSize?: string;
}

function conflictMessage(c: ImportConflict, hasLocations: boolean): string {
  const more = c.rows > c.lines.length ? ` and ${thousands(c.rows - c.lines.length)} more` : '';
  const lines =
    c.lines.length === 2 && !more ? `lines ${c.lines[0]} and ${c.lines[1]}` : `lines ${c.lines.join(', ')}${more}`;
  const where =
    c.products.length > 1
      ? `is on ${c.products.length} products (${c.products.map((p) => JSON.stringify(p)).join(', ')})`
      : hasLocations && c.repeatedAt.length > 0 && c.repeatedAt[0] !== ''
        ? `appears more than once at location ${c.repeatedAt.map((l) => JSON.stringify(l)).join(', ')}`
        : `appears ${thousands(c.rows)} times`;
  return `SKU ${JSON.stringify(c.sku)} ${where}: ${lines}`;
}

/** The lines of SKUs that appear where they must not twice, as refusals of the SKU column. */
function conflictDetails(conflicts: ImportConflict[], read: ReadResult): { details: Refusal[]; total: number } {
  const details: Refusal[] = [];
  for (const c of conflicts) {
    const message = conflictMessage(c, read.hasLocations);
    for (const line of c.lines) details.push({ line, column: read.skuColumn, value: c.sku, message });
  }
  const total = conflicts.reduce((n, c) => n + c.rows, 0);
  return { details, total: Math.max(total, details.length) };
}

/** Prints every refused row on stderr (errors print even with --quiet), then refuses the import. */
function refuse(
  ctx: Context,
  src: string,
  details: Refusal[],
  total: number,
  hint: string,
  /** Rows the store's rules refuse (units reserved): a business rule, exit 3, as `inv stock set`. */
  rule = false,
): never {
  for (const d of details) {
    const column = d.column !== '' ? ` [${safe(d.column)}]` : '';
    ctx.io.stderr.write(`inv: ${safe(src)}, line ${d.line}${column}: ${safe(d.message)}\n`);
  }
  if (total > details.length)
    ctx.io.stderr.write(
      `inv: … and ${thousands(total - details.length)} more refused rows (the first ${thousands(details.length)} are listed)\n`,
    );
  const problems = total === 1 ? '1 row cannot be imported' : `${thousands(total)} rows cannot be imported`;
  const message = `import of ${src} refused: ${problems}; nothing was changed`;
  if (rule) throw new RefusedError('BELOW_RESERVED', message, details, hint);
  throw invalidInput(message, details, hint);
}

export async function importStock(o: ImportOptions, ctx: Context): Promise<Output> {
  const format = (o.format ?? 'auto').toLowerCase() as FormatName;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`unknown format "${o.format}": use one of ${FORMATS.join(', ')}`, {
      hint: 'inv import --help',
    });
  }
  if (o.duplicates !== undefined && o.duplicates !== 'sum' && o.duplicates !== 'last') {
    throw new UsageError(`--duplicates "${o.duplicates}": use sum (add the rows up) or last (keep the last row)`);
  }
  if (o.location !== undefined && o.location.trim() === '')
    throw new UsageError('--location needs the name of a location');
  const maxLine = o.maxLineSize !== undefined ? parseSize('--max-line-size', o.maxLineSize) : DEFAULT_MAX_LINE;
  const add = Boolean(o.add);
  const dryRun = Boolean(o.dryRun);
  const src = await openSource(o.file, ctx.io.stdin);
  const progress = new Progress(ctx.io.stderr, src.size, !ctx.quiet);
  const note = (line: string) => {
    if (!ctx.quiet) progress.note(line);
  };

  try {
    // A dry run only reads: it works on a store that cannot be written.
    return await withStore(
      ctx.store,
      async (store) => {
        const batch = await store.beginImport({ expectedBytes: src.size });
        try {
          const read: ReadResult = await readImport(
            src,
            { format, location: o.location, strict: Boolean(o.strict), maxLine },
            {
              stage: (rows) => batch.stage(rows),
              picked: (label) => note(`reading ${safe(src.name)} as ${label}`),
              skipped: (line, reason) => note(`line ${line}: skipped, ${SKIP_TEXT[reason]}`),
              progress: (bytes, records) => progress.update(bytes, records),
            },
          );
          progress.stop();
          if (progress.shown && read.refusedCount === 0)
            note(
              `read ${thousands(read.rows)} rows; ${dryRun ? 'comparing them with the store' : 'writing them in one transaction'}…`,
            );
          // One report names every bad line: refused rows and repeated SKUs together.
          const conflicts = await batch.conflicts(MAX_DETAILS);
          const repeated = o.duplicates === undefined ? conflictDetails(conflicts, read) : { details: [], total: 0 };
          if (read.refusedCount > 0 || repeated.details.length > 0) {
            const details = [...read.refused, ...repeated.details]
              .sort((x, y) => x.line - y.line)
              .slice(0, MAX_DETAILS);
            const strict = o.strict && read.refused.some((r) => r.message.includes('--strict'));
            const hint =
              read.refusedCount === 0
                ? 'to import them anyway, add --duplicates sum (add the rows up) or --duplicates last (keep the last row)'
                : strict
                  ? 'fix the rows listed above, or leave out --strict to skip them'
                  : repeated.details.length > 0
                    ? 'fix the rows listed above (for repeated SKUs: or add --duplicates sum or last) and import again'
                    : 'fix the rows listed above and import again';
            refuse(ctx, src.name, details, read.refusedCount + repeated.total, hint);
          }
          if (o.location !== undefined && read.staged === 0 && !read.locations.includes(o.location)) {
            const known = read.locations.length
              ? `; its locations are ${read.locations
                  .slice(0, 20)
                  .map((l) => JSON.stringify(l))
                  .join(', ')}`
              : '';
            throw invalidInput(
              `no row of ${src.name} is at location ${JSON.stringify(o.location)}${known}`,
              [],
              'locations are matched exactly, capitals included',
            );
          }
          if (conflicts.length > 0)
            note(
              `${conflicts.length >= MAX_DETAILS ? 'at least ' : ''}${conflicts.length} SKUs found more than once: resolved with --duplicates ${o.duplicates}`,
            );

          const applied = await batch.apply({
            add,
            dryRun,
            duplicates: o.duplicates === 'last' ? 'last' : 'sum',
            note: src.name,
            nowMs: ctx.nowMs,
            listChanges: dryRun || read.staged <= LIST_CHANGES,
          });
          if (applied.refused.length > 0) {
            refuse(
              ctx,
              src.name,
              applied.refused.map((r) => ({
                line: r.line,
                column: read.quantityColumn,
                value: String(r.qty),
                message: r.message,
              })),
              applied.refused.length,
              'see which orders hold the units: inv stock show SKU',
              true,
            );
          }
          const result: ImportResult = {
            format: read.format,
            label: read.label,
            source: src.name,
            rows: read.rows,
            created: applied.created,
            updated: applied.updated,
            unchanged: applied.unchanged,
            skipped: read.skipped,
            skippedLines: read.skippedLines,
            dryRun,
            add,
            location: o.location ?? null,
            duplicatesResolved: o.duplicates !== undefined ? conflicts.length : 0,
          };
          const json = dryRun ? { ...result, changes: applied.changes ?? [] } : result;
          const done = dryRun
            ? undefined
            : `the import of ${src.name} was applied (${thousands(applied.created)} created, ${thousands(applied.updated)} updated)`;
          return output(
            json,
            (r, s) => renderImport({ ...r, changes: applied.changes ?? undefined }, s),
            undefined,
            done,
          );
        } finally {
          batch.dispose();
        }
      },
      dryRun ? READ : undefined,
    );
  } finally {
    progress.stop();
    src.stream.destroy();
  }
}
