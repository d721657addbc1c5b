/**
 * The hand CSV parser (CsvRecords) against csv-parse with inv's options
 * (CsvParseRecords): the same records on the same lines, or the same refusal, for
 * the real platform exports, the suite's import files and random CSV text split
 * into random chunks.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvParseRecords, CsvRecords, type Separator, sniffSeparator } from '../../src/io/csv-records.js';

type Parsed = { records: [string[], number][]; error: { line: number; message: string } | null };

async function parse(
  Kind: typeof CsvRecords | typeof CsvParseRecords,
  bytes: Buffer,
  sep: Separator,
  cuts: number[] = [],
): Promise<Parsed> {
  const records: [string[], number][] = [];
  const r = new Kind('t.csv', (cells, line) => records.push([cells, line]), sep, 4096);
  try {
    let at = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
      if (c > at) await r.write(bytes.subarray(at, c));
      at = c;
    }
    await r.end();
    return { records, error: null };
  } catch (e) {
    const err = e as { details?: { line: number }[]; message: string };
    return { records, error: { line: err.details?.[0]?.line ?? -1, message: err.message } };
  }
}

async function same(bytes: Buffer, cuts: number[] = []): Promise<void> {
  const sep = sniffSeparator(bytes.subarray(0, 1 << 16).toString('utf8'));
  const hand = await parse(CsvRecords, bytes, sep, cuts);
  const ref = await parse(CsvParseRecords, bytes, sep);
  if (ref.error || hand.error) {
    // Both refuse, in the same words. csv-parse names the line after the last record read; the hand
    // parser the line the quote opens on, which comes after any blank lines skipped between.
    expect(hand.error?.message.replace(/line \d+/, 'line N'), `${ref.error?.message} / ${hand.error?.message}`).toBe(
      ref.error?.message.replace(/line \d+/, 'line N'),
    );
    expect(hand.error!.line).toBeGreaterThanOrEqual(ref.error!.line);
    return;
  }
  expect(hand.records).toEqual(ref.records);
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : /\.(csv|txt|tsv)$/.test(d.name) ? [join(dir, d.name)] : [],
  );

describe('the hand CSV parser reads what csv-parse reads', () => {
  const shared = join(__dirname, '..', '..', '..', 'shared', 'real-exports');
  const all = [
    ...files(join(__dirname, '..', 'fixtures')),
    ...(() => {
      try {
        return files(shared);
      } catch {
        return [];
      }
    })(),
  ];

  it('every CSV file of the suite and the real exports, whole and in small chunks', async () => {
    expect(all.length).toBeGreaterThan(3);
    for (const f of all) {
      const bytes = readFileSync(f);
      await same(bytes);
      await same(
        bytes,
        Array.from({ length: 40 }, (_, i) => Math.floor((bytes.length * (i + 1)) / 41)),
      );
    }
  });

  it('random CSV text, cut anywhere', async () => {
    const piece = fc.constantFrom(
      'a',
      'B7',
      ' ',
      '"',
      '""',
      ',',
      ';',
      '\t',
      '\n',
      '\r\n',
      '\r',
      'é',
      '’',
      '😀',
      '\uFEFF',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.nat(200), { maxLength: 6 }),
        async (ps, cuts) => {
          // One kind of line end per file, as files are: csv-parse takes the first it meets for the whole
          // file, while the hand parser takes each as it comes (a file of mixed ends reads line by line).
          const text = ps.join('');
          for (const eol of ['\n', '\r\n', '\r']) await same(Buffer.from(text.replace(/\r\n|\r|\n/g, eol)), cuts);
        },
      ),
      { numRuns: 3000, seed: 15 },
    );
  });
});
