// inv serve: events/s and per-request latency (p50/p99) of signed Stripe
// notifications from 50 concurrent senders × 2,000 events each, against
// `inv apply --from stripe` of the same events in the same run (events/s of the
// whole file; latency of one event at a time through a pipe, as a queue feeds it).
// Both end states (stock and orders) must agree and verify; every request must be answered 200.
import { spawn } from 'node:child_process';
import {
  BIN,
  SERVE_NOW,
  SERVE_NOW_SEC,
  SERVE_SKUS,
  applyServeEvents,
  benchEnv,
  row,
  scratch,
  seedServeShop,
  serveState,
} from './lib.mjs';
import { SECRET, percentile, send, startServe, workload } from './webhook-load.mjs';

/** Per-event latency of `inv apply --from stripe -` fed one event at a time (the next sent when the last is answered). */
async function pipeLatencies(dir, db, bodies) {
  const p = spawn(process.execPath, [BIN, '--db', db, 'apply', '--from', 'stripe', '-'], {
    env: benchEnv(dir, { INV_NOW: SERVE_NOW }),
  });
  const ms = [];
  let buf = '';
  let waiting = null;
  p.stdout.on('data', (d) => {
    buf += d;
    if (buf.includes('\n') && waiting) {
      buf = buf.slice(buf.indexOf('\n') + 1);
      const w = waiting;
      waiting = null;
      w();
    }
  });
  for (const b of bodies) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      waiting = resolve;
      p.stdin.write(`${b}\n`);
    });
    ms.push(performance.now() - t0);
  }
  p.stdin.end();
  await new Promise((r) => p.on('close', r));
  return ms;
}

export default async function serveBench({ quick }) {
  const senders = 50;
  const total = senders * (quick ? 40 : 2000);
  const { dir, cleanup } = scratch();
  try {
    const bodies = workload(total, SERVE_SKUS);
    // inv serve, 50 concurrent senders.
    const served = seedServeShop(dir, 'served.db');
    const server = startServe(BIN, ['--db', served], {
      ...benchEnv(dir, { INV_NOW: SERVE_NOW, INV_STRIPE_WEBHOOK_SECRET: SECRET }),
    });
    const url = await server.ready;
    const t0 = performance.now();
    const results = await send(url, bodies, senders, SERVE_NOW_SEC);
    const serveSec = (performance.now() - t0) / 1000;
    server.proc.kill('SIGTERM');
    await server.exited;
    const bad = results.filter((r) => r.status !== 200).length;
    if (bad > 0) throw new Error(`${bad} requests were not answered 200`);
    const lat = results.map((r) => r.ms);

    // inv apply --from stripe, the same events from a file.
    const applied = applyServeEvents(dir, 'applied', bodies);
    const applySec = applied.ms / 1000;
    const s1 = serveState(dir, served);
    const s2 = serveState(dir, applied.db);
    const same = s1.ok && s2.ok && s1.stock === s2.stock && s1.orders === s2.orders;

    // Latency of apply as a pipe consumer, on a sample of the events (a fresh store).
    const piped = seedServeShop(dir, 'piped.db');
    const pl = await pipeLatencies(dir, piped, bodies.slice(0, Math.min(2000, bodies.length)));

    const label = `${senders} senders × ${total / senders} signed events`;
    const serveRate = total / serveSec;
    const applyRate = total / applySec;
    return [
      row(
        'serve',
        `inv serve events/s, ${label}`,
        serveRate,
        'events/s',
        'inv apply --from stripe, same events',
        applyRate,
        'report; same end state',
        same,
      ),
      row(
        'serve',
        'inv serve p50 latency (under 50 senders)',
        percentile(lat, 50),
        'ms',
        'inv apply, one event at a time through a pipe',
        percentile(pl, 50),
        'report',
        undefined,
      ),
      row(
        'serve',
        'inv serve p99 latency (under 50 senders)',
        percentile(lat, 99),
        'ms',
        'inv apply, one event at a time through a pipe',
        percentile(pl, 99),
        'report',
        undefined,
      ),
    ];
  } finally {
    cleanup();
  }
}
