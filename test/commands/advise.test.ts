/**
 * The wizard driven through its real prompts: a fake terminal (a stream that says
 * it is a TTY) receives scripted key presses; the store is checked afterwards.
 */
import { PassThrough, Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Context, randomIds } from '../../src/commands/context.js';
import { advise } from '../../src/commands/advise.js';
import { InvError } from '../../src/core/errors.js';
import { makeStyle } from '../../src/render/style.js';
import { openSqliteStore } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const NOW = Date.parse('2026-11-20T09:00:00Z');
const KEY = { down: '\u001b[B', up: '\u001b[A', enter: '\r', space: ' ', ctrlC: '\u0003' };

class Terminal {
  readonly input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  screen = '';
  // Like process.stdout, the screen is never ended by a prompt that pipes into it.
  readonly output = Object.assign(
    new Writable({
      write: (chunk, _enc, done) => {
        this.screen += chunk.toString();
        done();
      },
    }),
    {
      isTTY: true,
      columns: 120,
      rows: 40,
      end() {
        return this;
      },
    },
  );

  /** Waits until the screen shows `text`, then presses the keys. */
  async answer(text: string | RegExp, ...keys: string[]): Promise<void> {
    const seen = () => (typeof text === 'string' ? this.screen.includes(text) : text.test(this.screen));
    const start = Date.now();
    while (!seen()) {
      if (Date.now() - start > 5000)
        throw new Error(`the wizard never asked ${text}; screen:\n${this.screen.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    this.screen = '';
    for (const k of keys) {
      this.input.write(k);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const dir = tempDir();
let n = 0;
function setup(sample = true) {
  const db = join(dir, `w${++n}.db`);
  const store = openSqliteStore({ path: db });
  return (async () => {
    if (sample)
      for (const [sku, qty] of [
        ['MUG', 1],
        ['TEE', 3],
        ['CAP', 2],
      ] as const)
        await store.adjustStock({ sku, set: qty, nowMs: NOW });
    store.close();
    const term = new Terminal();
    const err: string[] = [];
    const ctx: Context = {
      io: {
        argv: [],
        env: {},
        stdin: term.input,
        stdout: term.output,
        stderr: new Writable({
          write: (c, _e, d) => {
            err.push(c.toString());
            d();
          },
        }),
      },
      nowMs: NOW,
      clock: () => NOW,
      json: false,
      quiet: false,
      colour: false,
      style: makeStyle(false),
      store: { kind: 'sqlite', path: db, label: db, source: 'flag', busyTimeoutMs: 5000 },
      ids: randomIds,
      note: () => {},
      warn: () => {},
    };
    return { db, term, ctx };
  })();
}

async function policy(db: string) {
  const store = openSqliteStore({ path: db });
  try {
    return await store.getPolicy(NOW);
  } finally {
    store.close();
  }
}

describe('inv advise, driven key by key', () => {
  it('a peak with card payments and shallow stock: applying schedules on-order until the end of the peak', async () => {
    const { db, term, ctx } = await setup();
    const run = advise({ providers: [] }, ctx);
    // card is the third entry of the alphabetical catalogue.
    await term.answer('Which payment methods', KEY.down, KEY.down, KEY.space, KEY.enter);
    await term.answer('What traffic', KEY.down, KEY.down, KEY.enter);
    await term.answer('When does it start', ...'2026-11-27T00:00'.split(''), KEY.enter);
    await term.answer('When does it end', ...'2026-12-01T00:00'.split(''), KEY.enter);
    await term.answer('How deep is the stock', KEY.enter); // as in the store
    await term.answer('How many days does restocking take', KEY.enter);
    await term.answer(/margin, in your currency\)\? \(10\)/, KEY.enter); // the default is shown
    await term.answer(/oversold order \(refund, support, goodwill; a backorder waits 7 days\)\? \(32\.5\)/, KEY.enter);
    // The best candidates side by side, with their costs and a chart, before the choice.
    await term.answer(/▶ on-order for the peak[\s\S]*Apply which/, KEY.down, KEY.enter);
    const out = await run;
    expect(out.json).toMatchObject({
      mode: 'on-order',
      temporary: true,
      applied: 'recommended',
      until: '2026-12-01T00:00:00.000Z',
      costModel: { margin: { value: 10, source: 'flag' }, oversellCost: { value: 32.5, source: 'flag' } },
    });
    const p = await policy(db);
    expect(p.base).toBe('on-payment');
    expect(p.schedule).toMatchObject([
      { mode: 'on-order', from: '2026-11-27T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' },
    ]);
  });

  it('declining (the default) changes nothing', async () => {
    const { db, term, ctx } = await setup();
    const run = advise(
      { providers: ['card'], traffic: 'peak', stockDepth: '2', restockDays: '3', peakUntil: '2026-11-25' },
      ctx,
    );
    await term.answer('margin', ...'20', KEY.enter);
    await term.answer(/oversold order \(refund, support, goodwill; a backorder waits 3 days\)\? \(45\)/, KEY.enter);
    await term.answer('Apply which', KEY.enter); // default: nothing
    const out = await run;
    expect(out.json).toMatchObject({ costModel: { margin: { value: 20 }, oversellCost: { value: 45 } } });
    expect(out.json).toMatchObject({ applied: 'nothing', changes: [] });
    expect(await policy(db)).toEqual({ base: 'on-payment', overrides: {}, schedule: [] });
  });

  it('applying the recommendation sets the whole policy: base, override and the hold window, in one step', async () => {
    const { db, term, ctx } = await setup();
    const run = advise(
      {
        providers: ['boleto', 'card'],
        traffic: 'normal',
        stockDepth: '10',
        restockDays: '3',
        margin: '10',
        oversellCost: '30',
      },
      ctx,
    );
    await term.answer('Apply which', KEY.down, KEY.enter);
    const out = await run;
    const rec = out.json as {
      policy: { base: string; overrides: Record<string, string>; windowHours: Record<string, number> };
    };
    expect(out.json).toMatchObject({ applied: 'recommended' });
    // Boleto is slow: whatever the costs chose, Boleto orders hold stock.
    expect(rec.policy.overrides.boleto ?? rec.policy.base).toBe('on-order');
    const p = await policy(db);
    expect(p).toMatchObject({ base: rec.policy.base, schedule: [] });
    expect(p.overrides.boleto ?? p.base).toBe('on-order');
    const store = openSqliteStore({ path: db });
    try {
      const windows = Object.fromEntries((await store.customProviders()).map((q) => [q.name, q.windowHours]));
      expect(windows).toEqual(rec.policy.windowHours);
    } finally {
      store.close();
    }
  });

  it('choosing the next best candidate applies that one instead', async () => {
    const { db, term, ctx } = await setup();
    const run = advise(
      {
        providers: ['boleto', 'card'],
        traffic: 'normal',
        stockDepth: '10',
        restockDays: '3',
        margin: '10',
        oversellCost: '30',
      },
      ctx,
    );
    await term.answer('Apply which', KEY.down, KEY.down, KEY.enter);
    const out = await run;
    const r = out.json as {
      policy: { name: string };
      candidates: { name: string; policy: { base: string; overrides: Record<string, string> } }[];
    };
    expect(out.json).toMatchObject({ applied: 'alternative' });
    const next = r.candidates.find((c) => c.name !== r.policy.name)!;
    const p = await policy(db);
    expect(p.base).toBe(next.policy.base);
    expect(p.overrides).toEqual(next.policy.overrides);
  });

  it('Ctrl-C exits 130 and leaves the store untouched', async () => {
    const { db, term, ctx } = await setup();
    const run = advise({ providers: [] }, ctx);
    run.catch(() => {}); // it rejects while the test is still pressing keys
    await term.answer('Which payment methods', KEY.down, KEY.space, KEY.enter);
    await term.answer('What traffic', KEY.ctrlC);
    await expect(run).rejects.toMatchObject({ exitCode: 130 });
    await run.catch((e) => expect(e).toBeInstanceOf(InvError));
    expect(await policy(db)).toEqual({ base: 'on-payment', overrides: {}, schedule: [] });
  });

  it('an empty store is not offered as the source of stock depth', async () => {
    const { term, ctx } = await setup(false);
    const run = advise({ providers: ['card'], traffic: 'normal', restockDays: '2' }, ctx);
    await term.answer('Typical units in stock per SKU', ...'abc', KEY.enter);
    await term.answer(/not a whole number/, '\u007f\u007f\u007f', ...'80', KEY.enter);
    await term.answer('margin', ...'0', KEY.enter);
    await term.answer(/above 0/, '\u007f', ...'12', KEY.enter);
    await term.answer('oversold order', KEY.enter);
    await term.answer('Apply which', KEY.enter);
    const out = await run;
    expect(out.json).toMatchObject({ mode: 'on-payment', inputs: { stockDepth: { units: 80, source: 'flag' } } });
  });
});
