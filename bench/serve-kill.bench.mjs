// inv serve killed with SIGKILL mid-load, at full size (issue 16): 50 concurrent
// senders × 2,000 signed Stripe notifications (the serve bench's workload); once
// 40% are acknowledged the server is SIGKILLed, restarted, and every notification
// is sent again, as the platforms retry (and may resend what was answered too).
// Every notification answered 200 before the kill must come back a duplicate (it
// was already stored), every resend must be answered 200, and the end state must
// equal `inv apply --from stripe` of the same events on a fresh store. The suite
// runs the same scenario at 10 × 30 (test/e2e/serve-load.test.ts).
// BENCH_QUICK=1: 50 × 40.
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
import { SECRET, send, startServe, workload } from './webhook-load.mjs';

export default async function serveKill({ quick }) {
  const senders = 50;
  const total = senders * (quick ? 40 : 2000);
  const { dir, cleanup } = scratch();
  try {
    const bodies = workload(total, SERVE_SKUS);
    const env = benchEnv(dir, { INV_NOW: SERVE_NOW, INV_STRIPE_WEBHOOK_SECRET: SECRET });
    const db = seedServeShop(dir, 'killed.db');

    const first = startServe(BIN, ['--db', db], env);
    const killAt = Math.floor(total * 0.4);
    let acked = 0;
    const before = await send(await first.ready, bodies, senders, SERVE_NOW_SEC, (r) => {
      if (r.status === 200 && ++acked === killAt) first.proc.kill('SIGKILL');
    });
    const ended = await first.exited;
    if (ended.signal !== 'SIGKILL') throw new Error(`inv serve was not killed: ${JSON.stringify(ended)}`);
    const ackedBefore = before.filter((r) => r.status === 200).map((r) => r.i);

    const second = startServe(BIN, ['--db', db], env);
    const again = await send(await second.ready, bodies, senders, SERVE_NOW_SEC);
    second.proc.kill('SIGTERM');
    const stopped = await second.exited;
    const refused = again.filter((r) => r.status !== 200).length;
    const lost = ackedBefore.filter((i) => again[i].duplicate !== true).length;

    const clean = applyServeEvents(dir, 'clean', bodies);
    const s1 = serveState(dir, db);
    const s2 = serveState(dir, clean.db);
    const same = s1.ok && s2.ok && s1.stock === s2.stock && s1.orders === s2.orders;
    process.stderr.write(
      `  killed after ${ackedBefore.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} acknowledged; resent: ${refused} not 200, ${lost} acknowledged but not stored; end state ${same ? 'equals' : 'DIFFERS FROM'} inv apply's\n`,
    );
    return [
      row(
        'serve',
        `inv serve SIGKILLed after ${ackedBefore.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} acknowledged, restarted, all resent: acknowledged but not stored`,
        lost,
        'events',
        null,
        null,
        "0; every resend 200; SIGTERM exits 0; end state = inv apply --from's",
        lost === 0 && refused === 0 && stopped.code === 0 && same,
      ),
    ];
  } finally {
    cleanup();
  }
}
