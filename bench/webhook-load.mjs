// Signed Stripe notifications for load: a workload, a server to send them to, and
// concurrent senders. Shared by the load and kill tests (test/e2e/serve-load.test.ts,
// small) and the benches (bench/serve.bench.mjs, bench/serve-kill.bench.mjs: 50 senders × 2,000 events).
import { spawn } from 'node:child_process';
import Stripe from 'stripe';

export const SECRET = 'whsec_load_test_secret';
const stripe = new Stripe('sk_test_unused');

/** The Stripe-Signature of a body at `nowSec`, made by the official package. */
export const sign = (payload, nowSec, secret = SECRET) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSec });

const session = (order, status, sku) => ({
  id: `cs_live_${order}`,
  object: 'checkout.session',
  mode: 'payment',
  livemode: true,
  payment_status: status,
  payment_method_types: ['boleto'],
  metadata: { order_id: order, inv_items: `${sku}:1` },
});
const event = (id, type, object) => ({
  id,
  object: 'event',
  type,
  livemode: true,
  created: 1764756000,
  data: { object },
});

/**
 * `total` request bodies: orders placed unpaid (a Boleto), then paid (70 %) or
 * failed; one order in five has its two events the wrong way round, and one
 * request in ten is a repeat of an earlier one (a platform's retry).
 */
export function workload(total, skus = 10) {
  const bodies = [];
  for (let k = 0; bodies.length < total; k++) {
    const order = `L-${k}`;
    const sku = `S${k % skus}`;
    const placed = JSON.stringify(event(`evt_place_${k}`, 'checkout.session.completed', session(order, 'unpaid', sku)));
    const second =
      k % 10 < 7
        ? JSON.stringify(event(`evt_pay_${k}`, 'checkout.session.async_payment_succeeded', session(order, 'paid', sku)))
        : JSON.stringify(
            event(`evt_fail_${k}`, 'checkout.session.async_payment_failed', session(order, 'unpaid', sku)),
          );
    const pair = k % 5 === 4 ? [second, placed] : [placed, second];
    for (const b of pair) {
      bodies.push(b);
      if (bodies.length % 10 === 9 && bodies.length < total) bodies.push(bodies[bodies.length - 1 - (k % 3)]);
      if (bodies.length >= total) break;
    }
  }
  return bodies.slice(0, total);
}

/** Starts `inv [globals] serve --port 0 [serveArgs]`; `ready` resolves with its URL once it listens. */
export function startServe(bin, globals, env, serveArgs = []) {
  const proc = spawn(process.execPath, [bin, ...globals, 'serve', '--port', '0', ...serveArgs], { env });
  let stderr = '';
  const ready = new Promise((resolve, reject) => {
    proc.stderr.on('data', (d) => {
      stderr += d;
      // Ready once the whole start banner is out (its last line names /healthz).
      const m = /listening on (http:\/\/\S+)[\s\S]*GET \/healthz/.exec(stderr);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`inv serve ended (${code}) before listening: ${stderr}`)));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, ready, exited, stderr: () => stderr };
}

/**
 * Sends every body with `senders` concurrent senders, each taking the next one.
 * Returns per request: its index, status, duplicate flag and latency; a request
 * whose connection failed (the server killed) has status 0.
 */
export async function send(url, bodies, senders, nowSec, onResult = () => {}) {
  const results = new Array(bodies.length);
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const t0 = performance.now();
      try {
        const r = await fetch(`${url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': sign(bodies[i], nowSec) },
          body: bodies[i],
        });
        const j = await r.json();
        results[i] = { i, status: r.status, duplicate: j?.result?.duplicate, ms: performance.now() - t0 };
      } catch {
        results[i] = { i, status: 0, ms: performance.now() - t0 };
      }
      onResult(results[i]);
    }
  };
  await Promise.all(Array.from({ length: senders }, one));
  return results;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
