/**
 * `inv export [--format csv|json|ndjson] [-o FILE] [--force]` (SPEC section 4):
 * stock in inv's own format, streamed SKU by SKU so any store size fits in
 * memory. With -o the file is written beside its destination and renamed into
 * place at the end, so a failed export never leaves half a file, and an
 * existing file is only replaced with --force.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError, invalidInput } from '../core/errors.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import type { StockItem } from '../core/ports.js';
import { writePieces } from './stream.js';
import { EXPORT_FORMATS, record, writerFor, type ExportFormat } from '../io/export-format.js';
import { thousands } from '../io/rows.js';
import { safe } from '../render/style.js';
import { output, type Output } from './output.js';

export interface ExportOptions {
  format?: string;
  out?: string;
  force?: boolean;
}

/** Writes every item through `writePieces` (64 KiB chunks, waits when the stream is full). */
async function writeAll(
  out: Writable,
  items: Iterable<StockItem> | AsyncIterable<StockItem>,
  format: ExportFormat,
): Promise<{ count: number; error: Error | null }> {
  const w = writerFor(format);
  let count = 0;
  async function* pieces(): AsyncGenerator<string> {
    yield w.head;
    for await (const item of items) {
      yield w.item(record(item), count === 0);
      count++;
    }
    yield w.tail(count === 0);
  }
  const error = await writePieces(out, pieces());
  return { count, error };
}

export async function exportStock(o: ExportOptions, ctx: Context): Promise<Output> {
  let format = o.format?.toLowerCase();
  if (format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown export format "${o.format}": use csv, json or ndjson`);
  }
  if (ctx.json && o.out === undefined) {
    // stdout carries the export itself: with --json it is one JSON document.
    if (format !== undefined && format !== 'json')
      throw new UsageError(
        `--json prints one JSON document on stdout: use --format json, or write the ${format} to a file with -o`,
      );
    format = 'json';
  }
  const fmt = (format ?? 'csv') as ExportFormat;

  if (o.out === undefined) {
    // A closed pipe (inv export | head) ends the export quietly, as other tools do.
    await withStore(ctx.store, async (store) => writeAll(ctx.io.stdout, store.iterateStock(ctx.nowMs), fmt), READ);
    return { json: null, human: () => '', streamed: true };
  }

  const file = o.out;
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw invalidInput(`${file} is a folder`);
    if (!o.force)
      throw new UsageError(`${file} exists already; nothing was written`, {
        hint: `overwrite it: inv export -o ${file} --force`,
      });
  }
  if (!existsSync(dirname(file)))
    throw invalidInput(`cannot write ${file}: the folder ${dirname(file)} does not exist`);
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const count = await withStore(
    ctx.store,
    async (store) => {
      const out = createWriteStream(tmp, { flags: 'wx' });
      try {
        await once(out, 'open');
        const { count: n, error } = await writeAll(out, store.iterateStock(ctx.nowMs), fmt);
        if (error) throw error;
        out.end();
        await once(out, 'finish');
        renameSync(tmp, file);
        return n;
      } catch (e) {
        out.destroy();
        rmSync(tmp, { force: true });
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== undefined && !String(code).startsWith('SQLITE'))
          throw invalidInput(`cannot write ${file}: ${code}`);
        throw e;
      }
    },
    READ,
  );
  ctx.note(`read it back with: inv import ${file}`);
  return output(
    { file, format: fmt, skus: count },
    (r) => `exported ${thousands(r.skus)} SKUs to ${safe(r.file)} (${r.format})`,
  );
}
