import { describe, expect, it } from 'vitest';
import { CsvRecords, sniffSeparator } from '../../src/io/csv-records.js';
import { JsonArrayRecords, NdjsonRecords } from '../../src/io/json-records.js';
import type { Refusal } from '../../src/io/rows.js';

async function csv(text: string, chunk = 0): Promise<[string[], number][]> {
  const out: [string[], number][] = [];
  const r = new CsvRecords('test.csv', (cells, line) => out.push([cells, line]));
  const bytes = Buffer.from(text);
  const size = chunk || bytes.length;
  for (let i = 0; i < bytes.length; i += size) await r.write(bytes.subarray(i, i + size));
  await r.end();
  return out;
}

describe('CSV records and their first line', () => {
  const text = '\uFEFFsku,name\r\nA,"two\r\nlines"\r\n\r\nB,"x\ny\nz"\r\nC,"say ""hi"", then go"\r\nD,last';

  it('counts lines from the header, through quoted line breaks (CRLF too) and blank lines', async () => {
    expect(await csv(text)).toEqual([
      [['sku', 'name'], 1],
      [['A', 'two\r\nlines'], 2],
      [['B', 'x\ny\nz'], 5],
      [['C', 'say "hi", then go'], 8],
      [['D', 'last'], 9],
    ]);
  });

  it('gives the same records and lines whatever the chunk boundaries', async () => {
    const whole = await csv(text);
    for (const size of [1, 2, 3, 7]) expect(await csv(text, size)).toEqual(whole);
  });

  it('refuses an unbalanced quote, naming the line it opens on', async () => {
    await expect(csv('sku,name\nA,ok\nB,"never closed\nC,x\n')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/unbalanced quotes.*line 3/),
      details: [{ line: 3 }],
    });
  });

  it('keeps a quote inside an unquoted field (12" pizza)', async () => {
    expect((await csv('sku,name\nP,12" pizza\n'))[1]).toEqual([['P', '12" pizza'], 2]);
  });
});

describe('the field separator, read off the header', () => {
  it('is the most frequent of comma, semicolon and tab outside quotes; a tie or none is a comma', () => {
    expect(sniffSeparator('sku,name,quantity\nA;B;C;D;E;F\n')).toBe(',');
    expect(sniffSeparator('sku;name;quantity\r\nA,1;"x, y";2\n')).toBe(';');
    expect(sniffSeparator('sku\tname\tquantity\n')).toBe('\t');
    expect(sniffSeparator('"sku;a;b;c",name,quantity\n')).toBe(','); // inside quotes does not count
    expect(sniffSeparator('sku\nA\n')).toBe(',');
    expect(sniffSeparator('sku;name,quantity\n')).toBe(',');
  });
});

function json(kind: 'array' | 'ndjson', text: string, chunk = 0) {
  const objects: [Record<string, unknown>, number][] = [];
  const bad: Refusal[] = [];
  const r =
    kind === 'array'
      ? new JsonArrayRecords(
          't.json',
          (o, line) => objects.push([o, line]),
          (b) => bad.push(b),
        )
      : new NdjsonRecords(
          't.ndjson',
          (o, line) => objects.push([o, line]),
          (b) => bad.push(b),
        );
  const size = chunk || text.length;
  for (let i = 0; i < text.length; i += size) r.write(text.slice(i, i + size));
  r.end();
  return { objects, bad };
}

describe('JSON records', () => {
  const array =
    '[\n  {"sku": "A", "name": "brace } and \\" quote [", "quantity": 1},\n  {\n    "sku": "B",\n    "quantity": -2\n  }\n]\n';

  it('splits an array into its objects, each with the line it starts on, across any chunking', () => {
    const expected = [
      [{ sku: 'A', name: 'brace } and " quote [', quantity: 1 }, 2],
      [{ sku: 'B', quantity: -2 }, 3],
    ];
    expect(json('array', array).objects).toEqual(expected);
    for (const size of [1, 5, 13]) expect(json('array', array, size).objects).toEqual(expected);
    expect(json('array', '[]').objects).toEqual([]);
  });

  it('refuses what is not an array of objects', () => {
    expect(() => json('array', '{"sku":"A"}')).toThrow(/must start with \[/);
    expect(() => json('array', '[{"sku":"A"}, 3]')).toThrow(/element 2 is not an object/);
    expect(() => json('array', '[{"sku":"A"} {"sku":"B"}]')).toThrow(/expected , or ]/);
    expect(() => json('array', '[{"sku":"A"},')).toThrow(/not closed/);
    expect(() => json('array', '[{"sku":"A"}] x')).toThrow(/after the end/);
    expect(() => json('array', '')).toThrow(/empty/);
  });

  it('reports an element that is not valid JSON and goes on', () => {
    const r = json('array', '[{"sku": "A", "quantity": 1,},\n{"sku": "B", "quantity": 2}]');
    expect(r.bad).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/not valid JSON/) })]);
    expect(r.objects).toEqual([[{ sku: 'B', quantity: 2 }, 2]]);
  });

  it('NDJSON: one object a line, blank lines and CRLF allowed, bad lines named', () => {
    const r = json('ndjson', '{"sku":"A","quantity":1}\r\n\r\n[1]\n{"sku":"B","quantity":2}\nnope', 4);
    expect(r.objects).toEqual([
      [{ sku: 'A', quantity: 1 }, 1],
      [{ sku: 'B', quantity: 2 }, 4],
    ]);
    expect(r.bad.map((b) => [b.line, b.message])).toEqual([
      [3, 'the line is not an object'],
      [5, expect.stringMatching(/not valid JSON/)],
    ]);
  });
});
