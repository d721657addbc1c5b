/**
 * `inv serve` end to end: the built binary on a temporary store, loopback, a
 * free port. Signatures made by the official `stripe` package
 * (stripe.webhooks.generateTestHeaderString) and by HMAC as Shopify and
 * WooCommerce document it; forged, tampered, stale and replayed deliveries;
 * every status code, and that none of the refusals changes the store.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe } from '../../bench/webhook-load.mjs';
import { BASE_ENV, BIN, tempStore, itOnSqlite } from '../helpers.js';
import { bigShopifyBody, session, stripeEvent, wooOrder } from '../io/platform-payloads.js';

const NOW = '2026-12-03T10:00:00Z';
const NOW_SEC = Date.parse(NOW) / 1000;
const STRIPE_SECRET = 'whsec_suite_secret_1';
const SHOPIFY_SECRET = 'shpss_suite_secret';
const WOO_SECRET = 'woo suite secret';
const stripe = new Stripe('sk_test_unused');

const started: ReturnType<typeof startServe>[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
});

async function serve(extraArgs: string[] = [], env: Record<string, string> = {}) {
  const s = tempStore();
  const base = { INV_NOW: NOW, ...env };
  s.run(['stock', 'set', 'MUG', '5'], { env: base });
  s.run(['stock', 'set', 'TEE', '5'], { env: base });
  s.run(['stock', 'set', 'IPOD2008GREEN', '3'], { env: base });
  s.run(['stock', 'set', 'IPOD2008RED', '3'], { env: base });
  s.run(['stock', 'set', 'WOO-1', '4'], { env: base });
  s.run(['set-mode', 'on-order'], { env: base });
  const server = startServe(
    BIN,
    ['--db', s.db],
    {
      ...BASE_ENV,
      HOME: s.dir,
      NO_COLOR: '1',
      INV_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      INV_SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
      INV_WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
      ...base,
    },
    extraArgs,
  );
  started.push(server);
  const url = await server.ready;
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    return { status: r.status, json: await r.json().catch(() => undefined) };
  };
  const signed = (body: string, t = NOW_SEC, secret = STRIPE_SECRET) =>
    post('/webhooks/stripe', body, {
      'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t }),
    });
  const stock = (sku: string) => s.run(['stock', sku, '--json'], { env: base }).json.items[0];
  return { ...s, server, url, post, signed, stock, env: base };
}

const paidSession = (id = 'evt_paid') => JSON.stringify(stripeEvent('checkout.session.completed', session(), { id }));

describe('inv serve: Stripe signatures', () => {
  it("accepts the stripe package's own signature, then a replay of it is a duplicate that changes nothing", async () => {
    const s = await serve(['--restock-refunds']);
    const body = paidSession();
    const first = await s.signed(body);
    expect(first.status).toBe(200);
    expect(first.json.result).toMatchObject({ steps: ['place', 'pay'], order: { id: 'A-1001', status: 'paid' } });
    expect(s.stock('MUG')).toMatchObject({ onHand: 3, reserved: 0 });
    const replay = await s.signed(body);
    expect(replay.status).toBe(200);
    expect(replay.json.result).toMatchObject({ steps: [], duplicate: true });
    expect(s.stock('MUG')).toMatchObject({ onHand: 3, reserved: 0 });
    // Started with --restock-refunds: a full refund (its charge names the order) brings the units back, once.
    const refund = JSON.stringify(
      stripeEvent(
        'charge.refunded',
        {
          id: 'ch_1',
          object: 'charge',
          amount: 3600,
          amount_refunded: 3600,
          refunded: true,
          metadata: { order_id: 'A-1001' },
        },
        { id: 'evt_refund' },
      ),
    );
    const back = await s.signed(refund);
    expect(back.status).toBe(200);
    expect(back.json.result).toMatchObject({
      steps: ['restock'],
      restocked: [
        { sku: 'MUG', qty: 2 },
        { sku: 'TEE', qty: 1 },
      ],
    });
    expect((await s.signed(refund)).json.result).toMatchObject({ steps: [], duplicate: true });
    expect(s.stock('MUG')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(s.server.stderr()).toMatch(/POST \/webhooks\/stripe 200 .* stripe:evt_refund restock order A-1001/);
  });

  it('refuses forged, tampered, stale and future signatures with 401, and none of them changes the store', async () => {
    const s = await serve();
    const body = paidSession();
    const forged = await s.signed(body, NOW_SEC, 'whsec_not_the_secret');
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('BAD_SIGNATURE');
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: STRIPE_SECRET,
      timestamp: NOW_SEC,
    });
    const tampered = await s.post('/webhooks/stripe', body.replace('MUG:2', 'MUG:1'), { 'stripe-signature': header });
    expect(tampered.status).toBe(401);
    const stale = await s.signed(body, NOW_SEC - 301);
    expect(stale.status).toBe(401);
    expect(stale.json.error.message).toMatch(/301 s old \(tolerance 300 s\)/);
    expect((await s.signed(body, NOW_SEC - 299)).status).toBe(200); // within the tolerance
    expect((await s.signed(paidSession('evt_future'), NOW_SEC + 301)).status).toBe(401);
    expect((await s.post('/webhooks/stripe', body)).status).toBe(401); // no header
    expect((await s.post('/webhooks/stripe', body, { 'stripe-signature': `t=${NOW_SEC},v0=abc` })).status).toBe(401);
    expect(s.stock('MUG')).toMatchObject({ onHand: 3, reserved: 0 }); // only the one accepted delivery
    expect(s.server.stderr()).toMatch(/POST \/webhooks\/stripe 401 .* - Stripe-Signature does not match/);
  });

  it('rotation: several secrets in the variable, and several v1 in the header', async () => {
    const s = await serve([], { INV_STRIPE_WEBHOOK_SECRET: `whsec_old, ${STRIPE_SECRET}` });
    expect(s.server.stderr()).toMatch(/POST \/webhooks\/stripe: on \(2 secrets\)/);
    expect((await s.signed(paidSession('evt_r1'), NOW_SEC, 'whsec_old')).status).toBe(200);
    const body = paidSession('evt_r2');
    const good = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp: NOW_SEC });
    const wrong = createHmac('sha256', 'whsec_other').update(`${NOW_SEC}.${body}`).digest('hex');
    const r = await s.post('/webhooks/stripe', body, { 'stripe-signature': `${good},v1=${wrong}` });
    expect(r.status).toBe(200);
  });
});

const b64 = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');

describe('inv serve: Shopify and WooCommerce', () => {
  it('Shopify: base64 HMAC of the raw body; ids past 2^53 kept; the event id header dedups', async () => {
    const s = await serve();
    const body = bigShopifyBody({ financial_status: 'paid' });
    const headers = {
      'x-shopify-topic': 'orders/paid',
      'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
      'x-shopify-hmac-sha256': b64(SHOPIFY_SECRET, body),
    };
    const r = await s.post('/webhooks/shopify', body, headers);
    expect(r.status).toBe(200);
    expect(r.json.result.order).toMatchObject({ id: 'shopify:820982911946154508', status: 'paid' });
    expect((await s.post('/webhooks/shopify', body, headers)).json.result.duplicate).toBe(true);
    const forged = await s.post('/webhooks/shopify', body, { ...headers, 'x-shopify-hmac-sha256': b64('nope', body) });
    expect(forged.status).toBe(401);
    expect(s.stock('IPOD2008RED')).toMatchObject({ onHand: 1 });
  });

  it('WooCommerce: signed statuses apply; the unsigned ping answers 200 and changes nothing; forged is 401', async () => {
    const s = await serve();
    const ping = await s.post('/webhooks/woocommerce', 'webhook_id=12', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(ping).toMatchObject({ status: 200, json: { ok: true, ping: true } });
    const body = JSON.stringify(wooOrder({ status: 'on-hold' }));
    const headers = { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': b64(WOO_SECRET, body) };
    const r = await s.post('/webhooks/woocommerce', body, headers);
    expect(r.status).toBe(200);
    expect(s.stock('WOO-1')).toMatchObject({ reserved: 2 });
    const forged = await s.post('/webhooks/woocommerce', body, {
      ...headers,
      'x-wc-webhook-signature': b64('x', body),
    });
    expect(forged.status).toBe(401);
    expect((await s.post('/webhooks/woocommerce', 'webhook_id=12')).status).toBe(200);
  });
});

describe('inv serve: status codes', () => {
  it('400 unreadable, 422 not mappable, 200 refused by a rule, 413, 404, 405, healthz; the log has one line each', async () => {
    const s = await serve(['--max-body', '2K', '--log-json']);
    expect((await s.signed('{not json')).status).toBe(400);
    const noItems = await s.signed(
      JSON.stringify(stripeEvent('checkout.session.completed', session({ metadata: {} }), { id: 'evt_x' })),
    );
    expect(noItems.status).toBe(422);
    expect(noItems.json.error.message).toMatch(/inv_items/);
    const unknownMethod = await s.signed(
      JSON.stringify(
        stripeEvent('checkout.session.completed', session({ payment_method_types: ['multibanco'] }), { id: 'evt_m' }),
      ),
    );
    expect(unknownMethod.status).toBe(422);
    expect(unknownMethod.json.error.hint).toMatch(/^inv provider map stripe:multibanco/);
    const tooMany = await s.signed(
      JSON.stringify(
        stripeEvent('checkout.session.completed', session({ metadata: { order_id: 'BIG', inv_items: 'MUG:99' } }), {
          id: 'evt_big',
        }),
      ),
    );
    expect(tooMany.status).toBe(200);
    expect(tooMany.json).toMatchObject({ ok: false, refused: { code: 'OUT_OF_STOCK' } });
    const big = await s.signed(JSON.stringify({ pad: 'x'.repeat(3000) }));
    expect(big.status).toBe(413);
    expect((await s.post('/webhooks/paypal', '{}')).status).toBe(404);
    const get = await fetch(`${s.url}/webhooks/stripe`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(s.stock('MUG')).toMatchObject({ onHand: 5, reserved: 0 });
    // The log line of the last request may reach stderr just after its answer.
    for (let i = 0; i < 50 && !s.server.stderr().includes('"path":"/healthz"'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const lines = s.server
      .stderr()
      .split('\n')
      .filter((l: string) => l.startsWith('{'))
      .map((l: string) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual([400, 422, 422, 200, 413, 404, 405, 200]);
    expect(lines[3]).toMatchObject({
      method: 'POST',
      path: '/webhooks/stripe',
      event: 'stripe:evt_big',
      at: '2026-12-03T10:00:00.000Z',
    });
  });

  it('a route without its secret is disabled, says so at start, and answers 404', async () => {
    const s = await serve([], { INV_SHOPIFY_WEBHOOK_SECRET: '' });
    expect(s.server.stderr()).toMatch(/POST \/webhooks\/shopify: off \(set INV_SHOPIFY_WEBHOOK_SECRET to enable it\)/);
    const r = await s.post('/webhooks/shopify', '{}', { 'x-shopify-hmac-sha256': b64('', '{}') });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('ROUTE_DISABLED');
  });

  itOnSqlite('503 while the store is locked, nothing applied; the retry after it is free lands', async () => {
    const s = await serve([], { INV_BUSY_TIMEOUT: '100' });
    const db = new Database(s.db);
    db.exec('BEGIN IMMEDIATE');
    const r = await s.signed(paidSession('evt_locked'));
    expect(r.status).toBe(503);
    db.exec('ROLLBACK');
    db.close();
    expect(s.stock('MUG')).toMatchObject({ onHand: 5 });
    expect((await s.signed(paidSession('evt_locked'))).status).toBe(200);
    expect(s.stock('MUG')).toMatchObject({ onHand: 3 });
  });
});

/** A request whose body is sent in two parts, the second when `release` is called. */
function slowRequest(url: string, body: string, headers: Record<string, string>) {
  const u = new URL(url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path: '/webhooks/stripe',
    headers: { ...headers, 'content-length': Buffer.byteLength(body) },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { answer, release: () => req.end(body.slice(10)) };
}

describe('inv serve: slow clients, bounds and SIGTERM', () => {
  it('SIGTERM drains the request in flight (answered 200, applied) and exits 0', async () => {
    const s = await serve();
    const body = paidSession('evt_drain');
    const sig = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp: NOW_SEC });
    const slow = slowRequest(s.url, body, { 'stripe-signature': sig });
    await new Promise((r) => setTimeout(r, 300));
    s.server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    slow.release();
    expect((await slow.answer).status).toBe(200);
    expect(await s.server.exited).toEqual({ code: 0, signal: null });
    expect(s.server.stderr()).toMatch(/stopped; 1 request was in flight and answered/);
    expect(s.stock('MUG')).toMatchObject({ onHand: 3 });
  });

  it('answers 503 beyond --max-open, and drops a client that sends too slowly (--timeout)', async () => {
    const s = await serve(['--max-open', '1', '--timeout', '1']);
    const body = paidSession('evt_slow');
    const sig = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp: NOW_SEC });
    const slow = slowRequest(s.url, body, { 'stripe-signature': sig });
    await new Promise((r) => setTimeout(r, 200));
    const busy = await s.signed(paidSession('evt_other'));
    expect(busy.status).toBe(503);
    // The slow one is never finished: the server gives up on it (408, or the connection closed).
    const outcome = await slow.answer.then(
      (a) => a.status,
      () => 'closed',
    );
    expect([408, 'closed']).toContain(outcome);
    expect(s.stock('MUG')).toMatchObject({ onHand: 5 });
    expect((await s.signed(paidSession('evt_other'))).status).toBe(200);
  }, 20_000);
});
