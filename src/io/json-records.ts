/**
 * JSON imports, streamed: NDJSON one object a line, or a JSON array of objects
 * split into its elements as the text arrives, each element then read by
 * JSON.parse. The splitter only tracks strings and nesting to find where each
 * top-level element starts and ends (and on which line), so memory holds one
 * element at a time, not the file.
 */
import { invalidInput } from '../core/errors.js';
import { DEFAULT_MAX_LINE } from '../core/values.js';
import { tooLong } from './csv-records.js';
import type { Refusal } from './rows.js';

export type OnObject = (o: Record<string, unknown>, line: number) => void;
export type OnBad = (r: Refusal) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseElement(text: string, line: number, onObject: OnObject, onBad: OnBad, what: string): void {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    onBad({
      line,
      column: '',
      value: text.length > 60 ? `${text.slice(0, 60)}…` : text,
      message: `not valid JSON: ${(e as Error).message}`,
    });
    return;
  }
  if (!isObject(v)) {
    onBad({
      line,
      column: '',
      value: text.length > 60 ? `${text.slice(0, 60)}…` : text,
      message: `${what} is not an object`,
    });
    return;
  }
  onObject(v, line);
}

/** One JSON object per line; blank lines are skipped. */
export class NdjsonRecords {
  private rest = '';
  private lineNo = 0;
  objects = 0;

  constructor(
    private readonly source: string,
    private readonly onObject: OnObject,
    private readonly onBad: OnBad,
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {}

  get line(): number {
    return this.lineNo + 1;
  }

  write(text: string): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop()!;
    for (const p of parts) this.one(p);
    if (this.rest.length > this.maxLine) throw tooLong(this.source, this.lineNo + 1, this.maxLine);
  }

  end(): void {
    if (this.rest !== '') this.one(this.rest);
    this.rest = '';
  }

  private one(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    this.objects++;
    parseElement(text, this.lineNo, this.onObject, this.onBad, 'the line');
  }
}

const enum S {
  Before,
  First,
  Element,
  AfterElement,
  AfterComma,
  After,
}

/** A JSON array of objects, element by element. Anything else is refused whole. */
export class JsonArrayRecords {
  private state = S.Before;
  private depth = 0;
  private inString = false;
  private escape = false;
  private lineNo = 1;
  private startLine = 0;
  private pieces: string[] = [];
  objects = 0;

  private size = 0;

  constructor(
    private readonly source: string,
    private readonly onObject: OnObject,
    private readonly onBad: OnBad,
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {}

  get line(): number {
    return this.lineNo;
  }

  private fail(message: string): never {
    throw invalidInput(`${this.source}: ${message}`, [{ line: this.lineNo, column: '', value: '', message }]);
  }

  write(text: string): void {
    let from = -1; // where the current element's text starts in this chunk
    if (this.state === S.Element) from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineNo++;
      if (this.state === S.Element) {
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (c === 92)
            this.escape = true; // backslash
          else if (c === 34) this.inString = false;
          continue;
        }
        if (c === 34) this.inString = true;
        else if (c === 123 || c === 91) this.depth++;
        else if (c === 125 || c === 93) {
          if (--this.depth === 0) {
            this.pieces.push(text.slice(from, i + 1));
            this.objects++;
            parseElement(this.pieces.join(''), this.startLine, this.onObject, this.onBad, `element ${this.objects}`);
            this.pieces = [];
            this.size = 0;
            from = -1;
            this.state = S.AfterElement;
          }
        }
        continue;
      }
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) continue;
      switch (this.state) {
        case S.Before:
          if (c !== 91)
            this.fail(
              'not a JSON array of objects: a JSON import must start with [ (or use NDJSON, one object a line)',
            );
          this.state = S.First;
          break;
        case S.First:
        case S.AfterComma:
          if (c === 93 && this.state === S.First) {
            this.state = S.After;
            break;
          }
          if (c !== 123) this.fail(`not a JSON array of objects: element ${this.objects + 1} is not an object`);
          this.state = S.Element;
          this.depth = 1;
          this.startLine = this.lineNo;
          from = i;
          break;
        case S.AfterElement:
          if (c === 44) this.state = S.AfterComma;
          else if (c === 93) this.state = S.After;
          else this.fail(`not valid JSON: expected , or ] after element ${this.objects}`);
          break;
        case S.After:
          this.fail('not valid JSON: text after the end of the array');
      }
    }
    if (this.state === S.Element && from >= 0) {
      this.pieces.push(text.slice(from));
      this.size += text.length - from;
      // One element beyond the limit is refused as it arrives: memory holds at most the limit.
      if (this.size > this.maxLine) throw tooLong(this.source, this.startLine, this.maxLine);
    }
  }

  end(): void {
    if (this.state === S.Before) this.fail('is empty');
    if (this.state !== S.After) this.fail('not valid JSON: the array is not closed (the file is cut short?)');
  }
}
