/**
 * The tables of an inv store and their columns, the same in every backend: what
 * `inv copy-store` and cross-backend backups copy, row by row, in this order
 * (a SKU before the movements that name it).
 */
export const TABLE_COLUMNS: readonly (readonly [table: string, columns: readonly string[]])[] = [
  ['settings', ['key', 'value']],
  ['skus', ['sku', 'name', 'on_hand', 'reserved', 'low_stock']],
  ['movements', ['id', 'at', 'sku', 'on_hand_delta', 'reserved_delta', 'reason', 'order_id', 'note']],
  [
    'orders',
    [
      'id',
      'status',
      'mode',
      'provider',
      'placed_at',
      'expires_at',
      'updated_at',
      'holding',
      'oversold_units',
      'late_payment',
      'lines',
    ],
  ],
  ['pending', ['sku', 'until', 'order_id', 'qty', 'held']],
  ['events', ['event_id', 'order_id', 'transition', 'at']],
  ['stock_events', ['event_id', 'sku', 'kind', 'at']],
  ['overrides', ['provider', 'mode']],
  ['schedule', ['id', 'mode', 'from_at', 'until_at', 'reason']],
  ['providers', ['name', 'doc']],
];

export type { TableRows } from '../core/ports.js';

/** Rows per page when a store is copied: bounded memory, few round trips. */
export const COPY_PAGE = 2000;

/** What a store that holds nothing yet may hold: the settings its schema starts with. */
export const EMPTY_SETTINGS: Record<string, string> = { base_mode: 'on-payment' };

export class NotEmpty extends Error {}
