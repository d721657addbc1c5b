/**
 * Payloads of the platforms' published shapes, for the adapter and e2e tests:
 * - Stripe: the Event object (docs.stripe.com/api/events/object), Checkout Session
 *   (docs.stripe.com/api/checkout/sessions/object) and PaymentIntent objects.
 * - Shopify: the Order resource (shopify.dev/docs/api/admin-rest/latest/resources/order;
 *   Shopify/shopify-api-ruby test/fixtures/order.json).
 * - WooCommerce: the REST API v3 order (woocommerce.github.io/woocommerce-rest-api-docs/#order-properties).
 */
export const stripeEvent = (type: string, object: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: 'evt_1PqR2sT3uV4wX5yZ',
  object: 'event',
  api_version: '2024-06-20',
  created: 1764756000,
  livemode: true,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
  data: { object },
  ...over,
});

export const session = (over: Record<string, unknown> = {}) => ({
  id: 'cs_live_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdefABCDEFGHIJ',
  object: 'checkout.session',
  mode: 'payment',
  client_reference_id: null,
  metadata: { order_id: 'A-1001', inv_items: 'MUG:2,TEE:1' },
  payment_method_types: ['card'],
  payment_status: 'paid',
  status: 'complete',
  amount_total: 3600,
  currency: 'eur',
  livemode: true,
  ...over,
});

/** A Shopify order webhook body, as shopify-api-ruby's fixture (ids small enough for a JS number; see bigShopifyBody). */
export const shopifyOrder = (over: Record<string, unknown> = {}) => ({
  id: 450789469,
  name: '#1001',
  cancelled_at: null,
  financial_status: 'pending',
  gateway: 'bogus',
  payment_gateway_names: ['bogus'],
  test: false,
  updated_at: '2026-12-03T10:00:00-05:00',
  line_items: [
    { id: 466157049, quantity: 1, sku: 'IPOD2008GREEN', title: 'IPod Nano - 8gb', variant_id: 808950810 },
    { id: 518995019, quantity: 2, sku: 'IPOD2008RED', title: 'IPod Nano - 8gb', variant_id: 49148385 },
  ],
  ...over,
});

/** The body as Shopify sends it today: ids of 19 digits, past 2^53, as bare JSON integers. */
export const bigShopifyBody = (over: Record<string, unknown> = {}): string =>
  JSON.stringify(shopifyOrder(over))
    .replace('"id":450789469', '"id":820982911946154508')
    .replace('"id":466157049', '"id":866550311766439020');

export const wooOrder = (over: Record<string, unknown> = {}) => ({
  id: 727,
  parent_id: 0,
  status: 'pending',
  currency: 'USD',
  date_modified_gmt: '2026-12-03T10:00:00',
  total: '29.35',
  payment_method: 'bacs',
  payment_method_title: 'Direct Bank Transfer',
  set_paid: false,
  line_items: [
    { id: 315, name: 'Woo Single #1', product_id: 93, variation_id: 0, quantity: 2, sku: 'WOO-1', total: '6.00' },
  ],
  ...over,
});
