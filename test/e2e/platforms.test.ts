/**
 * `inv apply --from stripe|shopify|woocommerce`, end to end on the built binary:
 * exactly once by the platform's event id, out of order, the refusals that say
 * how to fix them, and a store that verifies afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';
import { bigShopifyBody, session, shopifyOrder, stripeEvent, wooOrder } from '../io/platform-payloads.js';

const NOW = '2026-12-03T10:00:00Z';

function shop(mode: 'on-order' | 'on-payment' = 'on-order') {
  const s = tempStore();
  const env = { INV_NOW: NOW };
  for (const [sku, n] of [
    ['MUG', 5],
    ['TEE', 5],
    ['IPOD2008GREEN', 3],
    ['IPOD2008RED', 3],
    ['WOO-1', 4],
  ] as const)
    s.run(['stock', 'set', sku, String(n)], { env });
  s.run(['set-mode', mode], { env });
  const run = (args: string[], input?: string) => s.run(args, { env, input });
  const results = (out: string) =>
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const stock = (sku: string) => run(['stock', sku, '--json']).json.items[0];
  return { ...s, run, results, stock };
}

const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');

describe('inv apply --from', () => {
  it('Stripe: an unpaid voucher holds, its async payment takes the stock, a retry changes nothing', () => {
    const s = shop('on-order');
    const placed = stripeEvent(
      'checkout.session.completed',
      session({ payment_status: 'unpaid', payment_method_types: ['oxxo'] }),
      { id: 'evt_1' },
    );
    const paid = stripeEvent('checkout.session.async_payment_succeeded', session({ payment_method_types: ['oxxo'] }), {
      id: 'evt_2',
    });
    const r = s.run(['apply', '--from', 'stripe', '-'], ndjson([placed, paid, paid]));
    expect(r.code).toBe(0);
    const lines = s.results(r.stdout);
    expect(lines.map((l) => [l.line, l.ok, l.result.steps, l.result.duplicate])).toEqual([
      [1, true, ['place'], false],
      [2, true, ['pay'], false],
      [3, true, [], true],
    ]);
    expect(lines[0].result.order).toMatchObject({ id: 'A-1001', provider: 'oxxo', status: 'pending', reserved: 3 });
    expect(lines[1].result).toMatchObject({ event: 'stripe:evt_2', order: { status: 'paid' } });
    expect(s.stock('MUG')).toMatchObject({ onHand: 3, reserved: 0 });
    // The same file again (a platform's retries): every event a duplicate, the stock unchanged.
    const again = s.run(['apply', '--from', 'stripe', '-'], ndjson([placed, paid]));
    expect(s.results(again.stdout).every((l) => l.result.duplicate)).toBe(true);
    expect(s.stock('MUG')).toMatchObject({ onHand: 3, reserved: 0 });
    expect(s.run(['verify', '--json']).json.ok).toBe(true);
  });

  it('Stripe: `stripe events list` output (newest first) is applied oldest first', () => {
    const s = shop('on-order');
    const list = {
      object: 'list',
      has_more: false,
      data: [
        stripeEvent('checkout.session.async_payment_failed', session(), { id: 'evt_b' }),
        stripeEvent('checkout.session.completed', session({ payment_status: 'unpaid' }), { id: 'evt_a' }),
      ],
    };
    const file = join(s.dir, 'events.json');
    writeFileSync(file, JSON.stringify(list, null, 2));
    const r = s.run(['apply', '--from', 'stripe', file]);
    expect(r.code).toBe(0);
    expect(s.results(r.stdout).map((l) => [l.line, l.result.steps])).toEqual([
      [2, ['place']],
      [1, ['fail']],
    ]);
    expect(s.stock('MUG')).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('Stripe: no line items is refused saying how to add them; test mode only when asked; others ignored', () => {
    const s = shop();
    const bare = stripeEvent('checkout.session.completed', session({ metadata: {} }), { id: 'evt_bare' });
    const test = stripeEvent('checkout.session.completed', session(), { id: 'evt_test', livemode: false });
    const other = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }, { id: 'evt_c' });
    const r = s.run(['apply', '--from', 'stripe', '-'], ndjson([bare, test, other]));
    expect(r.code).toBe(2);
    const [a, b, c] = s.results(r.stdout);
    expect(a).toMatchObject({ ok: false, error: { code: 'CANNOT_MAP' } });
    expect(a.error.message).toMatch(/metadata.*inv_items = "SKU:qty,SKU:qty"/);
    expect(b.result.ignored).toMatch(/--accept-test-events/);
    expect(c.result.ignored).toMatch(/does not act on customer.created/);
    expect(r.stderr).toMatch(/1 of 3 notifications failed/);
    expect(s.stock('MUG').reserved).toBe(0);
    const t = s.run(['apply', '--from', 'stripe', '--accept-test-events', '-'], ndjson([test]));
    expect(s.results(t.stdout)[0].result.steps).toEqual(['place', 'pay']);
  });

  it('Shopify: paid before create places from the paid body; ids past 2^53 keep their digits; create later is a duplicate', () => {
    const s = shop('on-order');
    const paid = `{"topic":"orders/paid","event_id":"e-paid","payload":${bigShopifyBody({ financial_status: 'paid' })}}`;
    const create = `{"topic":"orders/create","event_id":"e-create","payload":${bigShopifyBody()}}`;
    const r = s.run(['apply', '--from', 'shopify', '-'], [paid, create, paid].join('\n'));
    expect(r.code).toBe(0);
    const lines = s.results(r.stdout);
    expect(lines.map((l) => [l.result.steps, l.result.duplicate])).toEqual([
      [['place', 'pay'], false],
      [[], true],
      [[], true],
    ]);
    expect(lines[0].result.order).toMatchObject({ id: 'shopify:820982911946154508', status: 'paid', provider: 'card' });
    expect(s.stock('IPOD2008RED')).toMatchObject({ onHand: 1, reserved: 0 });
    expect(s.run(['order', 'show', 'shopify:820982911946154508', '--json']).json.status).toBe('paid');
  });

  it('an unknown payment method is refused naming it and the command; mapped, the same file applies', () => {
    const s = shop();
    const order = shopifyOrder({ payment_gateway_names: ['Mercado Pago'], financial_status: 'pending' });
    const input = ndjson([{ topic: 'orders/create', payload: order }]);
    const r = s.run(['apply', '--from', 'shopify', '-'], input);
    expect(r.code).toBe(2);
    const [line] = s.results(r.stdout);
    expect(line.error.message).toMatch(/unknown payment method "shopify:mercado pago"/);
    expect(line.error.hint).toBe('inv provider map "shopify:mercado pago" PROVIDER   (see inv provider list)');
    const m = s.run(['provider', 'map', 'shopify:Mercado Pago', 'pix', '--json']);
    expect(m.json).toEqual({ method: 'shopify:mercado pago', provider: 'pix', before: null });
    expect(s.run(['provider', 'map', 'shopify:x', 'nosuch']).code).toBe(2);
    expect(s.run(['provider', 'methods', '--json']).json.methods).toContainEqual({
      method: 'shopify:mercado pago',
      provider: 'pix',
      source: 'shop',
    });
    const ok = s.run(['apply', '--from', 'shopify', '-'], input);
    expect(ok.code).toBe(0);
    expect(s.results(ok.stdout)[0].result.order).toMatchObject({ provider: 'pix', status: 'pending', reserved: 3 });
  });

  it('WooCommerce: statuses in order and a stale one again; failed releases, a late processing pays', () => {
    const s = shop('on-order');
    const rec = (status: string) => ({ topic: 'order.updated', payload: wooOrder({ status }) });
    const r = s.run(
      ['apply', '--from', 'woocommerce', '-'],
      ndjson([rec('pending'), rec('on-hold'), rec('failed'), rec('processing'), rec('failed')]),
    );
    expect(r.code).toBe(0);
    const lines = s.results(r.stdout);
    expect(lines.map((l) => l.result.steps)).toEqual([['place'], [], ['fail'], ['pay'], []]);
    expect(lines[3].result.order).toMatchObject({ status: 'paid', latePayment: true, provider: 'bank-transfer' });
    expect(lines[4].result.duplicate).toBe(true);
    expect(s.stock('WOO-1')).toMatchObject({ onHand: 2, reserved: 0 });
    expect(s.run(['verify', '--json']).json.ok).toBe(true);
  });

  it('refunds put the units back only with --restock-refunds, once; partial and unpaid ones say why not', () => {
    const s = shop('on-payment');
    // An order placed by its PaymentIntent (no order_id: the intent's id is the order's); its charge names the intent.
    const pi = { id: 'pi_9', object: 'payment_intent', metadata: { inv_items: 'MUG:2,TEE:1' } };
    const charge = (refunded: boolean, amount_refunded: number) => ({
      id: 'ch_9',
      object: 'charge',
      amount: 3600,
      amount_refunded,
      refunded,
      payment_intent: 'pi_9',
      metadata: {},
    });
    const paid = stripeEvent('payment_intent.succeeded', { ...pi, payment_method_types: ['card'] }, { id: 'evt_p' });
    const partial = stripeEvent('charge.refunded', charge(false, 1200), { id: 'evt_r1' });
    const full = stripeEvent('charge.refunded', charge(true, 3600), { id: 'evt_r2' });
    const again = stripeEvent('charge.refunded', charge(true, 3600), { id: 'evt_r3' });
    const events = ndjson([paid, partial, full, again]);

    // Not asked: the refund is ignored, saying how to ask; the stock stays taken.
    const plain = s.run(['apply', '--from', 'stripe', '-'], events);
    expect(plain.code).toBe(0);
    expect(s.results(plain.stdout)[2].result.ignored).toMatch(/--restock-refunds/);
    expect(s.stock('MUG').onHand).toBe(3);

    // Asked (the same events again, as a replay): the full refund brings the order back once, by its PaymentIntent.
    const r = s.run(['apply', '--from', 'stripe', '--restock-refunds', '-'], events);
    expect(r.code).toBe(0);
    const lines = s.results(r.stdout).map((l) => l.result);
    expect(lines[0].duplicate).toBe(true);
    expect(lines[1].ignored).toMatch(/partial refund \(1200 of 3600/);
    expect(lines[2]).toMatchObject({
      steps: ['restock'],
      order: { id: 'pi_9', status: 'paid' },
      restocked: [
        { sku: 'MUG', qty: 2 },
        { sku: 'TEE', qty: 1 },
      ],
    });
    expect(lines[3]).toMatchObject({ steps: [], duplicate: true });
    expect(s.stock('MUG')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(s.stock('TEE')).toMatchObject({ onHand: 5, reserved: 0 });
    const moves = s.run(['history', 'MUG', '--json']).json.movements;
    expect(moves.at(-1)).toMatchObject({
      reason: 'adjust',
      onHandDelta: 2,
      note: 'refund of order pi_9 (stripe:evt_r2)',
    });
    const again2 = s.run(['apply', '--from', 'stripe', '--restock-refunds', '-'], ndjson([full]));
    expect(s.results(again2.stdout)[0].result.duplicate).toBe(true);
    expect(s.stock('MUG').onHand).toBe(5);

    // Shopify lists what it restocked; a refund of an order never paid puts nothing back.
    const order = shopifyOrder({ financial_status: 'paid' });
    const refund = {
      id: 509562969,
      order_id: 450789469,
      refund_line_items: [
        { quantity: 2, restock_type: 'return', line_item: { sku: 'IPOD2008RED' } },
        { quantity: 1, restock_type: 'no_restock', line_item: { sku: 'IPOD2008GREEN' } },
      ],
    };
    const sh = s.run(
      ['apply', '--from', 'shopify', '--restock-refunds', '-'],
      ndjson([
        { topic: 'orders/paid', payload: order },
        { topic: 'refunds/create', event_id: 'e-refund', payload: refund },
        { topic: 'refunds/create', event_id: 'e-refund', payload: refund },
      ]),
    );
    expect(s.results(sh.stdout).map((l) => [l.result.steps, l.result.restocked])).toEqual([
      [['place', 'pay'], undefined],
      [['restock'], [{ sku: 'IPOD2008RED', qty: 2 }]],
      [[], undefined],
    ]);
    expect(s.stock('IPOD2008RED').onHand).toBe(3);
    expect(s.stock('IPOD2008GREEN').onHand).toBe(2);
    const woo = s.run(
      ['apply', '--from', 'woocommerce', '--restock-refunds', '-'],
      ndjson([
        { topic: 'order.created', payload: wooOrder({ status: 'on-hold' }) },
        { topic: 'order.updated', payload: wooOrder({ status: 'refunded' }) },
      ]),
    );
    expect(s.results(woo.stdout)[1].result.ignored).toMatch(/is pending: its units were never taken/);
    expect(s.stock('WOO-1')).toMatchObject({ onHand: 4 });
    expect(s.run(['verify', '--json']).json.ok).toBe(true);

    const bad = s.run(['apply', '--restock-refunds', '-'], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--restock-refunds is for a platform's notifications: add --from/);
  });

  it('refuses an unknown platform and unreadable input', () => {
    const s = shop();
    const bad = s.run(['apply', '--from', 'paypal', '-'], '{}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from "paypal": use stripe, shopify, woocommerce/);
    const junk = s.run(['apply', '--from', 'stripe', '-'], 'not json\n');
    expect(junk.code).toBe(2);
  });
});
