import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inv, tempDir, tempStore, storeBytes } from '../helpers.js';

const METRICS = [
  'checkouts',
  'placed',
  'rejected',
  'phantomRejected',
  'paid',
  'failed',
  'expired',
  'unitsSold',
  'oversoldOrders',
  'oversoldUnits',
  'revenue',
  'avgHeldUnits',
];

describe('inv simulate', () => {
  const home = tempDir();
  const sim = (args: string[], input?: string) => inv(['simulate', ...args], { home, input });
  const args = [
    '--hours',
    '24',
    '--checkouts-per-hour',
    '6',
    '--traffic',
    'peak',
    '--provider',
    'card:0.6,paypal:0.2',
    '--provider',
    'boleto:0.2',
    '--skus',
    '5',
    '--stock',
    '4',
    '--trials',
    '300',
    '--seed',
    '1234',
  ];

  it('the same seed gives byte-identical --json, in the SPEC shape', () => {
    const a = sim([...args, '--json']);
    const b = sim([...args, '--json']);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(b.stdout).toBe(a.stdout);
    expect(Object.keys(a.json)).toEqual(['params', 'results']);
    expect(a.json.params).toMatchObject({ hours: 24, checkoutsPerHour: 6, traffic: 'peak', trials: 300, seed: 1234 });
    expect(a.json.params.providers.map((p: { name: string; share: number }) => [p.name, p.share])).toEqual([
      ['card', 0.6],
      ['paypal', 0.2],
      ['boleto', 0.2],
    ]);
    for (const mode of ['on-order', 'on-payment']) {
      for (const m of METRICS) {
        const v = a.json.results[mode][m];
        expect(Object.keys(v)).toEqual(['mean', 'low', 'high']);
        expect(v.low).toBeLessThanOrEqual(v.mean);
        expect(v.mean).toBeLessThanOrEqual(v.high);
      }
    }
    // The trade-off of SPEC section 1 shows: Boleto makes on-payment oversell and on-order turn buyers away.
    expect(a.json.results['on-payment'].oversoldOrders.mean).toBeGreaterThan(
      a.json.results['on-order'].oversoldOrders.mean,
    );
    expect(a.json.results['on-order'].phantomRejected.mean).toBeGreaterThan(0);
    expect(a.json.results['on-payment'].phantomRejected).toEqual({ mean: 0, low: 0, high: 0 });
  });

  it('human output: both modes side by side and the chart; also byte-identical', () => {
    const a = sim(args);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/per sale\s+on-order\s+\(95% of sales\)\s+on-payment/);
    expect(a.stdout).toMatch(/oversold orders\s+\d/);
    expect(a.stdout).toMatch(/oversold orders\s+on-order\s+│\S* [\d.]+\n\s+on-payment │\S+ [\d.]+/);
    expect(a.stdout).toMatch(/phantom rejections\s+on-order\s+│█+ [\d.]+\n\s+on-payment │ 0/);
    expect(sim(args).stdout).toBe(a.stdout);
  });

  it('without --seed a seed is chosen, printed on stderr and in params, and repeats the run', () => {
    const a = sim(['--trials', '20', '--json']);
    expect(a.code).toBe(0);
    const m = /seed (\d+) \(repeat this run with --seed \1\)/.exec(a.stderr);
    expect(m).not.toBeNull();
    expect(a.json.params.seed).toBe(Number(m![1]));
    expect(sim(['--trials', '20', '--json', '--seed', m![1]]).stdout).toBe(a.stdout);
  });

  it('runs the SPEC scenario, and its params run again as a scenario give the same output', () => {
    const dir = tempDir();
    const file = join(dir, 's.json');
    writeFileSync(
      file,
      JSON.stringify({
        hours: 24,
        checkoutsPerHour: 120,
        trials: 50,
        seed: 7,
        skus: [{ sku: 'MUG', stock: 5, price: 18.0 }],
        providers: [
          { name: 'card', share: 0.8, unpaidRate: 0.05, delayHours: { median: 0.02, p95: 0.1 }, windowHours: 1 },
          { name: 'boleto', share: 0.2, unpaidRate: 0.4, delayHours: { median: 30, p95: 96 }, windowHours: 120 },
        ],
      }),
    );
    const a = sim(['--scenario', file, '--json']);
    expect(a.code).toBe(0);
    expect(a.json.results['on-payment'].revenue.mean).toBeCloseTo(18 * a.json.results['on-payment'].delivered.mean, 2);
    writeFileSync(join(dir, 'params.json'), JSON.stringify(a.json.params));
    expect(sim(['--scenario', join(dir, 'params.json'), '--json']).stdout).toBe(a.stdout);
    // Flags override the file; the scenario can come on stdin.
    const b = sim(['--scenario', '-', '--trials', '10', '--json'], readFileSync(file, 'utf8'));
    expect(b.json.params).toMatchObject({ trials: 10, seed: 7, checkoutsPerHour: 120 });
  });
});

describe('inv simulate refuses bad input (exit 2), one line per problem', () => {
  const home = tempDir();
  const bad = (args: string[], pattern: RegExp, input?: string) => {
    const r = inv(['simulate', '--trials', '5', '--seed', '1', ...args], { home, input });
    expect(r.code, r.stderr).toBe(2);
    if (args.includes('--json')) expect(r.json.error).toMatchObject({ code: 'INVALID_INPUT' });
    else expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js|cjs):\d+/); // no stack trace
    return r;
  };

  it('zero or negative hours, rates and trials; a bad seed', () => {
    bad(['--hours', '0'], /--hours: must be a number above 0, got 0/);
    bad(['--hours', '-5'], /--hours: must be a number above 0/);
    bad(['--hours', 'soon'], /--hours: "soon" is not a number/);
    bad(['--checkouts-per-hour', '0'], /--checkouts-per-hour: must be a number above 0/);
    bad(['--trials', '0'], /--trials: must be a whole number of trials, 1 or more/);
    bad(['--trials', '2.5'], /--trials: "2.5" is not a whole number/);
    bad(['--seed', '-1'], /--seed: must be a whole number from 0 to 4294967295/);
  });

  it('trials above the limit, saying the limit', () => {
    bad(['--trials', '100001'], /--trials: 100001 is above the limit of 100,000 trials/);
  });

  it('unknown traffic profile or provider, listing the known ones', () => {
    bad(['--traffic', 'crazy'], /--traffic: unknown traffic profile "crazy": use normal, busy, peak, flash/);
    bad(
      ['--provider', 'card,bitcoin'],
      /--provider bitcoin: unknown provider "bitcoin"; known: card, paypal, boleto, /,
    );
  });

  it('shares that do not sum to 1, saying how they are treated', () => {
    bad(
      ['--provider', 'card:0.5,paypal:0.3'],
      /the shares \(card:0.5,paypal:0.3\) add up to 0.8, not 1: give shares that sum to 1, or leave one provider without a share/,
    );
    bad(
      ['--provider', 'card:80,paypal:20'],
      /--provider card:80: the share must be a share above 0 and at most 1, got 80; shares are fractions that sum to 1/,
    );
    const ok = inv(['simulate', '--trials', '3', '--seed', '1', '--provider', 'card:0.6,boleto', '--json'], { home });
    expect(ok.code).toBe(0);
    expect(ok.json.params.providers.map((p: { share: number }) => p.share)).toEqual([0.6, 0.4]);
  });

  it('several problems: each on its own line, with --json details', () => {
    const r = bad(['--hours', '0', '--trials', '0', '--traffic', 'x', '--json'], /invalid options: 3 problems/);
    expect(r.stderr.split('\n').filter((l) => /^ {2}--(hours|trials|traffic): /.test(l))).toHaveLength(3);
  });

  it('a scenario that is not JSON, or breaks the schema, with JSON paths', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), '{"hours": 24,,}');
    bad(['--scenario', join(dir, 'broken.json')], /broken\.json: is not valid JSON/);
    writeFileSync(
      join(dir, 'schema.json'),
      JSON.stringify({
        hours: -1,
        traffic: 'weekend',
        skus: [{ sku: 'A' }],
        providers: [
          { name: 'card', share: 0.5, delayHours: { median: 5, p95: 1 } },
          { name: 'boleto', share: 0.5, unpaidRate: 2 },
        ],
      }),
    );
    const r = bad(['--scenario', join(dir, 'schema.json')], /invalid scenario .*schema\.json: 5 problems/);
    for (const line of [
      /^ {2}\$\.hours: must be a number above 0, got -1$/m,
      /^ {2}\$\.traffic: unknown traffic profile "weekend"/m,
      /^ {2}\$\.skus\[0\]\.stock: is missing$/m,
      /^ {2}\$\.providers\[0\]\.delayHours\.p95: 1 is below the median 5/m,
      /^ {2}\$\.providers\[1\]\.unpaidRate: must be a number from 0 to 1, got 2$/m,
    ])
      expect(r.stderr).toMatch(line);
    bad(['--scenario', join(dir, 'missing.json')], /cannot read the scenario .*missing\.json.*: no such file/);
  });
});

describe('inv simulate --from-store', () => {
  it('an empty store: says so and suggests inv import', () => {
    const { run } = tempStore();
    expect(run(['init']).code).toBe(0);
    const r = run(['simulate', '--from-store', '--trials', '3', '--seed', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no SKUs to simulate/);
    expect(r.stderr).toMatch(/inv import/);
  });

  it('no store at all: says so without creating one', () => {
    const { run } = tempStore();
    const r = run(['simulate', '--from-store', '--trials', '3', '--seed', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no store at \S+ to take SKUs from\n.*inv import/);
  });

  it('takes SKUs and available stock from the store, and changes nothing in it', () => {
    const { run, db } = tempStore();
    expect(run(['init', '--sample']).code).toBe(0);
    const before = storeBytes(db);
    const r = run(['simulate', '--from-store', '--trials', '20', '--seed', '5', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.params.skus.map((s: { sku: string; stock: number }) => [s.sku, s.stock])).toEqual(
      expect.arrayContaining([
        ['MUG', 1],
        ['POSTER', 40],
      ]),
    );
    expect(storeBytes(db).equals(before)).toBe(true);
    expect(run(['verify']).code).toBe(0);
    const clash = run(['simulate', '--from-store', '--skus', '3']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--from-store: takes the SKUs and stock from the store: leave out --skus and --stock/);
  });
});

describe('inv demo: a simulated Black Friday on the sample shop', () => {
  it('is in the JSON report and the tour, the same every time', () => {
    const home = tempDir();
    const a = inv(['demo', '--json', '--now', '2026-11-27T00:00:00Z'], { home });
    expect(a.code).toBe(0);
    const bf = a.json.blackFriday;
    expect(bf.params).toMatchObject({ traffic: 'peak', hours: 24 });
    expect(bf.params.skus.map((s: { sku: string }) => s.sku)).toEqual([
      'MUG',
      'TEE-M',
      'TEE-L',
      'POSTER',
      'TOTE',
      'CANDLE',
    ]);
    expect(bf.results['on-payment'].oversoldOrders.mean).toBeGreaterThan(bf.results['on-order'].oversoldOrders.mean);
    expect(bf.results['on-order'].phantomRejected.mean).toBeGreaterThan(0);
    expect(inv(['demo', '--json', '--now', '2026-11-27T00:00:00Z'], { home }).json.blackFriday).toEqual(bf);
    const human = inv(['demo', '--now', '2026-11-27T00:00:00Z'], { home });
    expect(human.stdout).toMatch(/A simulated Black Friday on this shop/);
    expect(human.stdout).toMatch(/oversold orders \(units owed\)\s+[\d.]+\s+[\d.]+/);
  });
});
