/**
 * The platform adapters on payloads of the platforms' published shapes:
 * - Stripe: the Event object (docs.stripe.com/api/events/object) and the
 *   Checkout Session / PaymentIntent objects; the samples in
 *   supabase/stripe-sync-engine packages/fastify-app/src/test/stripe/*.json.
 * - Shopify: the Order resource (shopify.dev/docs/api/admin-rest/latest/resources/order,
 *   Shopify/shopify-api-ruby test/fixtures/order.json), with the 19-digit ids of today's stores;
 *   the Refund resource of refunds/create (shopify.dev/docs/api/admin-rest/latest/resources/refund:
 *   `order_id`, `refund_line_items[].restock_type` return / cancel / no_restock, the older
 *   `restock: true`; the same fields in public clients' types, e.g. stackthatcode/ProfitWise
 *   Push.Shopify/Model/RefundLineItem.cs).
 * - WooCommerce: the REST API v3 order (woocommerce.github.io/woocommerce-rest-api-docs/#order-properties).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvError } from '../../src/core/errors.js';
import { chooseProvider, providerFor } from '../../src/core/payment-methods.js';
import { CATALOGUE } from '../../src/core/providers.js';
import { deliveryOf, parsePayload, recordsOf, translate } from '../../src/io/platforms/index.js';
import { bigShopifyBody, session, shopifyOrder, stripeEvent, wooOrder } from './platform-payloads.js';

const SAMPLES = resolve(__dirname, '..', '..', '..', 'shared', 'webhook-samples');

const err = (fn: () => unknown): InvError => {
  try {
    fn();
  } catch (e) {
    return e as InvError;
  }
  throw new Error('did not throw');
};

describe('Stripe', () => {
  it('checkout.session.completed: paid → place and pay; unpaid → place (a voucher); items and order id from metadata', () => {
    const paid = translate('stripe', { body: stripeEvent('checkout.session.completed', session()), headers: {} });
    expect(paid).toMatchObject({
      eventId: 'stripe:evt_1PqR2sT3uV4wX5yZ',
      test: false,
      action: {
        orderId: 'A-1001',
        transition: 'pay',
        methods: ['stripe:card'],
        lines: [
          { sku: 'MUG', qty: 2 },
          { sku: 'TEE', qty: 1 },
        ],
      },
    });
    const unpaid = translate('stripe', {
      body: stripeEvent(
        'checkout.session.completed',
        session({ payment_status: 'unpaid', payment_method_types: ['card', 'oxxo'] }),
      ),
      headers: {},
    });
    expect(unpaid.action).toMatchObject({ transition: null, methods: ['stripe:card', 'stripe:oxxo'] });
  });

  it('the async, expired and PaymentIntent events; test mode flagged; refunds and others ignored', () => {
    const t = (type: string, o: Record<string, unknown>) =>
      translate('stripe', { body: stripeEvent(type, o), headers: {} }).action;
    expect(t('checkout.session.async_payment_succeeded', session())).toMatchObject({ transition: 'pay' });
    expect(t('checkout.session.async_payment_failed', session())).toMatchObject({ transition: 'fail' });
    expect(t('checkout.session.expired', session())).toMatchObject({ transition: 'cancel' });
    const pi = {
      id: 'pi_3Abc',
      object: 'payment_intent',
      metadata: { order_id: 'B-7' },
      payment_method_types: ['sepa_debit'],
    };
    expect(t('payment_intent.processing', pi)).toMatchObject({ transition: null, orderId: 'B-7', lines: null });
    expect(t('payment_intent.succeeded', pi)).toMatchObject({ transition: 'pay' });
    expect(t('payment_intent.payment_failed', pi)).toMatchObject({ transition: 'fail' });
    expect(t('payment_intent.canceled', pi)).toMatchObject({ transition: 'cancel' });
    expect(t('payment_intent.succeeded', { ...pi, metadata: {} })).toMatchObject({ kind: 'ignore' });
    // A full refund brings the order back (found by metadata.order_id, else the PaymentIntent); a partial one cannot say what.
    const charge = { id: 'ch_1', object: 'charge', amount: 2500, amount_refunded: 2500, refunded: true };
    expect(t('charge.refunded', { ...charge, payment_intent: 'pi_3Abc' })).toEqual({
      kind: 'restock',
      orderId: 'pi_3Abc',
      lines: null,
      key: 'stripe:refund:pi_3Abc',
    });
    expect(t('charge.refunded', { ...charge, payment_intent: 'pi_3Abc', metadata: { order_id: 'B-7' } })).toMatchObject(
      { kind: 'restock', orderId: 'B-7' },
    );
    const partial = t('charge.refunded', { ...charge, amount_refunded: 1000, refunded: false });
    expect(partial.kind === 'ignore' && partial.reason).toMatch(/partial refund \(1000 of 2500/);
    expect(t('customer.created', { id: 'cus_1' })).toMatchObject({ kind: 'ignore' });
    const test = translate('stripe', {
      body: stripeEvent('checkout.session.completed', session(), { livemode: false }),
      headers: {},
    });
    expect(test.test).toBe(true);
  });

  it('without metadata the order id is client_reference_id, else the session id cut to 64; items missing are said', () => {
    const a = translate('stripe', {
      body: stripeEvent('checkout.session.completed', session({ metadata: {}, client_reference_id: 'cart-9' })),
      headers: {},
    }).action;
    expect(a).toMatchObject({ orderId: 'cart-9', lines: null });
    expect(a.kind === 'order' && a.noLines).toMatch(/inv_items = "SKU:qty,SKU:qty"/);
    const b = translate('stripe', {
      body: stripeEvent('checkout.session.completed', session({ metadata: {} })),
      headers: {},
    }).action;
    expect(b.kind === 'order' && b.orderId.length).toBe(64);
    expect(
      err(() =>
        translate('stripe', {
          body: stripeEvent('checkout.session.completed', session({ metadata: { inv_items: 'MUG' } })),
          headers: {},
        }),
      ).code,
    ).toBe('CANNOT_MAP');
  });

  it('refuses what is not a Stripe event as unreadable', () => {
    expect(err(() => translate('stripe', { body: [1], headers: {} })).code).toBe('INVALID_INPUT');
    expect(err(() => translate('stripe', { body: { id: 'evt_1', type: 'x' }, headers: {} })).code).toBe(
      'INVALID_INPUT',
    );
  });

  it.skipIf(!existsSync(SAMPLES))(
    'the published sample of a paid session without line items (stripe-sync-engine)',
    () => {
      const body = parsePayload(
        readFileSync(`${SAMPLES}/stripe_checkout.session.completed_paid_no_line_items.json`, 'utf8'),
      );
      const t = translate('stripe', { body, headers: {} });
      expect(t.action).toMatchObject({
        transition: 'pay',
        lines: null,
        methods: ['stripe:card', 'stripe:klarna', 'stripe:link', 'stripe:paypal'],
      });
      // A charge refunded whole, with empty metadata: its PaymentIntent names the order.
      const refund = parsePayload(readFileSync(`${SAMPLES}/stripe_charge.refunded.json`, 'utf8'));
      expect(translate('stripe', { body: refund, headers: {} }).action).toMatchObject({
        kind: 'restock',
        orderId: 'pi_3Kl36gJDPojXS6LN02fQVtKR',
        lines: null,
      });
    },
  );
});

describe('Shopify', () => {
  it('keeps every digit of ids past 2^53', () => {
    const text =
      '{"id":820982911946154508,"n":[1234567890123456789,-9007199254740993],"s":"9007199254740993","f":1.5e3}';
    expect(parsePayload(text)).toEqual({
      id: '820982911946154508',
      n: ['1234567890123456789', '-9007199254740993'],
      s: '9007199254740993',
      f: 1500,
    });
    expect(String(JSON.parse(text).id)).not.toBe('820982911946154508');
    const body = parsePayload(bigShopifyBody());
    const t = translate('shopify', { body, headers: { 'x-shopify-topic': 'orders/create' } });
    expect(t.action).toMatchObject({ orderId: 'shopify:820982911946154508' });
  });

  it('topics: create by financial_status, paid, cancelled, updated voided → fail; the event id from the headers', () => {
    const body = parsePayload(
      '{"id":820982911946154508,"financial_status":"pending","cancelled_at":null,"payment_gateway_names":["bogus"],"line_items":[{"sku":"A","quantity":2}]}',
    );
    const t = (topic: string, b: unknown = body, headers: Record<string, string> = {}) =>
      translate('shopify', { body: b, headers: { 'x-shopify-topic': topic, ...headers } });
    expect(t('orders/create').action).toMatchObject({
      orderId: 'shopify:820982911946154508',
      transition: null,
      methods: ['shopify:bogus'],
      lines: [{ sku: 'A', qty: 2 }],
    });
    expect(t('orders/create', { ...(body as object), financial_status: 'paid' }).action).toMatchObject({
      transition: 'pay',
    });
    expect(t('orders/paid').action).toMatchObject({ transition: 'pay' });
    expect(t('orders/cancelled').action).toMatchObject({ transition: 'cancel' });
    expect(t('orders/updated', { ...(body as object), financial_status: 'voided' }).action).toMatchObject({
      transition: 'fail',
    });
    expect(t('orders/fulfilled').action.kind).toBe('ignore');
    expect(t('orders/paid', body, { 'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5' }).eventId).toBe(
      'shopify:98880550-7158-44d4-b7cd-2c97c8a091b5',
    );
    expect(t('orders/paid', body, { 'shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' }).eventId).toBe(
      'shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    );
    expect(t('orders/paid').eventId).toBe('shopify:820982911946154508:pay');
  });

  it('refunds/create: the lines restocked in Shopify (return, cancel) come back, no_restock ones do not', () => {
    const refund = parsePayload(
      `{"id":509562969,"order_id":820982911946154508,"refund_line_items":[
        {"quantity":1,"restock_type":"return","line_item":{"sku":"A","quantity":2}},
        {"quantity":3,"restock_type":"no_restock","line_item":{"sku":"B","quantity":3}},
        {"quantity":1,"restock_type":"cancel","line_item":{"sku":"A","quantity":2}}]}`,
    );
    const t = translate('shopify', { body: refund, headers: { 'x-shopify-topic': 'refunds/create' } });
    expect(t).toMatchObject({
      eventId: 'shopify:refund:509562969',
      type: 'refunds/create',
      action: {
        kind: 'restock',
        orderId: 'shopify:820982911946154508',
        key: 'shopify:refund:509562969',
        lines: [
          { sku: 'A', qty: 1 },
          { sku: 'A', qty: 1 },
        ],
      },
    });
    const none = translate('shopify', {
      body: {
        id: 1,
        order_id: 2,
        refund_line_items: [{ quantity: 1, restock_type: 'no_restock', line_item: { sku: 'A' } }],
      },
      headers: { 'x-shopify-topic': 'refunds/create' },
    });
    expect(none.action.kind === 'ignore' && none.action.reason).toMatch(/restocks nothing/);
    const legacy = translate('shopify', {
      body: {
        id: 3,
        order_id: 2,
        restock: true,
        refund_line_items: [{ quantity: 1, restock_type: null, line_item: { sku: 'A' } }],
      },
      headers: { 'x-shopify-topic': 'refunds/create' },
    });
    expect(legacy.action).toMatchObject({ kind: 'restock', lines: [{ sku: 'A', qty: 1 }] });
  });

  it('a line item without a SKU is refused as not mappable, naming it', () => {
    const e = err(() =>
      translate('shopify', {
        body: shopifyOrder({ line_items: [{ quantity: 1, sku: '', title: 'Gift card' }] }),
        headers: {},
      }),
    );
    expect(e.code).toBe('CANNOT_MAP');
    expect(e.message).toMatch(/Gift card.*no SKU/);
  });

  it.skipIf(!existsSync(SAMPLES))("Shopify's sample order #1001 (shopify-api-ruby fixture)", () => {
    const { order } = parsePayload(readFileSync(`${SAMPLES}/shopify_order_rest_sample.json`, 'utf8')) as {
      order: unknown;
    };
    const t = translate('shopify', { body: order, headers: { 'x-shopify-topic': 'orders/create' } });
    expect(t.action).toMatchObject({
      orderId: 'shopify:450789469',
      transition: null,
      methods: ['shopify:authorize_net'],
    });
    expect(t.action.kind === 'order' && t.action.lines?.map((l) => l.sku)).toEqual([
      'IPOD2008GREEN',
      'IPOD2008RED',
      'IPOD2008BLACK',
    ]);
  });
});

describe('WooCommerce', () => {
  it('statuses: pending and on-hold place, processing and completed pay, failed fails, cancelled cancels', () => {
    const t = (status: string, topic = 'order.updated') =>
      translate('woocommerce', { body: wooOrder({ status }), headers: { 'x-wc-webhook-topic': topic } });
    expect(t('pending', 'order.created')).toMatchObject({
      eventId: 'woocommerce:727:place',
      action: { orderId: 'woocommerce:727', transition: null, methods: ['woocommerce:bacs'] },
    });
    expect(t('on-hold').action).toMatchObject({ transition: null });
    expect(t('processing').action).toMatchObject({ transition: 'pay' });
    expect(t('completed')).toMatchObject({ eventId: 'woocommerce:727:pay' });
    expect(t('failed').action).toMatchObject({ transition: 'fail' });
    expect(t('cancelled').action).toMatchObject({ transition: 'cancel' });
    expect(t('refunded')).toMatchObject({
      eventId: 'woocommerce:727:refunded',
      action: { kind: 'restock', orderId: 'woocommerce:727', lines: null },
    });
    expect(t('processing', 'product.updated').action.kind).toBe('ignore');
  });
});

describe('payment methods', () => {
  it('the default map, the shop map first, an unknown method refused naming the command that maps it', () => {
    expect(providerFor('stripe:oxxo', {})).toBe('oxxo');
    expect(providerFor('woocommerce:bacs', { 'woocommerce:bacs': 'sepa-debit' })).toBe('sepa-debit');
    const e = err(() => providerFor('stripe:multibanco', {}));
    expect(e.code).toBe('CANNOT_MAP');
    expect(e.message).toMatch(/unknown payment method "stripe:multibanco"/);
    expect(e.hint).toMatch(/^inv provider map stripe:multibanco PROVIDER/);
    expect(chooseProvider(['stripe:card', 'stripe:oxxo'], {}, CATALOGUE, true)).toBe('oxxo');
    expect(chooseProvider(['stripe:card', 'stripe:oxxo'], {}, CATALOGUE, false)).toBe('card');
    expect(chooseProvider(['stripe:weird', 'stripe:card'], {}, CATALOGUE, false)).toBe('card');
  });
});

describe('files of notifications', () => {
  it('NDJSON, a JSON list, and stripe events list (newest first, applied oldest first)', () => {
    expect(recordsOf('{"a":1}\n\n{"a":2}\nnot json\n').map((r) => [r.line, r.value, Boolean(r.error)])).toEqual([
      [1, { a: 1 }, false],
      [3, { a: 2 }, false],
      [4, undefined, true],
    ]);
    expect(recordsOf('[{"a":1},{"a":2}]').map((r) => r.line)).toEqual([1, 2]);
    expect(
      recordsOf('{"object":"list","data":[{"n":"new"},{"n":"old"}],"has_more":false}').map((r) => r.value),
    ).toEqual([{ n: 'old' }, { n: 'new' }]);
    expect(deliveryOf('shopify', { topic: 'orders/paid', event_id: 'e1', payload: { id: 1 } })).toEqual({
      body: { id: 1 },
      headers: { 'x-shopify-topic': 'orders/paid', 'x-shopify-event-id': 'e1' },
    });
  });
});
