import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, tempStore } from '../helpers.js';

const NOW = '2026-11-20T09:00:00Z';

describe('inv recommend', () => {
  const s = tempStore();

  it('slow provider → Boleto orders hold stock, chosen on cost; the old risk fields are kept', () => {
    const r = s.run([
      'recommend',
      '--provider',
      'boleto',
      '--provider',
      'card',
      '--traffic',
      'normal',
      '--stock-depth',
      '10',
      '--json',
      '--now',
      NOW,
    ]);
    expect(r.code).toBe(0);
    expect(r.json.policy.overrides.boleto ?? r.json.policy.base).toBe('on-order');
    expect(r.json.tieBrokenByRules).toBe(false);
    expect(r.json.alternative).toMatchObject({ base: expect.any(String), overrides: expect.any(Object) });
    expect(r.json.reasons.length).toBeGreaterThan(2);
    for (const m of ['on-order', 'on-payment'])
      expect(Object.keys(r.json.risk[m]).sort()).toEqual([
        'oversoldOrders',
        'oversoldUnits',
        'phantomRejected',
        'rejected',
      ]);
    // Without late payments, on-order never oversells; on-payment has no phantom stockouts.
    expect(r.json.risk['on-payment'].phantomRejected).toBe(0);
    expect(r.json.risk['on-payment'].oversoldOrders).toBeGreaterThan(0);
  });

  it('a peak on shallow stock → on-order until the given end of the peak', () => {
    const r = s.run([
      'recommend',
      '--provider',
      'card,ideal',
      '--traffic',
      'peak',
      '--stock-depth',
      '3',
      '--peak-from',
      '2026-11-27',
      '--peak-until',
      '2026-12-01',
      '--json',
      '--now',
      NOW,
    ]);
    expect(r.json).toMatchObject({
      mode: 'on-order',
      temporary: true,
      from: '2026-11-27T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
    });
    const human = s.run([
      'recommend',
      '--provider',
      'card,ideal',
      '--traffic',
      'peak',
      '--stock-depth',
      '3',
      '--peak-until',
      '2026-12-01',
      '--now',
      NOW,
    ]);
    expect(human.stdout).toMatch(
      /Recommendation: on-order for the peak, then on-payment: on-order from .* until 2026-12-01T00:00:00.000Z/,
    );
    expect(human.stdout).toMatch(/inv set-mode on-order --from .* --until 2026-12-01T00:00:00.000Z/);
  });

  it('instant providers, normal traffic, deep stock → on-payment', () => {
    expect(
      s.run(['recommend', '--provider', 'card', '--traffic', 'normal', '--stock-depth', '200', '--json']).json.mode,
    ).toBe('on-payment');
  });

  it('the same inputs give the same advice (seeded)', () => {
    const args = [
      'recommend',
      '--provider',
      'konbini,paypal',
      '--traffic',
      'busy',
      '--stock-depth',
      '8',
      '--json',
      '--now',
      NOW,
    ];
    expect(s.run(args).stdout).toBe(s.run(args).stdout);
  });

  it('--from-store reads the depth from the store and says what it read', () => {
    const t = tempStore();
    t.run(['init', '--sample']);
    const r = t.run(['recommend', '--provider', 'card', '--traffic', 'peak', '--from-store', '--json', '--now', NOW]);
    expect(r.code).toBe(0);
    expect(r.json.inputs.stockDepth).toMatchObject({ source: 'store', skus: 6, units: 3 });
    expect(r.stderr).toMatch(/read from the store: 6 SKUs, median 3 available units/);
  });

  const bad: [string, string[]][] = [
    ['unknown provider', ['--provider', 'bitcoin', '--traffic', 'normal']],
    ['unknown traffic', ['--provider', 'card', '--traffic', 'insane']],
    ['no traffic', ['--provider', 'card']],
    ['no provider', ['--traffic', 'normal']],
    ['negative stock depth', ['--provider', 'card', '--traffic', 'normal', '--stock-depth', '-5']],
    ['negative restock days', ['--provider', 'card', '--traffic', 'normal', '--restock-days', '-1']],
    [
      'peak dates in the wrong order',
      ['--provider', 'card', '--traffic', 'peak', '--peak-from', '2026-12-01', '--peak-until', '2026-11-27'],
    ],
    ['both depth sources', ['--provider', 'card', '--traffic', 'peak', '--stock-depth', '3', '--from-store']],
  ];
  for (const [what, args] of bad) {
    it(`${what} → exit 2`, () => {
      const r = s.run(['recommend', ...args, '--json', '--now', NOW]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^inv: /);
      expect(r.json.error.code).toMatch(/USAGE|INVALID_INPUT/);
    });
  }

  it('--from-store on an empty store says so and suggests inv import', () => {
    const e = tempStore();
    const r = e.run(['recommend', '--provider', 'card', '--traffic', 'peak', '--from-store']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no SKUs/);
    expect(r.stderr).toMatch(/inv import/);
  });
});

describe('inv advise without a terminal', () => {
  it('exits 2 and points to inv recommend when answers are missing', () => {
    const s = tempStore();
    const r = s.run(['advise']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/inv recommend/);
  });

  it('runs from flags; --yes applies the temporary window, so the shop switches back by itself', () => {
    const s = tempStore();
    const r = s.run([
      'advise',
      '--provider',
      'card',
      '--traffic',
      'peak',
      '--stock-depth',
      '2',
      '--peak-from',
      '2026-11-27',
      '--peak-until',
      '2026-12-01',
      '--restock-days',
      '3',
      '--yes',
      '--json',
      '--now',
      NOW,
    ]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ applied: 'recommended', mode: 'on-order', temporary: true });
    expect(s.run(['mode', '--json', '--now', '2026-11-28']).json).toMatchObject({
      effective: 'on-order',
      because: 'schedule',
    });
    expect(s.run(['mode', '--json', '--now', '2026-12-01']).json).toMatchObject({
      effective: 'on-payment',
      because: 'base',
    });
  });

  it('without --yes it recommends and changes nothing', () => {
    const s = tempStore();
    const r = s.run(['advise', '--provider', 'boleto', '--traffic', 'normal', '--stock-depth', '5', '--json']);
    expect(r.json.applied).toBe('nothing');
    expect(s.run(['mode', '--json']).json).toMatchObject({ base: 'on-payment', overrides: {}, schedule: [] });
  });
});

describe('start-up cost stays where it belongs', () => {
  it('no command but advise loads the prompts package', () => {
    const s = tempStore();
    s.run(['stock', 'set', 'A', '1']);
    const trace = join(s.dir, 'trace.txt');
    const loader = join(__dirname, '..', 'fixtures', 'trace-imports.mjs');
    for (const args of [
      ['mode'],
      ['stock', 'A'],
      ['order', 'place', '--item', 'A:1', '--provider', 'card'],
      ['recommend', '--provider', 'card', '--traffic', 'normal'],
      ['--help'],
    ]) {
      writeFileSync(trace, '');
      const r = spawnSync(process.execPath, ['--import', loader, BIN, '--db', s.db, ...args], {
        env: { ...BASE_ENV, HOME: s.dir, INV_TRACE_FILE: trace },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(trace, 'utf8'), args.join(' ')).not.toMatch(/@inquirer/);
    }
  });
});

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasTmux)('inv advise in a real terminal (tmux)', () => {
  it('arrow keys through to an applied, scheduled mode', async () => {
    const s = tempStore();
    s.run(['init', '--sample']);
    const session = `inv-advise-${process.pid}`;
    const tmux = (...a: string[]) => execFileSync('tmux', a, { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', session);
    const waitFor = async (text: string) => {
      const t0 = Date.now();
      while (!screen().includes(text)) {
        if (Date.now() - t0 > 10_000) throw new Error(`never saw "${text}":\n${screen()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
    const done = join(s.dir, 'exit-code');
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '45',
      `INV_NOW=${NOW} HOME=${s.dir} "${process.execPath}" "${BIN}" --db "${s.db}" advise; echo $? > "${done}"`,
    );
    try {
      await waitFor('Which payment methods');
      keys('Down', 'Down', 'Space', 'Enter'); // card
      await waitFor('What traffic');
      keys('Down', 'Down', 'Enter'); // peak
      await waitFor('When does it start');
      keys('C-u', '2026-11-27T00:00', 'Enter');
      await waitFor('When does it end');
      keys('C-u', '2026-12-01T00:00', 'Enter');
      await waitFor('How deep is the stock');
      keys('Enter'); // as in the store: median 3
      await waitFor('restocking');
      keys('Enter');
      await waitFor('margin');
      keys('Enter');
      await waitFor('oversold order');
      keys('Enter');
      await waitFor('Apply which');
      keys('Down', 'Enter'); // the recommendation
      const t0 = Date.now();
      while (!existsSync(done) || readFileSync(done, 'utf8').trim() === '') {
        if (Date.now() - t0 > 10_000) throw new Error(`advise did not finish:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(readFileSync(done, 'utf8').trim()).toBe('0');
    } finally {
      try {
        tmux('kill-session', '-t', session);
      } catch {
        /* already gone */
      }
    }
    const sched = s.run(['schedule', '--json', '--now', NOW]).json.schedule;
    expect(sched).toMatchObject([
      { mode: 'on-order', from: '2026-11-27T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' },
    ]);
  });
});
