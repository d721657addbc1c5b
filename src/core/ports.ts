/**
 * What the commands need from a store. SQLite implements it (src/store/); a
 * PostgreSQL backend for shops with several checkout servers would implement
 * the same interface, hence the Promises although better-sqlite3 is synchronous.
 * Every method is one transaction: it happens whole or not at all.
 */
import type { Mode, Policy, ScheduleWindow } from './modes.js';
import type { MovementReason, OrderStatus, Transition } from './lifecycle.js';
import type { Provider } from './providers.js';

export interface StockItem {
  sku: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStock: number | null;
  low: boolean;
  oversold: boolean;
}

export interface Holder {
  orderId: string;
  qty: number;
  provider: string;
  mode: Mode;
  placedAt: string;
  expiresAt: string;
  /** Past its window: counted as available already, released for good by `inv expire`. */
  expired: boolean;
}

export interface StockDetail extends StockItem {
  /** Unpaid on-order orders whose units are reserved. */
  holders: Holder[];
  /** Unpaid on-payment orders: they hold nothing, and take stock if they pay. */
  awaitingPayment: Holder[];
}

export interface Movement {
  at: string;
  reason: MovementReason;
  orderId: string | null;
  onHandDelta: number;
  reservedDelta: number;
  onHand: number;
  reserved: number;
  note: string | null;
}

export interface OrderLine {
  sku: string;
  qty: number;
}

export interface OrderDoc {
  id: string;
  status: OrderStatus;
  mode: Mode;
  provider: string;
  placedAt: string;
  expiresAt: string;
  updatedAt: string;
  lines: OrderLine[];
  /** Units this order holds now. */
  reserved: number;
  oversoldUnits: number;
  latePayment: boolean;
  duplicate: boolean;
}

export interface Adjusted {
  sku: string;
  name: string;
  created: boolean;
  before: number;
  after: number;
  reserved: number;
  available: number;
  /** The change was applied before under the same event id: nothing changed now (absent otherwise). */
  duplicate?: true;
}

/** What a backup file holds, checked before anything is replaced. */
export interface BackupInfo {
  file: string;
  schemaVersion: number;
  skus: number;
  orders: number;
  movements: number;
}

export interface Problem {
  sku: string | null;
  message: string;
}

export interface PlaceInput {
  id: string;
  provider: string;
  lines: OrderLine[];
  nowMs: number;
}

export interface NotifyInput {
  id: string;
  transition: Exclude<Transition, 'expire'>;
  eventId?: string;
  nowMs: number;
}

/** A page of one table's rows (its columns in the store's fixed order): how a store is copied to another. */
export interface TableRows {
  table: string;
  rows: unknown[][];
}

/** What one operation of a batch came to: its result, or the error it was refused with (its savepoint rolled back). */
export type BatchOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A change of stock by hand (stock set / stock add, or their events in inv apply). */
export interface AdjustInput {
  sku: string;
  set?: number;
  add?: number;
  name?: string;
  lowStock?: number | null;
  note?: string;
  /** Applied at most once under this id (inv apply's `event`): the same change again is a duplicate. */
  eventId?: string;
  nowMs: number;
}

export interface Store {
  close(): void | Promise<void>;
  /**
   * Group commit: runs `ops` in turn in one write transaction, each in its own
   * savepoint, and commits once after the last. An operation that throws rolls
   * back alone and its error is its outcome; the others go on (with
   * `stopOnFailure`, none after it runs). Every outcome returned is durable. A
   * failure of the store itself (locked, full, damaged; a StoreError of scope
   * "store") rolls the whole batch back and is thrown, as is a failed commit:
   * then nothing of the batch happened. Inside `ops`, call the store's own
   * methods (each is a savepoint there); never another batch.
   */
  batch<T>(ops: readonly (() => Promise<T>)[], o?: { stopOnFailure?: boolean }): Promise<BatchOutcome<T>[]>;
  /**
   * The most operations one batch should hold: many for SQLite (one fsync for
   * thousands), few for PostgreSQL, whose savepoints grow costly past 64 in one
   * transaction (its subtransaction cache overflows).
   */
  readonly batchLimit: number;
  /** What the messages call this store: a file path, or a URL with its password masked. */
  readonly label: string;
  /** Every row of every table, from one consistent snapshot, page by page (copy-store, cross-backend backups). */
  exportRows(): AsyncIterable<TableRows>;
  /**
   * Fills the store with rows exported from another, in one transaction.
   * `replace`: what it holds goes first (restore); otherwise a store that holds
   * anything is refused (copy-store never merges two shops).
   */
  importRows(pages: AsyncIterable<TableRows>, o: { replace: boolean }): Promise<Record<string, number>>;
  /** A consistent copy of the whole store, taken while others may write. */
  backup(destFile: string): Promise<{ pages: number; file: string }>;
  /** Replaces every SKU, order, movement and setting with those of a backup, in one transaction. */
  restore(backupFile: string): Promise<BackupInfo>;
  getPolicy(nowMs: number): Promise<Policy>;
  setBaseMode(mode: Mode): Promise<Mode>;
  setOverride(provider: string, mode: Mode | null): Promise<Mode | null>;
  addWindow(w: Omit<ScheduleWindow, 'id'>, nowMs: number): Promise<ScheduleWindow>;
  cancelWindow(id: number): Promise<ScheduleWindow>;

  customProviders(): Promise<Provider[]>;
  /** The shop's payment method → provider mappings (`inv provider map`), over the default map of core/payment-methods.ts. */
  methodMap(): Promise<Record<string, string>>;
  /** Maps one payment method (`stripe:oxxo`) to a provider; null removes the shop's mapping. Returns the shop's mapping before. */
  mapMethod(method: string, provider: string | null): Promise<string | null>;

  listStock(q: { skus?: string[]; nowMs: number }): Promise<StockItem[]>;
  /** Every SKU in order, one at a time, for exports of any size. */
  iterateStock(nowMs: number): Iterable<StockItem> | AsyncIterable<StockItem>;
  /**
   * Starts an import: rows are staged outside the store, then applied in one
   * transaction (SPEC section 4). `expectedBytes`: the input's size (null: not
   * known, stdin), so that a large import can stage in parallel.
   */
  beginImport(o?: { expectedBytes?: number | null }): Promise<ImportBatch>;
  stockDetail(sku: string, nowMs: number): Promise<StockDetail>;
  /** Creates the SKUs that do not exist yet, all in one transaction; existing ones are left alone. Returns the SKUs created. */
  createSkus(
    items: readonly { sku: string; name: string; qty: number; lowStock: number | null }[],
    note: string,
    nowMs: number,
  ): Promise<string[]>;
  /** Provider overrides and the base mode, changed together. Returns what they were. */
  setPolicy(p: {
    base?: Mode;
    overrides?: Record<string, Mode | null>;
  }): Promise<{ base: Mode; overrides: Record<string, Mode | null> }>;
  /**
   * A whole policy in one transaction, or nothing (issue 13: what inv advise
   * applies): base mode, provider overrides (null removes one), providers' hold
   * windows, and a scheduled window. Returns what the base, overrides and
   * windows were, and the window added.
   */
  applyPolicy(plan: PolicyPlan, nowMs: number): Promise<AppliedPolicy>;
  /** Reads, tunes and saves one provider in one transaction, so concurrent changes are not lost. */
  tuneProvider(
    name: string,
    tune: (existing: Provider | undefined) => Provider,
  ): Promise<{ created: boolean; provider: Provider }>;
  adjustStock(a: AdjustInput): Promise<Adjusted>;
  history(sku: string): Promise<{ sku: string; movements: Movement[] }>;
  verify(): Promise<Problem[]>;
  isEmpty(): Promise<boolean>;

  /** The same order placed again under its id (same provider and lines) is a duplicate, not a conflict. */
  placeOrder(p: PlaceInput): Promise<OrderDoc>;
  notify(n: NotifyInput): Promise<OrderDoc>;
  expireDue(nowMs: number): Promise<string[]>;
  getOrder(id: string, nowMs: number): Promise<OrderDoc>;
  listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]>;
}

// ── import (SPEC section 4) ──────────────────────────────────────────────────

/** One accepted row of an import file, already checked. */
export interface ImportRow {
  line: number;
  sku: string;
  qty: number;
  /** null: keep the SKU's name (a new SKU gets an empty one). */
  name: string | null;
  /** '' when the format has no locations. */
  location: string;
  /** The platform product the row belongs to; null when each row stands alone (inv formats, Magento). */
  product: string | null;
  /** undefined: keep; null: remove the threshold; n: set it. */
  lowStock?: number | null;
}

/** A SKU that appears more than once where it must not (SPEC section 4, Conflicts). */
export interface ImportConflict {
  sku: string;
  /** How many rows hold the SKU. */
  rows: number;
  /** Their lines (the first 50 at each location). */
  lines: number[];
  /** Distinct products the SKU is on (empty for formats without products). */
  products: string[];
  /** Locations that hold the SKU more than once. */
  repeatedAt: string[];
}

export interface ImportChange {
  sku: string;
  line: number;
  created: boolean;
  name: string;
  nameBefore: string | null;
  before: number | null;
  after: number;
  lowStockBefore: number | null;
  lowStock: number | null;
}

/** A row the store refuses because of its current state (units reserved). */
export interface ImportRefusal {
  sku: string;
  line: number;
  qty: number;
  message: string;
}

export interface ImportApplyOptions {
  /** Add the quantities (a delivery) instead of setting onHand to them. */
  add: boolean;
  /** How a SKU repeated at one location is resolved (conflicts were allowed). */
  duplicates: 'sum' | 'last';
  dryRun: boolean;
  /** Where the stock came from (file name or "stdin"), kept as each movement's note. */
  note: string;
  nowMs: number;
  /** List each change (always with dryRun); otherwise only counts are returned. */
  listChanges: boolean;
}

export interface ImportApplied {
  skus: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows refused by the store's rules: when not empty, nothing was written. */
  refused: ImportRefusal[];
  changes: ImportChange[] | null;
}

export interface ImportBatch {
  /** Keeps rows aside (not in the store yet); may be called many times. */
  stage(rows: ImportRow[]): Promise<void>;
  conflicts(limit: number): Promise<ImportConflict[]>;
  /** Applies everything staged in one write transaction (or, with dryRun, only computes it). */
  apply(o: ImportApplyOptions): Promise<ImportApplied>;
  /** Drops what was staged. */
  dispose(): void;
}

/** A policy to apply at once (Store.applyPolicy). */
export interface PolicyPlan {
  base: Mode;
  overrides: Record<string, Mode | null>;
  /** Hold windows in hours, by provider (tuned with the core's tuneProvider). */
  windows: Record<string, number>;
  schedule: Omit<ScheduleWindow, 'id'> | null;
}

export interface AppliedPolicy {
  was: { base: Mode; overrides: Record<string, Mode | null>; windows: Record<string, number | null> };
  window: ScheduleWindow | null;
}
