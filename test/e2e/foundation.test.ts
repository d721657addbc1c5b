import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BASE_ENV, BIN, inv, sharedBin, tempDir, tempStore, BACKEND, storeBytes, storeSql } from '../helpers.js';

const NOW = '2026-11-20T12:00:00Z';

describe('inv init, stock, history, verify', () => {
  const { run, db } = tempStore();

  it('init creates the store, idempotently, and --sample loads the demo shop', () => {
    expect(run(['init']).code).toBe(0);
    if (BACKEND === 'sqlite') expect(existsSync(db)).toBe(true);
    const r = run(['init', '--sample', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.sample.skus).toBe(6);
    const again = run(['init', '--sample', '--json']);
    expect(again.json.sample.created).toEqual([]);
  });

  it('--sample on a store with stock of its own adds only what is missing and touches nothing else', () => {
    const own = tempStore();
    own.run(['stock', 'set', 'MUG', '50', '--name', 'Our own mug']);
    const r = own.run(['init', '--sample', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.sample.created).toHaveLength(5);
    expect(own.run(['stock', 'MUG', '--json']).json.items[0]).toMatchObject({ onHand: 50, name: 'Our own mug' });
    expect(own.run(['history', 'MUG', '--json']).json.movements).toHaveLength(1);
  });

  it('stock lists every SKU with the SPEC fields', () => {
    const r = run(['stock', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const mug = r.json.items.find((i: { sku: string }) => i.sku === 'MUG');
    expect(mug).toEqual({
      sku: 'MUG',
      name: 'Enamel mug',
      onHand: 1,
      reserved: 0,
      available: 1,
      lowStock: 2,
      low: true,
      oversold: false,
    });
    expect(
      run(['stock', '--low', '--json'])
        .json.items.map((i: { sku: string }) => i.sku)
        .sort(),
    ).toEqual(['MUG', 'TEE-M']);
    expect(run(['stock', 'POSTER', 'TOTE', '--json']).json.items.map((i: { onHand: number }) => i.onHand)).toEqual([
      40, 12,
    ]);
    expect(run(['stock']).stdout).toMatch(/MUG\s+Enamel mug\s+1\s+0\s+1\s+LOW/);
  });

  it('stock set creates and sets; stock add adds, including negative corrections', () => {
    let r = run(['stock', 'set', 'NEW-1', '7', '--name', 'New thing', '--reason', 'count', '--json', '--now', NOW]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ sku: 'NEW-1', created: true, before: 0, after: 7 });
    r = run(['stock', 'add', 'NEW-1', '-2', '--reason', 'shrinkage', '--json', '--now', NOW]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ before: 7, after: 5 });
    r = run(['stock', 'add', 'NEW-1', '+3', '--now', NOW]);
    expect(r.stdout).toMatch(/NEW-1: updated, onHand 5 → 8/);
  });

  it('history tells every movement with running totals; verify passes', () => {
    const r = run(['history', 'NEW-1', '--json']);
    expect(r.code).toBe(0);
    expect(
      r.json.movements.map((m: { onHandDelta: number; onHand: number; reason: string; note: string | null }) => [
        m.reason,
        m.onHandDelta,
        m.onHand,
        m.note,
      ]),
    ).toEqual([
      ['adjust', 7, 7, 'count'],
      ['adjust', -2, 5, 'shrinkage'],
      ['adjust', 3, 8, null],
    ]);
    const v = run(['verify', '--json']);
    expect(v.code).toBe(0);
    expect(v.json).toEqual({ ok: true, problems: [] });
  });

  it('unknown SKU is exit 3 for history, stock show and stock add', () => {
    for (const args of [
      ['history', 'NOPE'],
      ['stock', 'show', 'NOPE'],
      ['stock', 'add', 'NOPE', '1'],
    ]) {
      const r = run([...args, '--json']);
      expect(r.code).toBe(3);
      expect(r.json.error.code).toBe('UNKNOWN_SKU');
      expect(r.stderr).toMatch(/unknown SKU "NOPE"/);
    }
  });

  it('verify exits 5 and names the SKU when stock and ledger disagree', () => {
    const { run: run2, db: db2 } = tempStore();
    run2(['stock', 'set', 'X', '5']);
    storeSql(db2, `UPDATE skus SET on_hand = 4 WHERE sku = 'X'`);
    const r = run2(['verify', '--json']);
    expect(r.code).toBe(5);
    expect(r.json.ok).toBe(false);
    expect(r.json.problems[0]).toMatchObject({ sku: 'X' });
    expect(r.json.problems[0].message).toMatch(/onHand 4.*ledger sums to onHand 5/);
  });
});

describe('modes: set-mode, mode, schedule', () => {
  const { run } = tempStore();

  it('a new store is on-payment from the base mode', () => {
    const r = run(['mode', '--json', '--now', NOW]);
    expect(r.json).toEqual({
      base: 'on-payment',
      effective: 'on-payment',
      because: 'base',
      overrides: {},
      schedule: [],
      now: '2026-11-20T12:00:00.000Z',
    });
  });

  it('set-mode changes the base and says old → new', () => {
    const r = run(['set-mode', 'on-order', '--now', NOW]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/base mode: on-payment → on-order/);
    expect(run(['mode', '--json']).json.base).toBe('on-order');
    run(['set-mode', 'on-payment']);
  });

  it('a provider override is set and removed with "default"', () => {
    expect(run(['set-mode', 'on-order', '--provider', 'boleto']).code).toBe(0);
    expect(run(['mode', '--json']).json.overrides).toEqual({ boleto: 'on-order' });
    const r = run(['set-mode', 'default', '--provider', 'boleto', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.overrides).toEqual({});
  });

  it('a window applies from --from until --until, then the base again; schedule lists and cancels it', () => {
    const r = run([
      'set-mode',
      'on-order',
      '--from',
      '2026-11-27T00:00:00Z',
      '--until',
      '2026-12-01T00:00:00Z',
      '--reason',
      'BFCM',
      '--now',
      NOW,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const w = r.json.change.window;
    expect(w).toMatchObject({
      mode: 'on-order',
      from: '2026-11-27T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
      reason: 'BFCM',
    });
    expect(run(['mode', '--json', '--now', '2026-11-26T23:59:59Z']).json).toMatchObject({
      effective: 'on-payment',
      because: 'base',
    });
    expect(run(['mode', '--json', '--now', '2026-11-28T00:00:00Z']).json).toMatchObject({
      effective: 'on-order',
      because: 'schedule',
    });
    expect(run(['mode', '--json', '--now', '2026-12-01T00:00:00Z']).json).toMatchObject({
      effective: 'on-payment',
      because: 'base',
    });
    const s = run(['schedule', '--json', '--now', NOW]);
    expect(s.json.schedule).toHaveLength(1);
    expect(run(['schedule', 'cancel', String(w.id)]).code).toBe(0);
    expect(run(['schedule', '--json', '--now', NOW]).json.schedule).toEqual([]);
    const again = run(['schedule', 'cancel', String(w.id), '--json']);
    expect(again.code).toBe(3);
    expect(again.json.error.code).toBe('UNKNOWN_SCHEDULE');
  });
});

describe('providers', () => {
  const { run } = tempStore();

  it('lists the built-in catalogue of SPEC section 2', () => {
    const r = run(['provider', 'list', '--json']);
    expect(r.code).toBe(0);
    const names = r.json.providers.map((p: { name: string }) => p.name);
    for (const n of [
      'card',
      'paypal',
      'boleto',
      'konbini',
      'komoju',
      'pix',
      'oxxo',
      'bank-transfer',
      'sepa-debit',
      'ideal',
      'klarna',
      'cod',
    ])
      expect(names).toContain(n);
    const boleto = r.json.providers.find((p: { name: string }) => p.name === 'boleto');
    expect(boleto).toMatchObject({ kind: 'delayed', windowHours: 120 });
    expect(boleto.sources).toMatch(/S\d/);
  });

  it('provider set tunes a built-in one and adds a new one (which needs a window)', () => {
    expect(run(['provider', 'set', 'boleto', '--window', '3d']).code).toBe(0);
    expect(
      run(['provider', 'list', '--json']).json.providers.find((p: { name: string }) => p.name === 'boleto').windowHours,
    ).toBe(72);
    const missing = run(['provider', 'set', 'multibanco', '--delayed']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--window/);
    expect(run(['provider', 'set', 'multibanco', '--delayed', '--window', '7d', '--unpaid-rate', '0.3']).code).toBe(0);
    expect(run(['set-mode', 'on-order', '--provider', 'multibanco']).code).toBe(0);
  });
});

describe('bad input: a clear one-line error, the SPEC exit code, and nothing changed', () => {
  const { run, db } = tempStore();
  run(['stock', 'set', 'KEEP', '5']);
  // HELD: 3 on hand, 2 of them reserved by an unpaid on-order Boleto order.
  run(['stock', 'set', 'HELD', '3']);
  run(['set-mode', 'on-order', '--provider', 'boleto']);
  run(['order', 'place', '--item', 'HELD:2', '--provider', 'boleto']);
  const snapshot = () =>
    storeBytes(db).toString('hex') + run(['stock', '--json']).stdout + run(['mode', '--json', '--now', NOW]).stdout;

  const cases: [string, string[], number][] = [
    ['unknown mode', ['set-mode', 'sometimes'], 2],
    ['unknown command', ['frobnicate'], 2],
    ['unknown option', ['stock', '--sparkly'], 2],
    ['--now that is not a date', ['--now', 'tomorrowish', 'mode'], 2],
    ['INV_NOW that is not a date', ['mode'], 2],
    [
      '--until before --from',
      ['set-mode', 'on-order', '--from', '2026-12-01', '--until', '2026-11-28', '--now', NOW],
      2,
    ],
    ['--until in the past', ['set-mode', 'on-order', '--until', '2026-11-01', '--now', NOW], 2],
    ['--from without --until', ['set-mode', 'on-order', '--from', '2026-12-01'], 2],
    ['a non-integer quantity', ['stock', 'set', 'KEEP', '2.5'], 2],
    ['a non-integer delta', ['stock', 'add', 'KEEP', 'three'], 2],
    ['a negative count for stock set', ['stock', 'set', 'KEEP', '-1'], 2],
    ['a quantity out of range', ['stock', 'set', 'KEEP', '1000000001'], 2],
    ['an empty SKU', ['stock', 'set', '', '1'], 2],
    ['a SKU longer than 64 characters', ['stock', 'set', 'S'.repeat(65), '1'], 2],
    ['a SKU with a control character', ['stock', 'set', 'A\u0007B', '1'], 2],
    ['a SKU with an escape sequence', ['stock', 'set', 'A\u001b[2J', '1'], 2],
    ['unknown provider', ['set-mode', 'on-order', '--provider', 'bitcoin'], 2],
    ['"default" without --provider', ['set-mode', 'default'], 2],
    ['stock add below zero', ['stock', 'add', 'KEEP', '-6'], 3],
    ['stock add below the reserved units', ['stock', 'add', 'HELD', '-2'], 3],
    ['stock set below the reserved units', ['stock', 'set', 'HELD', '1'], 3],
    ['a missing argument', ['stock', 'set', 'KEEP'], 2],
    ['a missing subcommand', ['order'], 2],
  ];

  for (const [what, args, code] of cases) {
    it(`${what} → exit ${code}`, () => {
      const before = snapshot();
      const r = run([...args, '--json'], { env: what.startsWith('INV_NOW') ? { INV_NOW: 'not-a-time' } : {} });
      expect(r.code).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^inv: \S/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.json.error.code).toMatch(/^[A-Z_]+$/);
      expect(r.json.error.message).toBe(lines[0].replace(/^inv: /, ''));
      expect(snapshot()).toBe(before);
    });
  }

  it('unknown provider names the known ones', () => {
    expect(run(['set-mode', 'on-order', '--provider', 'bitcoin']).stderr).toMatch(/known: .*boleto.*card/);
  });
});

describe('the store file', () => {
  const dir = tempDir();

  it('a folder that does not exist → exit 4', () => {
    const r = inv(['--db', join(dir, 'nope', 'x.db'), 'stock', '--json'], { home: dir });
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('STORE_UNAVAILABLE');
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('a folder that cannot be written → exit 4', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(dir, 0o755);
    chmodSync(ro, 0o555);
    // Root writes anywhere: run inv as the unprivileged `nobody` then.
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, [asRoot ? sharedBin() : BIN, '--db', join(ro, 'x.db'), 'init', '--json'], {
      env: { ...BASE_ENV, HOME: dir },
      encoding: 'utf8',
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    chmodSync(ro, 0o755);
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('STORE_UNAVAILABLE');
    expect(r.stderr).toMatch(/not writable/);
    expect(existsSync(join(ro, 'x.db'))).toBe(false);
  });

  it("a text file or another program's SQLite file → exit 4, bytes unchanged", () => {
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'just some notes\n');
    const r = inv(['--db', text, 'stock'], { home: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not an inv store/);
    expect(readFileSync(text, 'utf8')).toBe('just some notes\n');
  });

  it('INV_DB picks the store; the default path is under XDG_DATA_HOME', () => {
    const viaEnv = join(dir, 'env.db');
    expect(inv(['stock', 'set', 'E', '1'], { home: dir, env: { INV_DB: viaEnv } }).code).toBe(0);
    expect(existsSync(viaEnv)).toBe(true);
    expect(inv(['init'], { home: dir }).code).toBe(0);
    expect(existsSync(join(dir, 'xdg', 'inv', 'inventory.db'))).toBe(true);
  });
});

describe('help, version, demo', () => {
  const dir = tempDir();

  it('--version prints the package version', () => {
    const r = inv(['--version'], { home: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  });

  it('--help lists every command (pinned)', () => {
    const r = inv(['--help'], { home: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchSnapshot();
  });

  it('--help printed without loading the CLI is the text the CLI itself prints', () => {
    const fast = inv(['--help'], { home: dir });
    expect(inv(['-h'], { home: dir }).stdout).toBe(fast.stdout);
    // Any other argument goes through commander, which renders it afresh.
    const full = inv(['-q', '--help'], { home: dir });
    expect(full.code).toBe(0);
    expect(fast.stdout).toBe(full.stdout);
  });

  it('demo runs on a temporary store and shows both modes', () => {
    const r = inv(['demo', '--json', '--now', NOW], { home: dir });
    expect(r.code).toBe(0);
    const last = r.json.steps.at(-1);
    expect(last.results['on-payment']).toMatchObject({ ok: true, status: 'paid', oversoldUnits: 1 });
    expect(last.results['on-order']).toMatchObject({ ok: true, status: 'paid', oversoldUnits: 0 });
    const dee = r.json.steps.find(
      (s: { event: { id: string; type: string } }) => s.event.id === 'dee-card' && s.event.type === 'place',
    );
    expect(dee.results['on-order']).toMatchObject({ ok: false, code: 'OUT_OF_STOCK' });
    expect(existsSync(join(dir, 'xdg', 'inv', 'inventory.db'))).toBe(false);
    // The tour ends with the recommendation for the sample shop: Boleto makes it on-order, with the per-provider alternative.
    expect(r.json.recommendation).toMatchObject({
      mode: 'on-order',
      alternative: { overrides: { boleto: 'on-order' } },
    });
    expect(r.json.recommendation.inputs.stockDepth).toMatchObject({ source: 'store', skus: 6 });
    const human = inv(['demo', '--now', NOW], { home: dir });
    expect(human.stdout).toMatch(/OVERSOLD/);
    expect(human.stdout).toMatch(/phantom stockout/);
    expect(human.stdout).toMatch(/What inv recommends for this shop before Black Friday/);
  });
});
