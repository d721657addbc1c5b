import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BASE_ENV, BIN, invAsync, tempStore, storeBytes } from '../helpers.js';

const T0 = '2026-11-27T10:00:00Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3_600_000).toISOString();

function shop(mode: 'on-order' | 'on-payment') {
  const s = tempStore();
  s.run(['stock', 'set', 'MUG', '2', '--now', T0]);
  s.run(['stock', 'set', 'TEE', '5', '--now', T0]);
  s.run(['set-mode', mode]);
  return s;
}

const stock = (s: ReturnType<typeof shop>, sku: string, now = T0) =>
  s.run(['stock', sku, '--json', '--now', now]).json.items[0];

describe('placing orders', () => {
  it('on-order reserves every line, all or nothing', () => {
    const s = shop('on-order');
    const r = s.run([
      'order',
      'place',
      '--item',
      'MUG:1',
      '--item',
      'TEE:2',
      '--provider',
      'card',
      '--id',
      'A',
      '--json',
      '--now',
      T0,
    ]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      id: 'A',
      status: 'pending',
      mode: 'on-order',
      provider: 'card',
      placedAt: '2026-11-27T10:00:00.000Z',
      expiresAt: '2026-11-27T10:30:00.000Z',
      lines: [
        { sku: 'MUG', qty: 1 },
        { sku: 'TEE', qty: 2 },
      ],
      reserved: 3,
      oversoldUnits: 0,
      latePayment: false,
      duplicate: false,
    });
    expect(stock(s, 'MUG')).toMatchObject({ onHand: 2, reserved: 1, available: 1 });
    // The second line is short: nothing of the first is taken either.
    const short = s.run([
      'order',
      'place',
      '--item',
      'TEE:1',
      '--item',
      'MUG:2',
      '--provider',
      'card',
      '--id',
      'B',
      '--json',
      '--now',
      T0,
    ]);
    expect(short.code).toBe(3);
    expect(short.json.error).toMatchObject({
      code: 'OUT_OF_STOCK',
      details: [{ sku: 'MUG', available: 1, requested: 2 }],
    });
    expect(short.stderr).toMatch(/MUG has 1 available, the order needs 2/);
    expect(stock(s, 'TEE')).toMatchObject({ reserved: 2, available: 3 });
    expect(s.run(['order', 'show', 'B']).code).toBe(3);
  });

  it('on-payment takes nothing at placing but still refuses what is not available', () => {
    const s = shop('on-payment');
    expect(s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'boleto', '--id', 'A', '--now', T0]).code).toBe(0);
    expect(stock(s, 'MUG')).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    expect(
      s.run(['order', 'place', '--item', 'MUG:3', '--provider', 'card', '--now', T0, '--json']).json.error.code,
    ).toBe('OUT_OF_STOCK');
  });

  it('the mode is resolved per provider at --now and recorded on the order', () => {
    const s = shop('on-payment');
    s.run(['set-mode', 'on-order', '--provider', 'boleto']);
    s.run(['set-mode', 'on-order', '--from', at(1), '--until', at(2), '--now', T0]);
    const mode = (id: string, provider: string, now: string) =>
      s.run(['order', 'place', '--item', 'TEE:1', '--provider', provider, '--id', id, '--json', '--now', now]).json
        .mode;
    expect(mode('b', 'boleto', T0)).toBe('on-order');
    expect(mode('c1', 'card', T0)).toBe('on-payment');
    expect(mode('c2', 'card', at(1.5))).toBe('on-order');
    expect(mode('c3', 'card', at(2))).toBe('on-payment');
    // Changing the mode later changes nothing for existing orders.
    s.run(['set-mode', 'on-order']);
    expect(s.run(['order', 'show', 'c1', '--json']).json.mode).toBe('on-payment');
  });

  it('bad items and ids', () => {
    const s = shop('on-order');
    const before = storeBytes(s.db);
    for (const item of ['MUG', 'MUG:0', 'MUG:-1', 'MUG:1.5', 'MUG:x', ':1']) {
      const r = s.run(['order', 'place', '--item', item, '--provider', 'card', '--json']);
      expect(r.code, item).toBe(2);
      expect(r.stderr).toMatch(/^inv: /);
    }
    expect(s.run(['order', 'place', '--item', 'NOPE:1', '--provider', 'card', '--json']).json.error.code).toBe(
      'UNKNOWN_SKU',
    );
    expect(s.run(['order', 'place', '--item', 'NOPE:1', '--provider', 'card']).code).toBe(3);
    expect(s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'bitcoin']).code).toBe(2);
    expect(s.run(['order', 'place', '--item', 'MUG:1']).code).toBe(2);
    expect(storeBytes(s.db).equals(before)).toBe(true);
    expect(s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'card', '--id', 'X']).code).toBe(0);
    const dup = s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'X', '--json']);
    expect(dup.code).toBe(3);
    expect(dup.json.error.code).toBe('ORDER_EXISTS');
    expect(s.run(['order', 'pay', 'NOPE', '--json']).json.error.code).toBe('UNKNOWN_ORDER');
  });

  it('the same SKU twice in one order is merged', () => {
    const s = shop('on-order');
    const r = s.run(['order', 'place', '--item', 'TEE:1', '--item', 'TEE:2', '--provider', 'card', '--json']);
    expect(r.json.lines).toEqual([{ sku: 'TEE', qty: 3 }]);
    expect(r.json.id).toMatch(/^o-[0-9a-f]{12}$/);
  });
});

describe('payment notifications', () => {
  it('on-order: pay turns the hold into a sale; fail and cancel release it', () => {
    const s = shop('on-order');
    for (const id of ['P', 'F', 'C'])
      s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', id, '--now', T0]);
    expect(stock(s, 'TEE')).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
    expect(s.run(['order', 'pay', 'P', '--json', '--now', at(0.1)]).json).toMatchObject({
      status: 'paid',
      reserved: 0,
    });
    expect(s.run(['order', 'fail', 'F', '--json', '--now', at(0.1)]).json).toMatchObject({
      status: 'failed',
      reserved: 0,
    });
    expect(s.run(['order', 'cancel', 'C', '--json', '--now', at(0.1)]).json).toMatchObject({
      status: 'cancelled',
      reserved: 0,
    });
    expect(stock(s, 'TEE', at(0.1))).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    const h = s
      .run(['history', 'TEE', '--json'])
      .json.movements.map((m: { reason: string; orderId: string; onHandDelta: number; reservedDelta: number }) => [
        m.reason,
        m.orderId,
        m.onHandDelta,
        m.reservedDelta,
      ]);
    expect(h.slice(1)).toEqual([
      ['order-placed', 'P', 0, 1],
      ['order-placed', 'F', 0, 1],
      ['order-placed', 'C', 0, 1],
      ['order-paid', 'P', -1, -1],
      ['order-failed', 'F', 0, -1],
      ['order-cancelled', 'C', 0, -1],
    ]);
  });

  it('on-payment: a payment when stock is short is still paid, oversold, onHand below zero', () => {
    const s = shop('on-payment');
    s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'boleto', '--id', 'slow', '--now', T0]);
    s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'card', '--id', 'fast', '--now', at(1)]);
    expect(s.run(['order', 'pay', 'fast', '--json', '--now', at(1)]).json).toMatchObject({
      status: 'paid',
      oversoldUnits: 0,
    });
    const r = s.run(['order', 'pay', 'slow', '--json', '--now', at(30)]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ status: 'paid', oversoldUnits: 2, latePayment: false });
    expect(stock(s, 'MUG', at(30))).toMatchObject({ onHand: -2, available: -2, oversold: true });
    expect(s.run(['verify']).code).toBe(0);
  });

  it('--event makes a notification idempotent; reusing it elsewhere is refused', () => {
    const s = shop('on-order');
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'A', '--now', T0]);
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'B', '--now', T0]);
    expect(s.run(['order', 'pay', 'A', '--event', 'e1', '--json', '--now', T0]).json.duplicate).toBe(false);
    const moves = s.run(['history', 'TEE', '--json']).json.movements.length;
    const again = s.run(['order', 'pay', 'A', '--event', 'e1', '--json', '--now', T0]);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ status: 'paid', duplicate: true });
    // A repeat without an event id is a no-op too.
    expect(s.run(['order', 'pay', 'A', '--json', '--now', T0]).json.duplicate).toBe(true);
    expect(s.run(['history', 'TEE', '--json']).json.movements.length).toBe(moves);
    const reused = s.run(['order', 'pay', 'B', '--event', 'e1', '--json', '--now', T0]);
    expect(reused.code).toBe(3);
    expect(reused.json.error.code).toBe('EVENT_CONFLICT');
    expect(s.run(['order', 'fail', 'A', '--event', 'e1', '--now', T0]).code).toBe(3);
    expect(s.run(['order', 'show', 'B', '--json', '--now', T0]).json.status).toBe('pending');
  });

  it('refuses a payment for a cancelled order and a failure for a paid one (exit 3, nothing changed)', () => {
    const s = shop('on-order');
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'C', '--now', T0]);
    s.run(['order', 'cancel', 'C', '--now', T0]);
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'P', '--now', T0]);
    s.run(['order', 'pay', 'P', '--now', T0]);
    const before = storeBytes(s.db);
    const pay = s.run(['order', 'pay', 'C', '--json', '--now', T0]);
    expect(pay.code).toBe(3);
    expect(pay.json.error.code).toBe('INVALID_TRANSITION');
    const fail = s.run(['order', 'fail', 'P', '--event', 'late-fail', '--json', '--now', T0]);
    expect(fail.code).toBe(3);
    expect(s.run(['order', 'cancel', 'P']).code).toBe(3);
    expect(storeBytes(s.db).equals(before)).toBe(true);
    // The refused event id was not recorded: it can still be used for a valid transition.
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'Q', '--now', T0]);
    expect(s.run(['order', 'fail', 'Q', '--event', 'late-fail', '--now', T0]).code).toBe(0);
  });
});

describe('expiry and late payments', () => {
  it('a hold past its window is available at once, recorded by inv expire, and explained by stock show', () => {
    const s = shop('on-order');
    s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'card', '--id', 'abandoned', '--now', T0]);
    const held = s.run(['stock', 'show', 'MUG', '--json', '--now', at(0.25)]).json;
    expect(held).toMatchObject({
      available: 0,
      holders: [
        { orderId: 'abandoned', qty: 2, provider: 'card', expired: false, expiresAt: '2026-11-27T10:30:00.000Z' },
      ],
    });
    expect(s.run(['stock', 'show', 'MUG', '--now', at(0.25)]).stdout).toMatch(/abandoned\s+2\s+card\s+15m/);
    // After the 30-minute card window: available again before anyone runs expire.
    expect(stock(s, 'MUG', at(1))).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    expect(s.run(['order', 'show', 'abandoned', '--json', '--now', at(1)]).json).toMatchObject({
      status: 'expired',
      reserved: 0,
    });
    expect(
      s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'card', '--id', 'next', '--now', at(1)]).code,
    ).toBe(0);
    expect(s.run(['verify']).code).toBe(0);
    const e = s.run(['expire', '--json', '--now', at(1)]);
    expect(e.json).toEqual({ expired: ['abandoned'] });
    expect(s.run(['expire', '--json', '--now', at(1)]).json).toEqual({ expired: [] });
    const h = s.run(['history', 'MUG', '--json']).json.movements;
    expect(h.find((m: { reason: string }) => m.reason === 'order-expired')).toMatchObject({
      orderId: 'abandoned',
      reservedDelta: -2,
      at: '2026-11-27T10:30:00.000Z',
    });
    expect(s.run(['verify']).code).toBe(0);
  });

  it('a payment after expiry is a late payment: paid, takes stock, oversold if short', () => {
    const s = shop('on-order');
    s.run(['order', 'place', '--item', 'MUG:2', '--provider', 'boleto', '--id', 'late', '--now', T0]);
    s.run(['order', 'place', '--item', 'MUG:1', '--provider', 'card', '--id', 'after', '--now', at(121)]);
    s.run(['order', 'pay', 'after', '--now', at(121)]);
    const r = s.run(['order', 'pay', 'late', '--json', '--now', at(130)]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ status: 'paid', latePayment: true, oversoldUnits: 1 });
    expect(stock(s, 'MUG', at(130))).toMatchObject({ onHand: -1, reserved: 0 });
    const reasons = s.run(['history', 'MUG', '--json']).json.movements.map((m: { reason: string }) => m.reason);
    expect(reasons).toEqual(['adjust', 'order-placed', 'order-expired', 'order-placed', 'order-paid', 'late-payment']);
    expect(s.run(['verify']).code).toBe(0);
  });

  it('order list filters by status, as each order reads now', () => {
    const s = shop('on-order');
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'card', '--id', 'a', '--now', T0]);
    s.run(['order', 'place', '--item', 'TEE:1', '--provider', 'boleto', '--id', 'b', '--now', T0]);
    s.run(['order', 'pay', 'b', '--now', T0]);
    expect(
      s
        .run(['order', 'list', '--status', 'expired', '--json', '--now', at(1)])
        .json.orders.map((o: { id: string }) => o.id),
    ).toEqual(['a']);
    expect(s.run(['order', 'list', '--json', '--now', at(1)]).json.orders).toHaveLength(2);
    expect(s.run(['order', 'list', '--status', 'lost']).code).toBe(2);
  });
});

describe('inv apply', () => {
  it('applies each event with the rules of the single commands, one result line each', () => {
    const s = shop('on-order');
    const events = [
      { type: 'stock-set', sku: 'CUP', qty: 3, name: 'Cup', at: T0 },
      { type: 'place', id: 'A', provider: 'boleto', items: [{ sku: 'CUP', qty: 2 }], at: T0 },
      { type: 'place', id: 'B', provider: 'card', items: [{ sku: 'CUP', qty: 2 }], at: T0 },
      'this is not json',
      { type: 'pay', id: 'A', event: 'ev1', at: at(30) },
      { type: 'pay', id: 'A', event: 'ev1', at: at(31) },
      { type: 'refund', id: 'A' },
      { type: 'stock-add', sku: 'CUP', delta: 5, reason: 'delivery', at: at(32) },
      { type: 'expire', at: at(200) },
    ];
    const input = events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n\n';
    const r = s.run(['apply', '-'], { input });
    expect(r.code).toBe(3);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.ok])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, true],
      [6, true],
      [7, false],
      [8, true],
      [9, true],
    ]);
    expect(lines[2].error.code).toBe('OUT_OF_STOCK');
    expect(lines[3].error.code).toBe('INVALID_INPUT');
    expect(lines[4].result).toMatchObject({ id: 'A', status: 'paid' });
    expect(lines[5].result.duplicate).toBe(true);
    expect(lines[6].error.message).toMatch(/unknown event type/);
    expect(stock(s, 'CUP', at(200))).toMatchObject({ onHand: 6, reserved: 0 });
    expect(r.stderr).toMatch(/^inv: 3 of 9 events failed/);
  });

  it('without --now, each event takes the time it is applied, not the time the stream started', async () => {
    const s = shop('on-order');
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'apply', '-'], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stdin.write(
      `${JSON.stringify({ type: 'place', id: 'early', provider: 'card', items: [{ sku: 'TEE', qty: 1 }] })}\n`,
    );
    // The first answer, then a pause: however slowly the process starts, the two events are apart.
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1200));
    p.stdin.end(
      `${JSON.stringify({ type: 'place', id: 'late', provider: 'card', items: [{ sku: 'TEE', qty: 1 }] })}\n`,
    );
    await new Promise((r) => p.on('close', r));
    const [a, b] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).result.placedAt);
    expect(Date.parse(b) - Date.parse(a)).toBeGreaterThanOrEqual(1000);
  });

  it('a live queue gets each answer before it sends the next event', async () => {
    const s = shop('on-order');
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'apply', '-'], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    let out = '';
    let wake = () => {};
    p.stdout.on('data', (d) => {
      out += d;
      wake();
    });
    const answers = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (out.split('\n').length - 1 < n && Date.now() < deadline)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      return out.split('\n').length - 1;
    };
    for (let i = 1; i <= 3; i++) {
      p.stdin.write(
        `${JSON.stringify({ type: 'place', id: `live${i}`, provider: 'card', items: [{ sku: 'TEE', qty: 1 }] })}\n`,
      );
      expect(await answers(i)).toBe(i); // the stream stays open: the answer came without waiting for more input
    }
    p.stdin.end();
    await new Promise((r) => p.on('close', r));
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).result.id),
    ).toEqual(['live1', 'live2', 'live3']);
  });

  it('interrupted (Ctrl-C), it has said every event it applied, and only those', async () => {
    const s = shop('on-order');
    const before = stock(s, 'MUG').onHand as number;
    const p = spawn(process.execPath, [BIN, '--db', s.db, 'apply', '-'], {
      env: { ...BASE_ENV, HOME: s.dir },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stdin.on('error', () => {});
    const closed = new Promise((r) => p.on('close', r));
    // A stream that goes on until the interrupt: batches are committed and said while more keep coming.
    const chunk = `${Array.from({ length: 2000 }, () => JSON.stringify({ type: 'stock-add', sku: 'MUG', delta: 1 })).join('\n')}\n`;
    let open = true;
    closed.then(() => (open = false));
    (async () => {
      while (open && p.stdin.writable) {
        if (!p.stdin.write(chunk)) await new Promise((r) => p.stdin.once('drain', r));
        if (out.length > 0) setTimeout(() => p.kill('SIGINT'), 100);
      }
    })();
    const code = await closed;
    expect(code).toBe(130);
    const said = out
      .trim()
      .split('\n')
      .filter((l) => JSON.parse(l).ok).length;
    const applied = (stock(s, 'MUG').onHand as number) - before;
    expect(applied).toBeGreaterThan(0);
    expect(said).toBe(applied);
  });

  it('a folder instead of a file is a usage error', () => {
    const s = shop('on-order');
    expect(s.run(['apply', s.dir]).code).toBe(2);
  });

  it('--stop-on-error stops at the first failing line; a file path works as well as stdin', () => {
    const s = shop('on-order');
    const file = join(s.dir, 'events.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ type: 'place', id: 'A', provider: 'card', items: [{ sku: 'MUG', qty: 9 }] }),
        JSON.stringify({ type: 'place', id: 'B', provider: 'card', items: [{ sku: 'MUG', qty: 1 }] }),
      ].join('\n'),
    );
    const r = s.run(['apply', file, '--stop-on-error']);
    expect(r.code).toBe(3);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(s.run(['order', 'show', 'B']).code).toBe(3);
    expect(s.run(['apply', join(s.dir, 'missing.ndjson')]).code).toBe(2);
  });
});

describe('concurrency: many inv processes on one store', () => {
  // Correctness, not speed, is under test: a loaded CI machine must not turn waiting into exit 4.
  const SLOW_MACHINE = { INV_BUSY_TIMEOUT: '60000' };

  it('8 processes race for 20 units under on-order: exactly 20 orders succeed, the rest exit 3', async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'LAST', '20']);
    s.run(['set-mode', 'on-order']);
    const attempts = Array.from({ length: 8 }, (_, p) =>
      (async () => {
        const codes: number[] = [];
        for (let i = 0; i < 4; i++) {
          const r = await invAsync(
            // At T0, where the stock is read below: a card hold of the real clock's day would have expired by then on another date.
            [
              '--db',
              s.db,
              '--now',
              T0,
              'order',
              'place',
              '--item',
              'LAST:1',
              '--provider',
              'card',
              '--id',
              `p${p}-${i}`,
            ],
            { home: s.dir, env: SLOW_MACHINE },
          );
          codes.push(r.code);
        }
        return codes;
      })(),
    );
    const codes = (await Promise.all(attempts)).flat();
    expect(codes.filter((c) => c === 0)).toHaveLength(20);
    expect(codes.filter((c) => c === 3)).toHaveLength(12);
    expect(stock(s, 'LAST')).toMatchObject({ onHand: 20, reserved: 20, available: 0 });
    expect(s.run(['verify']).code).toBe(0);
  });

  it('concurrent pay and fail notifications for 40 orders leave exact stock', { timeout: 180_000 }, async () => {
    const s = tempStore();
    s.run(['stock', 'set', 'ITEM', '100', '--now', T0]);
    s.run(['set-mode', 'on-order']);
    const input = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ type: 'place', id: `o${i}`, provider: 'boleto', items: [{ sku: 'ITEM', qty: 2 }] }),
    ).join('\n');
    expect(s.run(['apply', '-', '--now', T0], { input }).code).toBe(0);
    // Even orders pay, odd ones fail; every notification is sent twice, all at once.
    const notices = Array.from({ length: 40 }, (_, i) => [i % 2 === 0 ? 'pay' : 'fail', `o${i}`, `evt-${i}`]);
    const runs = [...notices, ...notices].map(([t, id, ev]) =>
      invAsync(['--db', s.db, '--now', at(1), 'order', t, id, '--event', ev, '--json'], {
        home: s.dir,
        env: SLOW_MACHINE,
      }),
    );
    const results = await Promise.all(runs);
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(results.filter((r) => r.json.duplicate)).toHaveLength(40);
    expect(stock(s, 'ITEM', at(1))).toMatchObject({ onHand: 60, reserved: 0, available: 60 });
    expect(s.run(['verify']).code).toBe(0);
    expect(s.run(['history', 'ITEM', '--json']).json.movements).toHaveLength(1 + 40 + 40);
  });
});
