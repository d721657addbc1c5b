/**
 * A platform's payment method → one of inv's providers (SPEC section 2). The
 * platforms name methods their own way (Stripe `sepa_debit`, WooCommerce `bacs`,
 * Shopify gateway names); a method is written `platform:method`, lower-case, and
 * the shop's own mappings (`inv provider map`, kept in the store's settings) win
 * over this default map. An unknown method is refused, never guessed: the
 * provider decides the payment window and the mode, so a wrong guess holds or
 * sells stock it should not.
 */
import { cannotMap, invalidInput } from './errors.js';
import type { Provider } from './providers.js';

export const PLATFORMS = ['stripe', 'shopify', 'woocommerce'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * The default map. Stripe: the `type` of a payment method
 * (docs.stripe.com/api/payment_methods/object). Shopify: `payment_gateway_names`
 * as orders carry them, lower-case. WooCommerce: the gateway ids of core and of
 * the common gateway plugins (`payment_method` on an order).
 */
export const DEFAULT_METHODS: Readonly<Record<string, string>> = {
  'stripe:card': 'card',
  'stripe:link': 'card',
  'stripe:paypal': 'paypal',
  'stripe:boleto': 'boleto',
  'stripe:konbini': 'konbini',
  'stripe:oxxo': 'oxxo',
  'stripe:pix': 'pix',
  'stripe:sepa_debit': 'sepa-debit',
  'stripe:ideal': 'ideal',
  'stripe:klarna': 'klarna',
  'stripe:customer_balance': 'bank-transfer',
  'shopify:shopify_payments': 'card',
  'shopify:bogus': 'card',
  'shopify:authorize_net': 'card',
  'shopify:stripe': 'card',
  'shopify:paypal': 'paypal',
  'shopify:komoju': 'komoju',
  'shopify:cash on delivery (cod)': 'cod',
  'shopify:bank deposit': 'bank-transfer',
  'woocommerce:bacs': 'bank-transfer',
  'woocommerce:cheque': 'bank-transfer',
  'woocommerce:cod': 'cod',
  'woocommerce:paypal': 'paypal',
  'woocommerce:ppcp-gateway': 'paypal',
  'woocommerce:stripe': 'card',
  'woocommerce:woocommerce_payments': 'card',
  'woocommerce:stripe_sepa': 'sepa-debit',
  'woocommerce:stripe_boleto': 'boleto',
  'woocommerce:stripe_oxxo': 'oxxo',
};

const METHOD = /^(stripe|shopify|woocommerce):[^\s:][^:]{0,62}$/;

/** `stripe:OXXO` → `stripe:oxxo`; refuses what is not `platform:method`. */
export function checkMethod(text: string): string {
  const m = text.trim().toLowerCase();
  if (!METHOD.test(m) || /[\u0000-\u001f\u007f]/.test(m))
    throw invalidInput(
      `payment method "${text}" must be written platform:method, e.g. stripe:oxxo, shopify:paypal or woocommerce:bacs`,
    );
  return m;
}

/** The provider for a method: the shop's mapping, else the default one; refused when neither knows it. */
export function providerFor(method: string, shopMap: Readonly<Record<string, string>>): string {
  const m = method.toLowerCase();
  const provider = shopMap[m] ?? DEFAULT_METHODS[m];
  if (provider === undefined)
    throw cannotMap(
      `unknown payment method "${m}": map it to one of inv's providers first`,
      [{ method: m }],
      `inv provider map ${/\s/.test(m) ? JSON.stringify(m) : m} PROVIDER   (see inv provider list)`,
    );
  return provider;
}

/** The default map and the shop's, as `inv provider methods` lists them. */
export function methodTable(
  shopMap: Readonly<Record<string, string>>,
): { method: string; provider: string; source: 'default' | 'shop' }[] {
  const all = new Map<string, { provider: string; source: 'default' | 'shop' }>();
  for (const [method, provider] of Object.entries(DEFAULT_METHODS)) all.set(method, { provider, source: 'default' });
  for (const [method, provider] of Object.entries(shopMap)) all.set(method, { provider, source: 'shop' });
  return [...all]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([method, v]) => ({ method, provider: v.provider, source: v.source }));
}

/**
 * The provider of an order from the methods its event names. One method: its
 * provider (refused when unknown). Several (a Checkout Session lists the methods
 * offered, not the one used): the known ones; an unpaid placing is a delayed
 * method (Stripe Checkout completes unpaid only for those), so the first delayed
 * provider, else the first known.
 */
export function chooseProvider(
  methods: readonly string[],
  shopMap: Readonly<Record<string, string>>,
  catalogue: readonly Provider[],
  unpaid: boolean,
): string {
  if (methods.length === 0)
    throw cannotMap('the event names no payment method', [], 'name the provider in metadata.inv_provider');
  if (methods.length === 1) return providerFor(methods[0], shopMap);
  const known: string[] = [];
  for (const m of methods) {
    try {
      known.push(providerFor(m, shopMap));
    } catch {
      // offered, perhaps not used: judged on the others
    }
  }
  if (known.length === 0) return providerFor(methods[0], shopMap);
  if (unpaid) {
    const delayed = known.find((p) => catalogue.find((c) => c.name === p)?.kind === 'delayed');
    if (delayed) return delayed;
  }
  return known[0];
}
