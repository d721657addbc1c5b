/**
 * inv on PostgreSQL, end to end, against the real server that `npm run test:pg`
 * (and .ci/run) starts: the same answers as on SQLite, copy-store both ways,
 * foreign databases refused, passwords never printed, faults said in one line
 * with nothing half-written, and many processes at once without overselling.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ENV, BIN, invAsync, inv, storeBytes, tempDir } from '../helpers.js';
import { HAVE_PG, pgDatabase, pgQuery, withDatabase } from '../pg.js';

const T0 = '2026-11-27T10:00:00Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();
const SHOP_URL = process.env.INV_TEST_PG_SHOP_URL ?? '';
const PASSWORD = SHOP_URL.match(/^[a-z]+:\/\/[^:]*:([^@]*)@/)?.[1] ?? '';

/** A runner for `inv --db ADDRESS …` with a home of its own. */
function on(db: string, dir = tempDir()) {
  return {
    db,
    dir,
    run: (args: string[], o: { input?: string; env?: Record<string, string> } = {}) =>
      inv(['--db', db, ...args], { home: dir, ...o }),
  };
}

/** The same session of commands, as a shop would run it: every output, with the store's address blanked. */
function session(db: string): string[] {
  const s = on(db);
  const events = [
    { type: 'place', id: 'W1', provider: 'boleto', items: [{ sku: 'MUG', qty: 2 }] },
    { type: 'place', id: 'W2', provider: 'card', items: [{ sku: 'TEE', qty: 1 }] },
    { type: 'pay', id: 'W1', event: 'e-1' },
    { type: 'pay', id: 'W1', event: 'e-1' },
    { type: 'place', id: 'W3', provider: 'konbini', items: [{ sku: 'MUG', qty: 99 }] },
    { type: 'stock-add', sku: 'CAP', delta: 3 },
    { type: 'fail', id: 'W2', event: 'e-2' },
    { type: 'expire' },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n');
  const steps: [string[], string?][] = [
    [['init', '--json']],
    [['stock', 'set', 'MUG', '5', '--name', 'Mug', '--low-stock', '2', '--json', '--now', T0]],
    [['stock', 'set', 'TEE', '3', '--json', '--now', T0]],
    [['set-mode', 'on-order', '--json']],
    [['set-mode', 'on-payment', '--provider', 'card', '--json']],
    [['set-mode', 'on-payment', '--from', at(24), '--until', at(48), '--reason', 'peak', '--json', '--now', T0]],
    [['provider', 'set', 'myprovider', '--window', '6h', '--json']],
    [['order', 'place', '--item', 'MUG:1', '--provider', 'boleto', '--id', 'A', '--json', '--now', T0]],
    [['order', 'place', '--item', 'TEE:9', '--provider', 'boleto', '--id', 'B', '--json', '--now', T0]],
    [['order', 'pay', 'A', '--event', 'ev-a', '--json', '--now', at(1)]],
    [['order', 'pay', 'A', '--event', 'ev-a', '--json', '--now', at(1)]],
    [['apply', '-', '--now', at(2)], events],
    [['import', '-', '--json', '--now', at(3)], 'sku,quantity,name\nHAT,4,Hat\nMUG,7,\n'],
    [['order', 'list', '--json', '--now', at(4)]],
    [['order', 'show', 'W1', '--json', '--now', at(4)]],
    [['stock', '--json', '--now', at(4)]],
    [['stock', 'MUG', '--json', '--now', at(4)]],
    [['history', 'MUG', '--json']],
    [['mode', '--json', '--now', at(30)]],
    [['schedule', '--json', '--now', T0]],
    [['provider', 'list', '--json']],
    [['export', '--json', '--now', at(4)]],
    [['export', '--now', at(4)]],
    [['verify', '--json']],
    [['order', 'pay', 'nope', '--json', '--now', at(4)]],
    [['stock', 'add', 'MUG', '-100', '--json', '--now', at(4)]],
  ];
  return steps.map(([args, input]) => {
    // Every step at a stated time (INV_NOW when it names none): the two runs happen seconds apart.
    const r = s.run(args, { input, env: { INV_NOW: at(5) } });
    return `${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`.split(db).join('<store>');
  });
}

describe.skipIf(!HAVE_PG)('PostgreSQL', () => {
  it('a whole session prints the same JSON, text and exit codes as on SQLite', { timeout: 120_000 }, async () => {
    const onSqlite = session(join(tempDir(), 'shop.db'));
    const onPg = session(await pgDatabase());
    expect(onPg).toEqual(onSqlite);
    // The session did reach every kind of result.
    expect(onSqlite.join('\n')).toMatch(/→ 3\n/);
    expect(onSqlite.join('\n')).toMatch(/"duplicate": true/);
  });

  it('copy-store moves a shop SQLite → PostgreSQL → SQLite, proved by verify, export and history', {
    timeout: 120_000,
  }, async () => {
    const src = on(join(tempDir(), 'src.db'));
    src.run(['stock', 'set', 'MUG', '5000', '--now', T0]);
    src.run(['stock', 'set', 'TEE', '40', '--now', T0]);
    src.run(['set-mode', 'on-order']);
    src.run(['set-mode', 'on-payment', '--provider', 'paypal']);
    src.run(['set-mode', 'on-payment', '--from', at(24), '--until', at(48), '--reason', 'peak', '--now', T0]);
    src.run(['provider', 'set', 'myprovider', '--window', '6h']);
    // More pending holds on one SKU than one page of the copy holds (2,000): a page boundary inside a key.
    const stream = [
      ...Array.from({ length: 2100 }, (_, i) =>
        JSON.stringify({ type: 'place', id: `o${i}`, provider: 'boleto', items: [{ sku: 'MUG', qty: 1 }] }),
      ),
      ...Array.from({ length: 30 }, (_, i) => JSON.stringify({ type: 'pay', id: `o${i}`, event: `ev${i}` })),
      JSON.stringify({ type: 'place', id: 'c1', provider: 'card', items: [{ sku: 'TEE', qty: 2 }] }),
    ].join('\n');
    expect(src.run(['apply', '-', '--now', T0], { input: stream }).code).toBe(0);

    const pgUrl = await pgDatabase();
    const toPg = src.run(['copy-store', '--to', pgUrl, '--json']);
    expect(toPg.code, toPg.stderr).toBe(0);
    expect(toPg.json).toMatchObject({ ok: true, identical: true, problems: [] });
    expect(toPg.json.rows).toMatchObject({ pending: 2071, orders: 2101, events: 30, overrides: 1, schedule: 1 });

    const back = on(join(tempDir(), 'back.db'));
    const toFile = on(pgUrl).run(['copy-store', '--to', back.db, '--json']);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.json.digest).toBe(toPg.json.digest);

    const pg = on(pgUrl);
    const look = (s: ReturnType<typeof on>) =>
      [
        ['export', '--now', at(1)],
        ['history', 'MUG', '--json'],
        ['history', 'TEE', '--json'],
        ['order', 'list', '--json', '--now', at(1)],
        ['mode', '--json', '--now', at(30)],
        ['provider', 'list', '--json'],
      ].map((a) => s.run(a).stdout);
    expect(look(pg)).toEqual(look(src));
    expect(look(back)).toEqual(look(src));
    for (const s of [pg, back]) expect(s.run(['verify', '--json']).json).toEqual({ ok: true, problems: [] });
    // The copies go on working: the next expiry and payment behave as on the source.
    for (const s of [src, pg, back]) expect(s.run(['order', 'pay', 'o40', '--json', '--now', at(2)]).code).toBe(0);
    expect(look(pg)).toEqual(look(src));
  });

  it('copy-store refuses a target that holds a shop, and leaves both as they were', async () => {
    const a = on(await pgDatabase());
    const b = on(join(tempDir(), 'b.db'));
    a.run(['stock', 'set', 'MUG', '1', '--now', T0]);
    b.run(['stock', 'set', 'TEE', '2', '--now', T0]);
    const before = [storeBytes(a.db), storeBytes(b.db)];
    const r = a.run(['copy-store', '--to', b.db, '--json']);
    expect(r.code).toBe(3);
    expect(r.json.error.code).toBe('STORE_NOT_EMPTY');
    const r2 = b.run(['copy-store', '--to', a.db]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toMatch(/already holds a shop; nothing was copied/);
    expect([storeBytes(a.db), storeBytes(b.db)]).toEqual(before);
    expect(a.run(['copy-store', '--to', a.db]).code).toBe(2);
  });

  it('a database that holds tables inv did not create is refused (exit 4), nothing touched', async () => {
    const url = await pgDatabase();
    await pgQuery(url, 'CREATE TABLE customers (id int PRIMARY KEY, name text)');
    await pgQuery(url, "INSERT INTO customers VALUES (1, 'Ana')");
    for (const args of [['init'], ['stock'], ['stock', 'set', 'MUG', '1']]) {
      const r = on(url).run(args);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(
        /is not an inv store \(it holds tables inv did not create: customers\); it was left untouched/,
      );
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    const tables = await pgQuery(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.map((t) => t.tablename)).toEqual(['customers']);
  });

  it.skipIf(!SHOP_URL)('a password is never printed: results, errors and a wrong password', async () => {
    const name = (await pgDatabase()).match(/\/([a-z0-9_]+)\?/)![1];
    await pgQuery(process.env.INV_TEST_PG_URL!, `ALTER DATABASE ${name} OWNER TO inv_shop`);
    const url = withDatabase(SHOP_URL, name);
    const s = on(url);
    const outputs = [
      s.run(['init', '--sample', '--json']),
      s.run(['stock', '--json']),
      s.run(['copy-store', '--to', join(s.dir, 'copy.db'), '--json']),
      s.run(['backup', join(s.dir, 'b.db'), '--json']),
      s.run(['order', 'pay', 'nope']),
      s.run(['simulate', '--from-store', '--trials', '3', '--seed', '1', '--json']),
    ];
    for (const r of outputs) expect(r.code, r.stderr).toBeLessThanOrEqual(3);
    const wrong = on(url.replace(PASSWORD, 'not-the-password')).run(['stock']);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(
      /^inv: PostgreSQL refused the login to postgresql:\/\/inv_shop:\*\*\*@\/.*nothing was changed\n/,
    );
    const all = [...outputs, wrong].map((r) => r.stdout + r.stderr).join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('not-the-password');
    expect(outputs[2].json.from).toMatch(/^postgresql:\/\/inv_shop:\*\*\*@\//);
  });

  it('server down and unknown database: exit 4, one clear line with what to try', async () => {
    const dir = tempDir();
    const down = on(`postgresql://postgres@/inv?host=${encodeURIComponent(dir)}`).run(['stock']);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(
      /^inv: cannot reach the PostgreSQL server of postgresql:\/\/postgres@\/inv.*nothing was changed\n {2}try: is the server running/,
    );
    const unknown = on(withDatabase(process.env.INV_TEST_PG_URL!, 'no_such_db')).run(['stock', '--json']);
    expect(unknown.code).toBe(4);
    expect(unknown.json.error.message).toMatch(/the database of .* does not exist; nothing was changed/);
    for (const r of [down, unknown]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a connection dropped mid-apply says how far it got; the same stream again applies the rest once', {
    timeout: 180_000,
  }, async () => {
    const ref = on(await pgDatabase());
    const s = on(await pgDatabase());
    for (const x of [ref, s]) {
      x.run(['stock', 'set', 'MUG', '100000', '--now', T0]);
      x.run(['set-mode', 'on-order']);
    }
    const stream = Array.from({ length: 1500 }, (_, i) =>
      JSON.stringify(
        i % 3 === 2
          ? { type: 'pay', id: `o${i - 1}`, event: `pay-${i - 1}` }
          : { type: 'place', id: `o${i}`, provider: 'boleto', items: [{ sku: 'MUG', qty: 1 }] },
      ),
    ).join('\n');
    const file = join(s.dir, 'day.ndjson');
    writeFileSync(file, stream);
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'apply', file, '--now', T0], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    while (out.split('\n').length < 100) await new Promise((r) => setTimeout(r, 10));
    await pgQuery(
      process.env.INV_TEST_PG_URL!,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'inv' AND datname = $1",
      [s.db.match(/\/([a-z0-9_]+)\?/)![1]],
    );
    const code = await new Promise((r) => p.on('close', r));
    expect(code).toBe(4);
    expect(err).toMatch(
      /^inv: line (\d+) was not applied: the connection to .* was lost .*; [\d,]+ events were applied up to line \d+/,
    );
    const said = out
      .trim()
      .split('\n')
      .filter((l) => JSON.parse(l).ok).length;
    const orders = on(s.db).run(['order', 'list', '--json', '--now', T0]).json.orders.length;
    const placedSaid = out
      .trim()
      .split('\n')
      .filter((l) => JSON.parse(l).result?.status !== undefined && JSON.parse(l).result?.status !== 'paid').length;
    expect(said).toBeGreaterThan(0);
    expect(orders).toBe(placedSaid);
    expect(s.run(['verify']).code).toBe(0);
    // Sent again, whole: what was applied is not applied twice.
    const again = s.run(['apply', file, '--now', T0]);
    expect(again.stderr).not.toMatch(/not applied: the connection/);
    expect(ref.run(['apply', file, '--now', T0]).code).toBe(0);
    const look = (x: ReturnType<typeof on>) => [
      x.run(['stock', '--json', '--now', T0]).stdout,
      x.run(['order', 'list', '--json', '--now', T0]).stdout,
      x.run(['history', 'MUG', '--json']).json.movements.length,
    ];
    expect(look(s)).toEqual(look(ref));
  });

  it('8 processes at once (apply streams and single calls) never oversell, and verify holds', {
    timeout: 180_000,
  }, async () => {
    const s = on(await pgDatabase());
    s.run(['stock', 'set', 'HOT', '60', '--now', T0]);
    s.run(['stock', 'set', 'ALSO', '1000', '--now', T0]);
    s.run(['set-mode', 'on-order']);
    const env = { INV_BUSY_TIMEOUT: '120000' };
    const streams = Array.from({ length: 4 }, (_, w) => {
      const file = join(s.dir, `w${w}.ndjson`);
      writeFileSync(
        file,
        Array.from({ length: 40 }, (_, i) =>
          JSON.stringify({
            type: 'place',
            id: `s${w}-${i}`,
            provider: 'boleto',
            // Two SKUs in both orders: the fixed lock order keeps writers from deadlocking.
            items:
              i % 2
                ? [
                    { sku: 'HOT', qty: 1 },
                    { sku: 'ALSO', qty: 1 },
                  ]
                : [
                    { sku: 'ALSO', qty: 1 },
                    { sku: 'HOT', qty: 1 },
                  ],
          }),
        ).join('\n'),
      );
      return invAsync(['--db', s.db, 'apply', file, '--now', T0], { home: s.dir, env });
    });
    const singles = Array.from({ length: 4 }, async (_, w) => {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await invAsync(
          ['--db', s.db, 'order', 'place', '--item', 'HOT:2', '--provider', 'card', '--id', `p${w}-${i}`, '--now', T0],
          { home: s.dir, env },
        );
        codes.push(r.code);
      }
      return codes;
    });
    const [runs, calls] = await Promise.all([Promise.all(streams), Promise.all(singles)]);
    for (const r of runs) expect(r.stderr).not.toMatch(/busy|deadlock|internal/i);
    const placedByStreams = runs
      .flatMap((r) =>
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      )
      .filter((l) => l.ok).length;
    const placedByCalls = calls.flat().filter((c) => c === 0).length;
    expect(calls.flat().every((c) => c === 0 || c === 3)).toBe(true);
    const hot = s.run(['stock', 'HOT', '--json', '--now', T0]).json.items[0];
    expect(placedByStreams + 2 * placedByCalls).toBe(60);
    expect(hot).toMatchObject({ onHand: 60, reserved: 60, available: 0, oversold: false });
    expect(s.run(['verify', '--json']).json).toEqual({ ok: true, problems: [] });
  });

  it('a client killed (SIGKILL) mid-transaction leaves nothing half-done', async () => {
    const s = on(await pgDatabase());
    s.run(['stock', 'set', 'MUG', '3', '--now', T0]);
    const file = join(s.dir, 'big.csv');
    writeFileSync(
      file,
      `sku,quantity\n${Array.from({ length: 200_000 }, (_, i) => `SKU-${i},${i % 50}`).join('\n')}\n`,
    );
    const before = storeBytes(s.db);
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'import', file, '--now', T0], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    // Killed once the import's transaction is open on the server.
    for (let i = 0; i < 3000; i++) {
      const busy = await pgQuery(
        process.env.INV_TEST_PG_URL!,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'inv' AND state LIKE 'idle in transaction%' OR (application_name = 'inv' AND state = 'active')",
      );
      if ((busy[0].n as number) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('close', r));
    expect(storeBytes(s.db).equals(before)).toBe(true);
    // Its locks went with it: the next write goes through at once.
    const next = s.run(['stock', 'add', 'MUG', '1', '--json', '--now', T0], { env: { INV_BUSY_TIMEOUT: '2000' } });
    expect(next.code, next.stderr).toBe(0);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('a writer that waits beyond INV_BUSY_TIMEOUT exits 4 with nothing changed', async () => {
    const url = await pgDatabase();
    const s = on(url);
    s.run(['stock', 'set', 'MUG', '3', '--now', T0]);
    const pg = (await import('pg')).default;
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT * FROM skus WHERE sku = 'MUG' FOR UPDATE");
      const before = storeBytes(url);
      const r = await invAsync(['--db', url, 'stock', 'add', 'MUG', '1', '--json', '--now', T0], {
        home: s.dir,
        env: { INV_BUSY_TIMEOUT: '300' },
      });
      expect(r.code).toBe(4);
      expect(r.json.error.code).toBe('STORE_BUSY');
      expect(storeBytes(url).equals(before)).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(s.run(['stock', 'add', 'MUG', '1', '--now', T0]).code).toBe(0);
  });
});
