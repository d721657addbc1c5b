/**
 * The formats `inv import` reads (SPEC section 4) and how `--format auto`
 * recognises a CSV's header: platform signatures first, inv's own columns last
 * (Magento's `sku,quantity` and WooCommerce's `SKU,Stock` would pass as inv's).
 */
import type { Header, Layout } from '../rows.js';
import { invCsv } from './inv.js';
import { isMagento, magento } from './magento.js';
import { isShopify, shopify } from './shopify.js';
import { isWix, wix } from './wix.js';
import { isWooCommerce, wooCommerce } from './woocommerce.js';

export const FORMATS = ['auto', 'csv', 'json', 'ndjson', 'shopify', 'wix', 'woocommerce', 'magento'] as const;
export type FormatName = (typeof FORMATS)[number];
export type CsvFormat = Exclude<FormatName, 'auto' | 'json' | 'ndjson'>;

type Open = (h: Header) => Layout | { missing: string[] };

const CSV_FORMATS: { name: CsvFormat; matches: (h: Header) => boolean; open: Open }[] = [
  { name: 'magento', matches: isMagento, open: magento },
  { name: 'wix', matches: isWix, open: wix },
  { name: 'shopify', matches: isShopify, open: shopify },
  { name: 'woocommerce', matches: isWooCommerce, open: wooCommerce },
  { name: 'csv', matches: () => true, open: invCsv },
];

/** The layout for a CSV header: the named format, or with `auto` the first whose signature matches. */
export function openCsv(
  format: CsvFormat | 'auto',
  h: Header,
): { format: CsvFormat; layout: Layout | { missing: string[] } } {
  const f = format === 'auto' ? CSV_FORMATS.find((c) => c.matches(h))! : CSV_FORMATS.find((c) => c.name === format)!;
  return { format: f.name, layout: f.open(h) };
}
