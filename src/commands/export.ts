/**
 * `inv export [--format csv|json|ndjson] [-o FILE] [--force]` (SPEC section 4):
 * stock in inv's own format, streamed SKU by SKU so any store size fits in
 * memory. With -o the file is written beside its destination and renamed into
 * place at the end, so a failed export never leaves half a file, and an
 * existing file is only replaced with --force.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError, invalidInput, outputLost, writeFailure } from '../core/errors.js';
import { READ, storeFiles, withStore } from '../store/with-store.js';
import { commitFile, openThrough, outputTarget, removeQuietly, tempBeside } from '../io/output-file.js';
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
    const { error } = await withStore(
      ctx.store,
      async (store) => writeAll(ctx.io.stdout, store.iterateStock(ctx.nowMs), fmt),
      READ,
    );
    if (error) throw outputLost(error, undefined);
    return { json: null, human: () => '', streamed: true };
  }

  const file = o.out;
  const target = outputTarget(file, {
    force: Boolean(o.force),
    protect: storeFiles(ctx.store),
    command: 'inv export -o',
  });
  const count = await withStore(
    ctx.store,
    async (store) => {
      const items = store.iterateStock(ctx.nowMs);
      if (target.kind !== 'file') {
        const out = target.kind === 'stdout' ? ctx.io.stdout : await openThrough(target);
        const { count: n, error } = await writeAll(out, items, fmt);
        if (target.kind === 'through') await new Promise<void>((res) => out.end(() => res()));
        if (error)
          throw target.kind === 'stdout'
            ? outputLost(error, undefined)
            : invalidInput(`cannot write ${file}: ${writeFailure(error) ?? error.message}`);
        return n;
      }
      const tmp = tempBeside(target.path);
      const out = createWriteStream(tmp, { flags: 'wx' });
      try {
        await once(out, 'open');
        const { count: n, error } = await writeAll(out, items, fmt);
        if (error) throw error;
        out.end();
        await once(out, 'finish');
        commitFile(tmp, target.path);
        return n;
      } catch (e) {
        out.destroy();
        removeQuietly(tmp);
        const why = writeFailure(e);
        if (why !== null) throw invalidInput(`cannot write ${file}: ${why}; nothing was written`);
        throw e;
      }
    },
    READ,
  );
  const result = { file, format: fmt, skus: count };
  const said = `exported ${thousands(count)} SKUs to ${safe(file)} (${fmt})`;
  if (target.kind !== 'file') {
    // Written through (/dev/stdout, a FIFO): the summary must not land in the data.
    ctx.note(said);
    return { json: result, human: () => '', streamed: true };
  }
  ctx.note(`read it back with: inv import ${file}`);
  return output(result, () => said);
}
