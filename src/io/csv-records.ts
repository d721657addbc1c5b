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

/** Feeds chunks to csv-parse; records come out synchronously, in order, through `onRecord`. */
export class CsvRecords {
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
