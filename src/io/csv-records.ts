/**
 * CSV records with their line numbers, from csv-parse's streaming parser.
 *
 * csv-parse hands each record to the stream's `push()` as soon as it is parsed,
 * when its public `info.lines` is the line the record ends on. Taking the
 * records there (instead of through the readable side, or with the `info`
 * option, which copies the whole info object per record and parses 3× slower)
 * gives exact line numbers at full speed. Types are converted by the formats,
 * not with csv-parse's `cast` callback (10× slower, perf-baselines §3).
 */
import { Parser, type CsvError } from 'csv-parse';
import { invalidInput } from '../core/errors.js';
import { DEFAULT_MAX_LINE, thousands } from '../core/values.js';

/** A line (or a field) longer than the limit: refused as soon as it is seen, naming the line. */
export function tooLong(source: string, line: number, max: number) {
  const message = `the line is longer than ${thousands(max)} characters (a field or line this long is not stock data: a quote left open, or the wrong file?)`;
  return invalidInput(
    `${source}: line ${line}: ${message}`,
    [{ line, column: '', value: '', message }],
    `if the file really holds such lines, raise the limit: --max-line-size ${Math.min(4 * max, 1 << 30)}`,
  );
}

export type OnRecord = (cells: string[], line: number) => void;

export const SEPARATORS = [',', ';', '\t'] as const;
export type Separator = (typeof SEPARATORS)[number];

/**
 * The field separator of a CSV file, read off its header line: the one of
 * `,` `;` and tab that occurs most often outside quotes. Spreadsheets in much of
 * Europe save "CSV" with semicolons; a tab-separated export is common too.
 * A tie, or none at all (a one-column header), means a comma.
 */
export function sniffSeparator(start: string): Separator {
  const counts = { ',': 0, ';': 0, '\t': 0 } as Record<Separator, number>;
  let quoted = false;
  for (let i = 0; i < start.length; i++) {
    const ch = start[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch as Separator]++;
  }
  let best: Separator = ',';
  for (const sep of SEPARATORS) if (counts[sep] > counts[best]) best = sep;
  return best;
}

/** Line breaks inside a record's quoted fields; also how many of them are CRLF. */
function breaks(cells: string[]): { all: number; crlf: number } {
  let all = 0;
  let crlf = 0;
  for (const c of cells) {
    if (c.indexOf('\n') < 0 && c.indexOf('\r') < 0) continue;
    for (let i = 0; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      if (ch === 10) all++;
      else if (ch === 13) {
        all++;
        if (c.charCodeAt(i + 1) === 10) {
          crlf++;
          i++;
        }
      }
    }
  }
  return { all, crlf };
}

class LineParser extends Parser {
  /** csv-parse counts a CRLF inside quotes as two lines; these are subtracted. */
  private overcount = 0;
  private lastEnd = 0;
  /** First line of the record being read when an error stops the parser. */
  nextStart = 1;

  constructor(
    private readonly onRecord: OnRecord,
    delimiter: Separator,
    maxLine: number,
  ) {
    super({
      bom: true,
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      // A line (or a field) beyond this is refused as it is read: one 200 MB line must not exhaust memory.
      max_record_size: maxLine,
    });
  }

  override push(record: unknown): boolean {
    if (record === null) return super.push(null);
    const cells = record as string[];
    let end = this.info.lines - this.overcount;
    let start = end;
    if (end - this.lastEnd > 1) {
      // Either blank lines were skipped or quoted fields hold line breaks.
      const b = breaks(cells);
      if (b.crlf > 0) {
        this.overcount += b.crlf;
        end -= b.crlf;
      }
      start = end - b.all;
    }
    this.lastEnd = end;
    this.nextStart = end + 1;
    this.onRecord(cells, start);
    return true;
  }
}

/**
 * csv-parse, fed chunk by chunk; records come out synchronously, in order,
 * through `onRecord`. The reference the hand parser (CsvRecords) is tested
 * against, record for record, on every file of the suite and on random ones.
 */
export class CsvParseRecords {
  private readonly parser: LineParser;
  private failure: unknown = null;

  constructor(
    private readonly source: string,
    onRecord: OnRecord,
    delimiter: Separator = ',',
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {
    this.parser = new LineParser(onRecord, delimiter, maxLine);
    this.parser.on('error', (e) => {
      this.failure ??= e;
    });
  }

  /** The line the parser has reached (for errors found outside it, such as bad UTF-8). */
  get line(): number {
    return this.parser.nextStart;
  }

  private check(e: unknown): void {
    const err = (e ?? this.failure) as (CsvError & { lines?: number }) | null;
    if (!err) return;
    if (!('code' in err) || typeof err.code !== 'string' || !err.code.startsWith('CSV_')) throw err;
    const line = this.parser.nextStart;
    if (err.code === 'CSV_MAX_RECORD_SIZE') throw tooLong(this.source, line, this.maxLine);
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw invalidInput(
        `${this.source}: unbalanced quotes: the quoted field that starts on line ${line} is never closed`,
        [{ line, column: '', value: '', message: 'unbalanced quotes: a quoted field is never closed' }],
      );
    }
    const message = err.message.replace(/^[A-Za-z ]+: /, '');
    throw invalidInput(`${this.source}: line ${line}: not valid CSV (${message})`, [
      { line, column: '', value: '', message: `not valid CSV: ${message}` },
    ]);
  }

  write(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.parser.write(chunk, (e) => {
        try {
          this.check(e);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        try {
          this.check(null);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      this.parser.once('error', done);
      this.parser.end(() => done());
      // Nothing reads the readable side: let it finish.
      this.parser.resume();
    });
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * CSV records with their line numbers, parsed by hand: RFC 4180 quoting, read as
 * csv-parse reads it with inv's options (a BOM dropped, blank lines skipped, any
 * number of fields, a quote inside an unquoted field kept as text, a line ending
 * in LF, CRLF or CR), at about three times its speed on stock files (the profile of
 * `inv import` in the README). Records come out synchronously, in order, through
 * `onRecord`; `write` and `end` reject with the same refusals as before.
 */
export class CsvRecords {
  private readonly decoder = new TextDecoder('utf-8');
  /** The start of a record not complete yet, kept for the next chunk. */
  private pending = '';
  /** The line the next record starts on. */
  private next = 1;
  private readonly sep: number;

  constructor(
    private readonly source: string,
    private readonly onRecord: OnRecord,
    delimiter: Separator = ',',
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {
    this.sep = delimiter.charCodeAt(0);
  }

  /** The line the parser has reached (for errors found outside it, such as bad UTF-8). */
  get line(): number {
    return this.next;
  }

  async write(chunk: Buffer): Promise<void> {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    this.pending = text.slice(this.parse(text, false));
    if (this.pending.length > this.maxLine) throw tooLong(this.source, this.next, this.maxLine);
  }

  async end(): Promise<void> {
    const text = this.pending + this.decoder.decode();
    this.pending = '';
    this.parse(text, true);
  }

  /** Parses the whole records of `text` (all of it when `final`); returns where the first incomplete one starts. */
  private parse(text: string, final: boolean): number {
    const n = text.length;
    const sep = this.sep;
    let i = 0;
    while (i < n) {
      const c0 = text.charCodeAt(i);
      // Blank lines are skipped (csv-parse's skip_empty_lines).
      if (c0 === LF || c0 === CR) {
        if (c0 === CR && i + 1 === n && !final) return i;
        i += c0 === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        this.next++;
        continue;
      }
      const start = i;
      let breaks = 0;
      const cells: string[] = [];
      for (;;) {
        let cell: string;
        if (text.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          cell = '';
          for (;;) {
            const k = text.indexOf('"', j);
            if (k < 0 || (k + 1 === n && !final)) {
              if (!final) return start;
              throw this.unclosed();
            }
            cell += text.slice(j, k);
            if (text.charCodeAt(k + 1) === QUOTE) {
              cell += '"';
              j = k + 2;
              continue;
            }
            i = k + 1;
            break;
          }
          if (cell.indexOf('\n') >= 0 || cell.indexOf('\r') >= 0) breaks += lineBreaks(cell);
          const after = text.charCodeAt(i);
          if (i < n && after !== sep && after !== LF && after !== CR) {
            // Text after the closing quote (relax_quotes): the field is all of it, its quotes kept, as csv-parse reads it.
            let k = i;
            while (k < n) {
              const ch = text.charCodeAt(k);
              if (ch === sep || ch === LF || ch === CR) break;
              k++;
            }
            if (k === n && !final) return start;
            cell = `"${cell}"${text.slice(i, k)}`;
            i = k;
          }
        } else {
          let k = i;
          while (k < n) {
            const ch = text.charCodeAt(k);
            if (ch === sep || ch === LF || ch === CR) break;
            k++;
          }
          if (k === n && !final) return start;
          cell = text.slice(i, k);
          i = k;
        }
        if (i - start > this.maxLine) throw tooLong(this.source, this.next, this.maxLine);
        cells.push(cell);
        if (i < n && text.charCodeAt(i) === sep) {
          i++;
          // A separator ending the text: the record's last (empty) field may still come.
          if (i === n && !final) return start;
          if (i === n) cells.push('');
          else continue;
        }
        break;
      }
      // The line break ending the record (none at the end of the text).
      if (i < n) {
        if (text.charCodeAt(i) === CR) {
          if (i + 1 === n && !final) return start;
          i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i++;
      }
      const line = this.next;
      this.next += 1 + breaks;
      this.onRecord(cells, line);
    }
    return n;
  }

  private unclosed() {
    const line = this.next;
    return invalidInput(
      `${this.source}: unbalanced quotes: the quoted field that starts on line ${line} is never closed`,
      [{ line, column: '', value: '', message: 'unbalanced quotes: a quoted field is never closed' }],
    );
  }
}

/** Line breaks inside a quoted field: LF, CRLF and a lone CR each count one. */
function lineBreaks(cell: string): number {
  let all = 0;
  for (let i = 0; i < cell.length; i++) {
    const ch = cell.charCodeAt(i);
    if (ch === LF) all++;
    else if (ch === CR) {
      all++;
      if (cell.charCodeAt(i + 1) === LF) i++;
    }
  }
  return all;
}
