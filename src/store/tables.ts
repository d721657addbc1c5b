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

import { RefusedError } from '../core/errors.js';

export type { TableRows } from '../core/ports.js';

/** Rows per page when a store is copied: bounded memory, few round trips. */
export const COPY_PAGE = 2000;

/** What a store that holds nothing yet may hold: the settings its schema starts with. */
export const EMPTY_SETTINGS: Record<string, string> = { base_mode: 'on-payment' };

/**
 * How many leading columns of each table make its primary key (1 unless named):
 * rows are exported in key order, so every backend gives them in the same order
 * and a page boundary never falls inside a key.
 */
const KEY_WIDTH: Record<string, number> = { pending: 3 };

export const keyColumns = (table: string, columns: readonly string[]): readonly string[] =>
  columns.slice(0, KEY_WIDTH[table] ?? 1);

/**
 * Rows that are the store's own bookkeeping, not the shop's, and are not copied:
 * `config_version` only tells a process that its cached policy is stale, and
 * every store counts its own.
 */
export const NOT_COPIED: Record<string, string> = { settings: "key <> 'config_version'" };

/** A store that already holds a shop is never merged into (copy-store). */
export const notEmpty = (label: string) =>
  new RefusedError(
    'STORE_NOT_EMPTY',
    `the store ${label} already holds a shop; nothing was copied`,
    [],
    'copy into a new file or an empty database (createdb NAME)',
  );
