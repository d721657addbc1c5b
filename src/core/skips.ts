/**
 * Rows of a platform export that an import skips rather than refuses (SPEC section 4).
 */
/** Why a row of a platform export is left out (SPEC section 4). Stable: used as JSON keys. */
export type SkipReason = 'no-sku' | 'not-tracked' | 'not-stocked' | 'not-a-variant' | 'placeholder' | 'other-location';

export const SKIP_TEXT: Record<SkipReason, string> = {
  'no-sku': 'no SKU',
  'not-tracked': 'stock not tracked',
  'not-stocked': 'not stocked at this location',
  'not-a-variant': 'not a variant (an image or product-only row)',
  placeholder: 'a product whose variants carry the stock',
  'other-location': 'another location than --location',
};
