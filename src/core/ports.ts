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

export interface Store {
  close(): void;
  getPolicy(nowMs: number): Promise<Policy>;
  setBaseMode(mode: Mode): Promise<Mode>;
  setOverride(provider: string, mode: Mode | null): Promise<Mode | null>;
  addWindow(w: Omit<ScheduleWindow, 'id'>, nowMs: number): Promise<ScheduleWindow>;
  cancelWindow(id: number): Promise<ScheduleWindow>;

  customProviders(): Promise<Provider[]>;
  saveProvider(p: Provider): Promise<void>;

  listStock(q: { skus?: string[]; nowMs: number }): Promise<StockItem[]>;
  stockDetail(sku: string, nowMs: number): Promise<StockDetail>;
  adjustStock(a: { sku: string; set?: number; add?: number; name?: string; lowStock?: number | null; note?: string; nowMs: number }): Promise<Adjusted>;
  history(sku: string): Promise<{ sku: string; movements: Movement[] }>;
  verify(): Promise<Problem[]>;
  isEmpty(): Promise<boolean>;

  placeOrder(p: PlaceInput): Promise<OrderDoc>;
  notify(n: NotifyInput): Promise<OrderDoc>;
  expireDue(nowMs: number): Promise<string[]>;
  getOrder(id: string, nowMs: number): Promise<OrderDoc>;
  listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]>;
}
