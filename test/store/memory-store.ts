/**
 * A Store kept in memory, for the contract suite: the same core plans as the
 * real backends (src/core/orders.ts), over Maps. Every operation works on a copy
 * and swaps it in only when it succeeds, so a refused call changes nothing — the
 * transaction of a real store. What only a file or a server can do (imports,
 * backups) is refused.
 */
import { mergeLines, type OrderStatus } from '../../src/core/lifecycle.js';
import type { Mode, Policy, ScheduleWindow } from '../../src/core/modes.js';
import {
  type OrderState,
  type StockChange,
  type Step,
  history,
  holders,
  orderDoc,
  orderExists,
  outOfStock,
  placeAgain,
  planExpiry,
  planNotify,
  planPlace,
  stockItem,
  unknownOrder,
  unknownSku,
} from '../../src/core/orders.js';
import type {
  AdjustInput,
  AppliedPolicy,
  PolicyPlan,
  Adjusted,
  BatchOutcome,
  ImportBatch,
  NotifyInput,
  OrderDoc,
  PlaceInput,
  Problem,
  StockItem,
  Store,
  TableRows,
} from '../../src/core/ports.js';
import { failsTheStore, RefusedError } from '../../src/core/errors.js';
import { findProvider, mergeCatalogue, tuneProvider, type Provider } from '../../src/core/providers.js';
import { adjustedAgain, adjustment, stockEventSeen, type SeenStockEvent } from '../../src/core/stock.js';

interface Sku {
  name: string;
  onHand: number;
  reserved: number;
  lowStock: number | null;
}
interface Pend {
  sku: string;
  until: number;
  orderId: string;
  qty: number;
  held: boolean;
}
interface Data {
  base: Mode;
  overrides: Map<string, Mode>;
  schedule: ScheduleWindow[];
  nextWindow: number;
  providers: Map<string, Provider>;
  skus: Map<string, Sku>;
  ledger: StockChange[];
  orders: Map<string, OrderState>;
  pending: Pend[];
  events: Map<string, { orderId: string; transition: string }>;
  methods: Map<string, string>;
  stockEvents: Map<string, SeenStockEvent>;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryStore implements Store {
  readonly label = 'memory';
  private d: Data = {
    base: 'on-payment',
    overrides: new Map(),
    schedule: [],
    nextWindow: 1,
    providers: new Map(),
    skus: new Map(),
    ledger: [],
    orders: new Map(),
    pending: [],
    events: new Map(),
    methods: new Map(),
    stockEvents: new Map(),
  };

  close(): void {}

  /**
   * A batch keeps the data it started from (the transaction) and, before each
   * operation, the data as it was then (the savepoint): every operation swaps in
   * a new copy, so going back is putting the old one back.
   */
  readonly batchLimit = 4000;

  async batch<T>(ops: readonly (() => Promise<T>)[], o: { stopOnFailure?: boolean } = {}): Promise<BatchOutcome<T>[]> {
    const start = this.d;
    const out: BatchOutcome<T>[] = [];
    try {
      for (const op of ops) {
        const savepoint = this.d;
        try {
          out.push({ ok: true, value: await op() });
        } catch (error) {
          if (failsTheStore(error)) throw error;
          this.d = savepoint;
          out.push({ ok: false, error });
          if (o.stopOnFailure) break;
        }
      }
    } catch (e) {
      this.d = start;
      throw e;
    }
    return out;
  }

  /** Runs `fn` on a copy of the data; the copy becomes the store only if `fn` succeeds. */
  private async tx<T>(fn: (d: Data) => T): Promise<T> {
    const copy: Data = structuredClone(this.d);
    const r = fn(copy);
    this.d = copy;
    return r;
  }

  private async view<T>(fn: (d: Data) => T): Promise<T> {
    return fn(this.d);
  }

  private unsupported(what: string): never {
    throw new Error(`the memory store does not ${what}`);
  }

  backup(): Promise<{ pages: number; file: string }> {
    this.unsupported('write backups');
  }
  restore(): never {
    this.unsupported('restore backups');
  }
  beginImport(): Promise<ImportBatch> {
    this.unsupported('import files');
  }
  // biome-ignore lint/correctness/useYield: it refuses before yielding
  async *exportRows(): AsyncGenerator<TableRows> {
    this.unsupported('export rows');
  }
  importRows(): Promise<Record<string, number>> {
    this.unsupported('import rows');
  }

  private dueHeld(d: Data, sku: string, nowMs: number): number {
    return d.pending.filter((p) => p.sku === sku && p.held && p.until <= nowMs).reduce((n, p) => n + p.qty, 0);
  }

  private item(d: Data, sku: string, nowMs: number): StockItem {
    const s = d.skus.get(sku);
    if (!s) throw unknownSku(sku);
    return stockItem({ sku, ...s }, this.dueHeld(d, sku, nowMs));
  }

  private move(d: Data, m: StockChange): void {
    if (m.onHandDelta === 0 && m.reservedDelta === 0) return;
    const s = d.skus.get(m.sku)!;
    s.onHand += m.onHandDelta;
    s.reserved += m.reservedDelta;
    d.ledger.push(m);
  }

  private policy(d: Data, nowMs: number): Policy {
    return {
      base: d.base,
      overrides: Object.fromEntries([...d.overrides].sort(([a], [b]) => byKey(a, b))),
      schedule: d.schedule
        .filter((w) => Date.parse(w.until) > nowMs)
        .sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || a.id - b.id),
    };
  }

  getPolicy(nowMs: number): Promise<Policy> {
    return this.view((d) => this.policy(d, nowMs));
  }
  async setBaseMode(mode: Mode): Promise<Mode> {
    return (await this.setPolicy({ base: mode })).base;
  }
  async setOverride(provider: string, mode: Mode | null): Promise<Mode | null> {
    return (await this.setPolicy({ overrides: { [provider]: mode } })).overrides[provider];
  }
  setPolicy(p: { base?: Mode; overrides?: Record<string, Mode | null> }) {
    return this.tx((d) => {
      const was = { base: d.base, overrides: {} as Record<string, Mode | null> };
      for (const [provider, mode] of Object.entries(p.overrides ?? {})) {
        was.overrides[provider] = d.overrides.get(provider) ?? null;
        if (mode) d.overrides.set(provider, mode);
        else d.overrides.delete(provider);
      }
      if (p.base) d.base = p.base;
      return was;
    });
  }
  applyPolicy(plan: PolicyPlan): Promise<AppliedPolicy> {
    return this.tx((d) => {
      const was = {
        base: d.base,
        overrides: {} as Record<string, Mode | null>,
        windows: {} as Record<string, number | null>,
      };
      for (const [provider, mode] of Object.entries(plan.overrides)) {
        was.overrides[provider] = d.overrides.get(provider) ?? null;
        if (mode) d.overrides.set(provider, mode);
        else d.overrides.delete(provider);
      }
      d.base = plan.base;
      for (const [name, hours] of Object.entries(plan.windows)) {
        const existing = mergeCatalogue([...d.providers.values()]).find((p) => p.name === name);
        was.windows[name] = existing?.windowHours ?? null;
        d.providers.set(name, tuneProvider(existing, name, { windowHours: hours }));
      }
      let window: ScheduleWindow | null = null;
      if (plan.schedule) {
        window = { ...plan.schedule, id: d.nextWindow++ };
        d.schedule.push(window);
      }
      return { was, window };
    });
  }
  addWindow(w: Omit<ScheduleWindow, 'id'>): Promise<ScheduleWindow> {
    return this.tx((d) => {
      const win = { ...w, id: d.nextWindow++ };
      d.schedule.push(win);
      return win;
    });
  }
  cancelWindow(id: number): Promise<ScheduleWindow> {
    return this.tx((d) => {
      const w = d.schedule.find((x) => x.id === id);
      if (!w) throw new RefusedError('UNKNOWN_SCHEDULE', `no scheduled window with id ${id}`);
      d.schedule = d.schedule.filter((x) => x.id !== id);
      return w;
    });
  }
  customProviders(): Promise<Provider[]> {
    return this.view((d) => [...d.providers.values()].sort((a, b) => byKey(a.name, b.name)));
  }
  methodMap(): Promise<Record<string, string>> {
    return this.view((d) => Object.fromEntries([...d.methods].sort(([a], [b]) => byKey(a, b))));
  }
  mapMethod(method: string, provider: string | null): Promise<string | null> {
    return this.tx((d) => {
      const before = d.methods.get(method) ?? null;
      if (provider === null) d.methods.delete(method);
      else d.methods.set(method, provider);
      return before;
    });
  }
  tuneProvider(name: string, tune: (existing: Provider | undefined) => Provider) {
    return this.tx((d) => {
      const existing = mergeCatalogue([...d.providers.values()]).find((p) => p.name === name);
      const provider = tune(existing);
      d.providers.set(provider.name, provider);
      return { created: !existing, provider };
    });
  }

  listStock(q: { skus?: string[]; nowMs: number }): Promise<StockItem[]> {
    return this.view((d) =>
      (q.skus?.length ? q.skus : [...d.skus.keys()].sort(byKey)).map((sku) => this.item(d, sku, q.nowMs)),
    );
  }
  async *iterateStock(nowMs: number): AsyncGenerator<StockItem> {
    for (const i of await this.listStock({ nowMs })) yield i;
  }
  stockDetail(sku: string, nowMs: number) {
    return this.view((d) => {
      const item = this.item(d, sku, nowMs);
      const rows = d.pending
        .filter((p) => p.sku === sku)
        .map((p) => ({ p, o: d.orders.get(p.orderId)! }))
        .sort((a, b) => a.o.placedAt - b.o.placedAt || byKey(a.o.id, b.o.id))
        .map(({ p, o }) => ({
          orderId: o.id,
          provider: o.provider,
          mode: o.mode,
          placedAt: o.placedAt,
          expiresAt: o.expiresAt,
          qty: p.qty,
          held: p.held,
        }));
      return { ...item, ...holders(rows, nowMs) };
    });
  }
  createSkus(
    items: readonly { sku: string; name: string; qty: number; lowStock: number | null }[],
    note: string,
    nowMs: number,
  ) {
    return this.tx((d) => {
      const created: string[] = [];
      for (const it of items) {
        if (d.skus.has(it.sku)) continue;
        const delta = adjustment({ onHand: 0, reserved: 0 }, { set: it.qty }, it.sku);
        d.skus.set(it.sku, { name: it.name, onHand: 0, reserved: 0, lowStock: it.lowStock });
        this.move(d, {
          sku: it.sku,
          onHandDelta: delta,
          reservedDelta: 0,
          reason: 'adjust',
          orderId: null,
          note,
          at: nowMs,
        });
        created.push(it.sku);
      }
      return created;
    });
  }
  adjustStock(a: AdjustInput): Promise<Adjusted> {
    return this.tx((d) => {
      let s = d.skus.get(a.sku);
      const kind = a.set !== undefined ? 'set' : 'add';
      if (a.eventId !== undefined) {
        if (stockEventSeen(a.eventId, d.stockEvents.get(a.eventId), { sku: a.sku, kind })) {
          if (!s) throw unknownSku(a.sku);
          return adjustedAgain({ sku: a.sku, ...s, reserved: s.reserved - this.dueHeld(d, a.sku, a.nowMs) });
        }
        d.stockEvents.set(a.eventId, { sku: a.sku, kind });
      }
      const created = !s;
      if (!s) {
        if (a.set === undefined) throw unknownSku(a.sku);
        s = { name: a.name ?? '', onHand: 0, reserved: 0, lowStock: null };
        d.skus.set(a.sku, s);
      }
      const before = s.onHand;
      const reserved = s.reserved - this.dueHeld(d, a.sku, a.nowMs);
      const delta = adjustment({ onHand: before, reserved }, { set: a.set, add: a.add }, a.sku);
      if (a.name !== undefined) s.name = a.name;
      if (a.lowStock !== undefined) s.lowStock = a.lowStock;
      this.move(d, {
        sku: a.sku,
        onHandDelta: delta,
        reservedDelta: 0,
        reason: 'adjust',
        orderId: null,
        note: a.note ?? null,
        at: a.nowMs,
      });
      return {
        sku: a.sku,
        name: s.name,
        created,
        before,
        after: before + delta,
        reserved,
        available: before + delta - reserved,
      };
    });
  }
  history(sku: string) {
    return this.view((d) => {
      if (!d.skus.has(sku)) throw unknownSku(sku);
      const rows = d.ledger
        .map((m, id) => ({ m, id }))
        .filter((x) => x.m.sku === sku)
        .sort((a, b) => a.m.at - b.m.at || a.id - b.id);
      return { sku, movements: history(rows.map((x) => x.m)) };
    });
  }
  verify(): Promise<Problem[]> {
    return this.view((d) => {
      const problems: Problem[] = [];
      for (const [sku, s] of d.skus) {
        const mine = d.ledger.filter((m) => m.sku === sku);
        const oh = mine.reduce((n, m) => n + m.onHandDelta, 0);
        const rs = mine.reduce((n, m) => n + m.reservedDelta, 0);
        if (oh !== s.onHand || rs !== s.reserved)
          problems.push({
            sku,
            message: `stock says onHand ${s.onHand}, reserved ${s.reserved}; the ledger sums to onHand ${oh}, reserved ${rs}`,
          });
        if (s.reserved < 0) problems.push({ sku, message: `reserved is negative (${s.reserved})` });
        const held = d.pending.filter((p) => p.sku === sku && p.held).reduce((n, p) => n + p.qty, 0);
        if (held !== s.reserved)
          problems.push({ sku, message: `reserved is ${s.reserved} but unpaid orders hold ${held}` });
      }
      return problems;
    });
  }
  isEmpty(): Promise<boolean> {
    return this.view((d) => d.skus.size === 0);
  }

  private order(d: Data, id: string): OrderState {
    const o = d.orders.get(id);
    if (!o) throw unknownOrder(id);
    return o;
  }
  private writeStep(d: Data, before: OrderState, step: Step): void {
    for (const m of step.movements) this.move(d, m);
    if (step.leftPending) d.pending = d.pending.filter((p) => p.orderId !== before.id);
    d.orders.set(step.order.id, step.order);
  }

  placeOrder(p: PlaceInput): Promise<OrderDoc> {
    return this.tx((d) => {
      let provider: Provider;
      try {
        provider = findProvider(mergeCatalogue([...d.providers.values()]), p.provider);
      } catch (e) {
        if (d.orders.has(p.id)) throw orderExists(p.id);
        throw e;
      }
      const existing = d.orders.get(p.id);
      if (existing) return placeAgain(existing, { provider: provider.name, lines: p.lines }, p.nowMs);
      const plan = planPlace({
        id: p.id,
        provider,
        lines: mergeLines(p.lines),
        policy: this.policy(d, Number.NEGATIVE_INFINITY),
        nowMs: p.nowMs,
      });
      for (const l of plan.lines) {
        const available = this.item(d, l.sku, p.nowMs).available;
        if (available < l.need) throw outOfStock(l.sku, available, l.qty);
        d.pending.push({ sku: l.sku, until: plan.order.expiresAt, orderId: p.id, qty: l.qty, held: l.holds });
      }
      for (const m of plan.movements) this.move(d, m);
      d.orders.set(p.id, plan.order);
      return orderDoc(plan.order, p.nowMs);
    });
  }
  notify(n: NotifyInput): Promise<OrderDoc> {
    return this.tx((d) => {
      const o = this.order(d, n.id);
      const seen = n.eventId === undefined ? undefined : d.events.get(n.eventId);
      const plan = planNotify(o, n, seen, (sku) => this.item(d, sku, n.nowMs).available);
      if (plan.kind === 'duplicate') return orderDoc(o, n.nowMs, true);
      let before = o;
      for (const step of plan.steps) {
        this.writeStep(d, before, step);
        before = step.order;
      }
      if (plan.event) d.events.set(plan.event.id, { orderId: plan.event.orderId, transition: plan.event.transition });
      return orderDoc(plan.order, n.nowMs, plan.repeat);
    });
  }
  expireDue(nowMs: number): Promise<string[]> {
    return this.tx((d) => {
      const due = [...new Set(d.pending.filter((p) => p.until <= nowMs).map((p) => p.orderId))]
        .map((id) => d.orders.get(id)!)
        .filter((o) => o.status === 'pending')
        .sort((a, b) => a.expiresAt - b.expiresAt || a.placedAt - b.placedAt || byKey(a.id, b.id));
      for (const o of due) {
        const step = planExpiry(o, nowMs);
        if (step) this.writeStep(d, o, step);
      }
      return due.map((o) => o.id);
    });
  }
  getOrder(id: string, nowMs: number): Promise<OrderDoc> {
    return this.view((d) => orderDoc(this.order(d, id), nowMs));
  }
  listOrders(q: { status?: OrderStatus; nowMs: number }): Promise<OrderDoc[]> {
    return this.view((d) =>
      [...d.orders.values()]
        .sort((a, b) => a.placedAt - b.placedAt || byKey(a.id, b.id))
        .map((o) => orderDoc(o, q.nowMs))
        .filter((o) => !q.status || o.status === q.status),
    );
  }
}
