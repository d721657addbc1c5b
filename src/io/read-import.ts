/**
 * The first pass of an import: reads the source once, recognises its format,
 * maps every record through the format's module and hands accepted rows to
 * `stage` one chunk at a time (a chunk is 64 KiB, so memory holds a few
 * thousand rows at most). Skips and refusals are counted and reported here;
 * conflicts between rows are the store's to find, across the whole file.
 */
import type { ImportRow } from '../core/ports.js';
import { invalidInput } from '../core/errors.js';
import { CsvRecords, sniffSeparator, type Separator } from './csv-records.js';
import { mapInvObject } from './formats/inv.js';
import { openCsv, type CsvFormat, type FormatName } from './formats/index.js';
import { JsonArrayRecords, NdjsonRecords } from './json-records.js';
import { Header, SKIP_TEXT, type Layout, type Refusal, type Sink, type SkipReason } from './rows.js';
import { EncodingError, checkedChunks, type Source } from './source.js';

const SEPARATOR_NAMES: Record<Separator, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** Refusals kept for the report; beyond this they are only counted (memory stays flat). */
export const MAX_DETAILS = 10_000;

export interface ReadOptions {
  format: FormatName;
  /** The longest line, CSV field or JSON element read (characters); longer ones refuse the import. */
  maxLine?: number;
  location?: string;
  strict: boolean;
}

export interface ReadHooks {
  stage(rows: ImportRow[]): Promise<void>;
  /** The format picked by `auto`, once known. */
  picked(label: string): void;
  skipped(line: number, reason: SkipReason): void;
  /** After each chunk: bytes and records so far. */
  progress(bytes: number, records: number): Promise<void>;
}

export interface ReadResult {
  format: CsvFormat | 'json' | 'ndjson';
  label: string;
  /** Data records read (the header and blank lines not counted). */
  rows: number;
  staged: number;
  skipped: Partial<Record<SkipReason, number>>;
  skippedLines: { line: number; reason: SkipReason }[];
  refused: Refusal[];
  refusedCount: number;
  skuColumn: string;
  quantityColumn: string;
  locations: string[];
  hasLocations: boolean;
}

class Collector implements Sink {
  batch: ImportRow[] = [];
  staged = 0;
  skipped: Partial<Record<SkipReason, number>> = {};
  skippedLines: { line: number; reason: SkipReason }[] = [];
  refused: Refusal[] = [];
  refusedCount = 0;
  readonly locations = new Set<string>();

  constructor(
    private readonly opts: ReadOptions,
    private readonly hooks: ReadHooks,
  ) {}

  row(r: ImportRow): void {
    if (r.location !== '') this.locations.add(r.location);
    if (this.opts.location !== undefined && r.location !== this.opts.location) {
      this.skip(r.line, 'other-location');
      return;
    }
    this.batch.push(r);
  }

  skip(line: number, reason: SkipReason): void {
    // --strict is about rows the file cannot give stock for; --location leaves out the others on purpose.
    if (this.opts.strict && reason !== 'other-location') {
      this.refuse({
        line,
        column: '',
        value: '',
        message: `${SKIP_TEXT[reason]} (refused by --strict; without it the row is skipped)`,
      });
      return;
    }
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
    this.skippedLines.push({ line, reason });
    this.hooks.skipped(line, reason);
  }

  refuse(r: Refusal): void {
    this.refusedCount++;
    if (this.refused.length < MAX_DETAILS) this.refused.push(r);
  }

  async drain(): Promise<void> {
    if (this.batch.length === 0) return;
    // Rows go on being staged after a refused one: the import will not be applied, but a SKU
    // repeated further on is reported with the refused rows, in one report (SPEC section 4).
    await this.hooks.stage(this.batch);
    this.staged += this.batch.length;
    this.batch = [];
  }
}

/** An error that ends the reading (bad encoding, bad CSV, bad header) joins the refusals found before it. */
function fatal(c: Collector, e: unknown): never {
  const err = e as { details?: unknown[] };
  if (c.refused.length > 0 && err.details && err.details.length > 0) {
    const all = [...c.refused, ...(err.details as Refusal[])];
    throw invalidInput(
      (e as Error).message,
      all.sort((a, b) => a.line - b.line),
    );
  }
  throw e;
}

function kindOf(src: Source, format: FormatName, head: string): 'csv' | 'json' | 'ndjson' {
  if (format === 'json' || format === 'ndjson') return format;
  if (format !== 'auto') return 'csv';
  if (src.ext === '.json') return 'json';
  if (src.ext === '.ndjson' || src.ext === '.jsonl') return 'ndjson';
  if (src.ext === '' || src.ext === '.txt') {
    const first = head.replace(/^\uFEFF/, '').trimStart()[0];
    if (first === '[') return 'json';
    if (first === '{') return 'ndjson';
  }
  return 'csv';
}

function lineAt(startLine: number, chunk: Buffer, offset: number): number {
  let line = startLine;
  for (let i = chunk.indexOf(10); i >= 0 && i < offset; i = chunk.indexOf(10, i + 1)) line++;
  return line;
}

/**
 * Hands on the input's chunks, the first one holding the whole first line (or
 * 64 KiB of it, or all the input): the format and the CSV separator are read
 * off it, and a pipe may deliver a header in pieces.
 */
async function* firstLineWhole(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer[] | null = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (head === null) {
      yield chunk;
      continue;
    }
    head.push(chunk);
    size += chunk.length;
    if (chunk.includes(10) || size >= 1 << 16) {
      yield head.length === 1 ? chunk : Buffer.concat(head);
      head = null;
    }
  }
  if (head !== null && head.length > 0) yield Buffer.concat(head);
}

export async function readImport(src: Source, opts: ReadOptions, hooks: ReadHooks): Promise<ReadResult> {
  const c = new Collector(opts, hooks);
  let kind: 'csv' | 'json' | 'ndjson' | null = null;
  let layout: Layout | null = null;
  let width = 0;
  let format: ReadResult['format'] = 'csv';
  let rows = 0;
  let bytes = 0;
  let csv: CsvRecords | null = null;
  let separator: Separator = ',';
  let json: JsonArrayRecords | NdjsonRecords | null = null;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });

  const onRecord = (cells: string[], line: number): void => {
    if (layout === null) {
      const header = new Header(cells);
      const opened = openCsv(opts.format === 'auto' ? 'auto' : (opts.format as CsvFormat), header);
      if ('missing' in opened.layout) {
        const shown = cells.length > 12 ? `${cells.slice(0, 12).join(',')},…` : cells.join(',');
        const message = `the header has no ${opened.layout.missing.join(' and no ')}`;
        throw invalidInput(
          `${src.name}: ${message} (line ${line}: ${JSON.stringify(shown)})`,
          [{ line, column: '', value: shown, message }],
          opts.format === 'auto'
            ? 'name the format with --format (csv, shopify, wix, woocommerce, magento)'
            : 'check --format, or leave it out to recognise the file by its header',
        );
      }
      const unclear = header.ambiguities();
      if (unclear.length > 0) {
        const message = `the header is ambiguous: ${unclear.join('; ')}`;
        throw invalidInput(
          `${src.name}: line ${line}: ${message}`,
          [{ line, column: '', value: cells.join(','), message }],
          'keep one column of each, and import again',
        );
      }
      width = cells.length;
      layout = opened.layout;
      format = opened.format;
      if (opts.format === 'auto' || separator !== ',')
        hooks.picked(separator === ',' ? layout.label : `${layout.label}, ${SEPARATOR_NAMES[separator]}-separated`);
      if (opts.location !== undefined && !layout.hasLocations) {
        throw invalidInput(`--location: ${layout.label} has no locations`, [], 'leave --location out');
      }
      return;
    }
    // A record of empty cells only (trailing ",,," rows of spreadsheets) is a blank line.
    if (cells[0] === '' && cells.every((x) => x === '')) return;
    rows++;
    // More fields than the header names: some field holds an unquoted separator, and every cell after it is shifted.
    if (cells.length > width && cells.slice(width).some((x) => x.trim() !== '')) {
      c.refuse({
        line,
        column: '',
        value: cells.join(separator).slice(0, 80),
        message: `the row has ${cells.length} fields but the header names ${width}: is a field with a ${SEPARATOR_NAMES[separator]} in it not quoted?`,
      });
      return;
    }
    layout.map(cells, line, c);
  };

  try {
    for await (const chunk of firstLineWhole(checkedChunks(src))) {
      bytes += chunk.length;
      if (kind === null) {
        kind = kindOf(src, opts.format, chunk.subarray(0, 64).toString('utf8'));
        if (kind === 'csv') {
          separator = sniffSeparator(chunk.subarray(0, 1 << 16).toString('utf8'));
          csv = new CsvRecords(src.name, onRecord, separator, opts.maxLine);
        } else {
          format = kind;
          const label = kind === 'json' ? 'json (inv)' : 'ndjson (inv)';
          layout = {
            label,
            hasLocations: false,
            skuColumn: 'sku',
            quantityColumn: 'quantity',
            map: () => {},
            flush: () => {},
          };
          if (opts.format === 'auto') hooks.picked(label);
          if (opts.location !== undefined)
            throw invalidInput(`--location: ${label} has no locations`, [], 'leave --location out');
          const onObject = (o: Record<string, unknown>, line: number) => {
            rows++;
            mapInvObject(o, line, c);
          };
          const onBad = (r: Refusal) => {
            rows++;
            c.refuse(r);
          };
          json =
            kind === 'json'
              ? new JsonArrayRecords(src.name, onObject, onBad, opts.maxLine)
              : new NdjsonRecords(src.name, onObject, onBad, opts.maxLine);
        }
      }
      if (csv) await csv.write(chunk);
      else json!.write(decoder.decode(chunk, { stream: true }));
      await c.drain();
      await hooks.progress(bytes, rows);
    }
    if (kind === null)
      throw invalidInput(`${src.name} is empty`, [{ line: 1, column: '', value: '', message: 'the file is empty' }]);
    if (csv) await csv.end();
    else {
      json!.write(decoder.decode());
      json!.end();
    }
    if (layout === null)
      throw invalidInput(`${src.name} is empty`, [{ line: 1, column: '', value: '', message: 'the file is empty' }]);
    (layout as Layout).flush(c);
    await c.drain();
  } catch (e) {
    if (e instanceof EncodingError) {
      const line = lineAt(csv?.line ?? json?.line ?? 1, e.chunk, e.offset);
      fatal(
        c,
        invalidInput(`${e.message} (line ${line})`, [
          { line, column: '', value: '', message: e.message.replace(/^.*? is /, 'the file is ') },
        ]),
      );
    }
    fatal(c, e);
  }
  const l = layout as Layout;
  return {
    format,
    label: l.label,
    rows,
    staged: c.staged,
    skipped: c.skipped,
    skippedLines: c.skippedLines,
    refused: c.refused.sort((a, b) => a.line - b.line),
    refusedCount: c.refusedCount,
    skuColumn: l.skuColumn,
    quantityColumn: l.quantityColumn,
    locations: [...c.locations],
    hasLocations: l.hasLocations,
  };
}
