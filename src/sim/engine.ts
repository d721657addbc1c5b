/**
 * The discrete-event engine. One trial draws a sales period once (arrival
 * times, SKU, provider, and each checkout's fate: when it pays, fails or
 * expires) and then plays it under each mode on an in-memory stock, so both
 * modes see the same customers (common random numbers): their difference is
 * the policy, not noise.
 *
 * The rules are the store's: placing uses `placeEffect`, every notification
 * goes through `decide` and `lineMove` of src/core/lifecycle.ts. `decide` is a
 * pure function of (status, holding, transition), so it is called once per
 * combination up front and its decisions are looked up in the loop; nothing
 * else is allocated per event.
 */
import {
  canPlace,
  decide,
  lineMove,
  placeEffect,
  STATUSES,
  type Decision,
  type OrderStatus,
  type Transition,
} from '../core/lifecycle.js';
import type { Mode } from '../core/modes.js';
import { EventHeap } from './heap.js';
import type { SimModel } from './model.js';
import { AliasTable, delayLaw, drawDelay, Rng, type DelayLaw } from './rng.js';
import { compilePolicy, STORE_WIDE, type CompiledPolicy, type SimPolicy } from './policy.js';
import { phasedPieces, ratePieces, type RatePieces } from './traffic.js';

/**
 * Per policy, per trial. The SPEC section 5 metrics, late payments, and the
 * honest accounting of issue 13: `delivered` (paid and not oversold: a unit the
 * customer gets), `oracleDelivered` (what a perfect-foresight policy delivers on
 * the same customers: it never holds stock for an order that will not pay and
 * never oversells, so per SKU it delivers min(stock, customers who pay)),
 * `lostSales` = oracleDelivered − delivered (never negative, never above the
 * stock) and `efficiency` = delivered ÷ oracleDelivered (1 when the oracle
 * delivers nothing). `revenue` counts delivered units only: an oversold unit is
 * refunded or owed, not income.
 */
export const METRICS = [
  'checkouts',
  'placed',
  'rejected',
  'phantomRejected',
  'paid',
  'failed',
  'expired',
  'latePayments',
  'unitsSold',
  'oversoldOrders',
  'oversoldUnits',
  'revenue',
  'avgHeldUnits',
  'delivered',
  'lostSales',
  'oracleDelivered',
  'efficiency',
] as const;
export type Metric = (typeof METRICS)[number];
const M = Object.fromEntries(METRICS.map((m, i) => [m, i])) as Record<Metric, number>;
const NM = METRICS.length;

// What each checkout will do, drawn once per trial.
const PAYS = 0; // pays within its window
const FAILS = 1; // gets a failure notice within its window
const EXPIRES = 2; // never pays: expires at the end of its window
const PAYS_LATE = 3; // expires, then pays (a late Boleto, a slow eCheck)

const TRANSITIONS: Transition[] = ['pay', 'fail', 'cancel', 'expire'];
const T_PAY = 0;
const T_FAIL = 1;
const T_EXPIRE = 3;
const S_PENDING = STATUSES.indexOf('pending');
const S_PAID = STATUSES.indexOf('paid');
const S_FAILED = STATUSES.indexOf('failed');
const S_EXPIRED = STATUSES.indexOf('expired');

type Applied = Extract<Decision, { kind: 'apply' }>;

/** decide() for every (status, holding, transition); null where the core says noop or refused. */
const DECISIONS: (Applied | null)[] = [];
const NEXT_STATUS = new Int8Array(STATUSES.length * 2 * TRANSITIONS.length);
STATUSES.forEach((status, s) => {
  for (let h = 0; h < 2; h++) {
    TRANSITIONS.forEach((t, ti) => {
      const d = decide({ status, holding: h === 1 }, t);
      const k = (s * 2 + h) * TRANSITIONS.length + ti;
      DECISIONS[k] = d.kind === 'apply' ? d : null;
      NEXT_STATUS[k] = d.kind === 'apply' ? STATUSES.indexOf(d.status as OrderStatus) : s;
    });
  }
});

/** Typed buffers that grow with the largest trial and are reused. */
class Buffers {
  cap = 0;
  at = new Float64Array(0);
  sku = new Int32Array(0);
  fate = new Uint8Array(0);
  first = new Float64Array(0);
  late = new Float64Array(0);
  prov = new Int32Array(0);
  /** The policy's own fate and times for this play (a shortened window changes them). */
  pfate = new Uint8Array(0);
  pfirst = new Float64Array(0);
  status = new Uint8Array(0);
  holding = new Uint8Array(0);
  marked = new Uint8Array(0);

  ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(1024, n, this.cap * 2);
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: new (n: number) => T): T => {
      const a = new make(cap);
      a.set(old as never);
      return a;
    };
    this.at = grow(this.at, Float64Array);
    this.sku = grow(this.sku, Int32Array);
    this.fate = grow(this.fate, Uint8Array);
    this.first = grow(this.first, Float64Array);
    this.late = grow(this.late, Float64Array);
    this.prov = grow(this.prov, Int32Array);
    this.pfate = new Uint8Array(cap);
    this.pfirst = new Float64Array(cap);
    this.status = new Uint8Array(cap);
    this.holding = new Uint8Array(cap);
    this.marked = new Uint8Array(cap);
    this.cap = cap;
  }
}

export class Engine {
  readonly model: SimModel;
  /** The policies played on every trial, in order (default: the two store-wide modes). */
  readonly policies: readonly CompiledPolicy[];
  /** Events processed so far (arrivals and notifications, all policies). */
  events = 0;
  /** Checkouts drawn so far (each one played under every policy). */
  checkouts = 0;

  private readonly pieces: RatePieces;
  private readonly skuTable: AliasTable;
  private readonly stock: Float64Array;
  private readonly price: Float64Array;
  private readonly cumShare: Float64Array;
  private readonly unpaid: Float64Array;
  private readonly failShare: Float64Array;
  private readonly window: Float64Array;
  private readonly lateShare: Float64Array;
  private readonly laws: DelayLaw[];
  private readonly lateLaws: DelayLaw[];
  private readonly buf = new Buffers();
  private readonly heap = new EventHeap(4096);
  private readonly onHand: Float64Array;
  private readonly reserved: Float64Array;
  /** Units of each SKU held by orders that will not pay within their window. */
  private readonly phantomHeld: Int32Array;
  /** Customers of each SKU who pay (for the oracle). */
  private readonly payers: Float64Array;
  private oracle = 0;
  private readonly acc = new Float64Array(NM);
  private heldArea = 0;
  private heldTotal = 0;
  private heldSince = 0;

  constructor(model: SimModel) {
    this.model = model;
    this.pieces = model.phases
      ? phasedPieces(model.phases, model.checkoutsPerHour)
      : ratePieces(model.hours, model.checkoutsPerHour, model.traffic);
    this.skuTable = new AliasTable(model.skus.map((s) => s.weight));
    this.stock = Float64Array.from(model.skus, (s) => s.stock);
    this.price = Float64Array.from(model.skus, (s) => s.price);
    const n = model.skus.length;
    this.onHand = new Float64Array(n);
    this.reserved = new Float64Array(n);
    this.phantomHeld = new Int32Array(n);
    this.payers = new Float64Array(n);
    const ps = model.providers;
    let c = 0;
    this.cumShare = Float64Array.from(ps, (p) => (c += p.share));
    this.cumShare[ps.length - 1] = 1;
    this.unpaid = Float64Array.from(ps, (p) => p.unpaidRate);
    this.failShare = Float64Array.from(ps, (p) => p.failShare);
    this.window = Float64Array.from(ps, (p) => p.windowHours);
    this.lateShare = Float64Array.from(ps, (p) => p.lateShare ?? 0);
    this.laws = ps.map((p) => delayLaw(p.delayHours));
    this.lateLaws = ps.map((p) => delayLaw(p.lateDelayHours ?? p.delayHours));
    this.policies = (model.policies ?? STORE_WIDE).map((p) => compilePolicy(p, ps));
  }

  /**
   * Runs trial `k` and writes each policy's metrics into `out[i]` (policy i) at
   * offset k × METRICS.length. Trial k depends only on (seed, k): every policy
   * plays the same customers (common random numbers).
   */
  runTrial(k: number, out: readonly Float64Array[]): void {
    const rng = new Rng(this.model.seed, k);
    const n = this.draw(rng);
    this.checkouts += n;
    this.policies.forEach((policy, i) => {
      this.play(policy, n);
      out[i].set(this.acc, k * NM);
    });
  }

  /**
   * Plays hand-written checkouts (sorted by `at`) under one mode (or policy) and
   * returns the metrics: for tests of the event logic. `pay` is the delay to
   * payment (late if it reaches the provider's window); without it, `fail` is
   * the delay to a failure notice; with neither the checkout expires.
   */
  playScript(
    mode: Mode | SimPolicy,
    items: { at: number; sku: number; provider: number; pay?: number; fail?: number }[],
  ): Record<Metric, number> {
    const b = this.buf;
    b.ensure(items.length);
    this.payers.fill(0);
    items.forEach((c, n) => {
      const window = this.window[c.provider];
      b.at[n] = c.at;
      b.sku[n] = c.sku;
      b.prov[n] = c.provider;
      if (c.pay !== undefined && c.pay < window) [b.fate[n], b.first[n]] = [PAYS, c.at + c.pay];
      else if (c.pay !== undefined) [b.fate[n], b.first[n], b.late[n]] = [PAYS_LATE, c.at + window, c.at + c.pay];
      else if (c.fail !== undefined && c.fail < window) [b.fate[n], b.first[n]] = [FAILS, c.at + c.fail];
      else [b.fate[n], b.first[n]] = [EXPIRES, c.at + window];
      if (c.pay !== undefined) this.payers[c.sku]++;
    });
    this.settleOracle();
    const policy = typeof mode === 'string' ? { name: mode, base: mode } : mode;
    this.play(compilePolicy(policy, this.model.providers), items.length);
    return Object.fromEntries(METRICS.map((m, i) => [m, this.acc[i]])) as Record<Metric, number>;
  }

  /** The perfect-foresight policy on the drawn customers: per SKU, min(stock, payers). */
  private settleOracle(): void {
    let sum = 0;
    for (let s = 0; s < this.stock.length; s++) {
      const units = this.stock[s] > 0 ? this.stock[s] : 0;
      sum += this.payers[s] < units ? this.payers[s] : units;
    }
    this.oracle = sum;
  }

  /** Draws the period's checkouts into the buffers; returns how many. */
  private draw(rng: Rng): number {
    const p = this.pieces;
    const b = this.buf;
    b.ensure(Math.ceil(p.expected + 10 * Math.sqrt(p.expected) + 16));
    const nProv = this.cumShare.length;
    const payers = this.payers;
    payers.fill(0);
    let n = 0;
    for (let piece = 0; piece < p.start.length; piece++) {
      const start = p.start[piece];
      const end = p.end[piece];
      const r0 = p.r0[piece];
      const r1 = p.r1[piece];
      const rmax = r0 > r1 ? r0 : r1;
      if (!(rmax > 0)) continue;
      const slope = (r1 - r0) / (end - start);
      let t = start;
      for (;;) {
        t += rng.exponential(rmax);
        if (t >= end) break;
        // Thinning (Lewis–Shedler): keep a candidate with probability rate(t) / rmax.
        if (r0 !== r1 && rng.uniform() * rmax >= r0 + slope * (t - start)) continue;
        if (n === b.cap) b.ensure(n + 1);
        b.at[n] = t;
        const sku = this.skuTable.draw(rng);
        b.sku[n] = sku;
        const u = rng.uniform();
        let prov = 0;
        while (prov < nProv - 1 && u >= this.cumShare[prov]) prov++;
        b.prov[n] = prov;
        const window = this.window[prov];
        if (rng.uniform() >= this.unpaid[prov]) {
          payers[sku]++;
          const slow = this.lateShare[prov] > 0 && rng.uniform() < this.lateShare[prov];
          const delay = drawDelay(rng, slow ? this.lateLaws[prov] : this.laws[prov]);
          if (delay < window) {
            b.fate[n] = PAYS;
            b.first[n] = t + delay;
          } else {
            // The store expires an order when its window has ended (expiresAt ≤ now).
            b.fate[n] = PAYS_LATE;
            b.first[n] = t + window;
            b.late[n] = t + delay;
          }
        } else if (rng.uniform() < this.failShare[prov]) {
          b.fate[n] = FAILS;
          b.first[n] = t + rng.uniform() * window;
        } else {
          b.fate[n] = EXPIRES;
          b.first[n] = t + window;
        }
        n++;
      }
    }
    this.settleOracle();
    return n;
  }

  /**
   * Each checkout's fate under the policy's windows. A window shortened at the
   * provider (a Boleto that expires after 2 days, not 5) turns a payer slower
   * than it into an expiry (the voucher can no longer be paid: a sale the
   * oracle makes and this policy does not), and moves failures and expiries
   * earlier in proportion. Payers past the catalogue's window still pay late.
   */
  private fates(policy: CompiledPolicy, n: number): void {
    const b = this.buf;
    if (!policy.shortened) {
      b.pfate.set(b.fate.subarray(0, n));
      b.pfirst.set(b.first.subarray(0, n));
      return;
    }
    for (let i = 0; i < n; i++) {
      const prov = b.prov[i];
      const fate = b.fate[i];
      const ratio = policy.ratio[prov];
      if (ratio === 1) {
        b.pfate[i] = fate;
        b.pfirst[i] = b.first[i];
        continue;
      }
      const t = b.at[i];
      const w = policy.window[prov];
      // Plain stores, no destructuring: this loop runs per checkout and must not allocate.
      if (fate === PAYS) {
        const paysAt = b.first[i];
        if (paysAt - t < w) {
          b.pfate[i] = PAYS;
          b.pfirst[i] = paysAt;
        } else {
          b.pfate[i] = EXPIRES;
          b.pfirst[i] = t + w;
        }
      } else if (fate === FAILS) {
        b.pfate[i] = FAILS;
        b.pfirst[i] = t + (b.first[i] - t) * ratio;
      } else {
        b.pfate[i] = fate; // PAYS_LATE or EXPIRES: the window ends sooner
        b.pfirst[i] = t + w;
      }
    }
  }

  /** Plays the drawn checkouts under one policy; leaves the metrics in `this.acc`. */
  private play(policy: CompiledPolicy, n: number): void {
    const b = this.buf;
    const heap = this.heap;
    const acc = this.acc;
    const onHand = this.onHand;
    const reserved = this.reserved;
    const phantomHeld = this.phantomHeld;
    // SPEC 5: each checkout buys one unit. The place effects come from the core.
    const hold = placeEffect('on-order', 1);
    const take = placeEffect('on-payment', 1);
    const { holdsIn, holdsOut, fromHours, untilHours } = policy;
    this.fates(policy, n);
    const pfate = b.pfate;
    onHand.set(this.stock);
    reserved.fill(0);
    phantomHeld.fill(0);
    acc.fill(0);
    heap.clear();
    this.heldArea = 0;
    this.heldTotal = 0;
    this.heldSince = 0;
    let events = n;
    let rejected = 0;
    let phantomRejected = 0;
    for (let i = 0; i < n; i++) {
      const t = b.at[i];
      // Notifications due at or before this checkout come first (as in the store,
      // a hold whose window ended at this instant no longer counts).
      while (heap.size > 0 && heap.peekTime() <= t) {
        const at = heap.peekTime();
        this.resolve(heap.pop(), at);
        events++;
      }
      const s = b.sku[i];
      const holds = t >= fromHours && t < untilHours ? holdsIn[b.prov[i]] : holdsOut[b.prov[i]];
      const effect = holds === 1 ? hold : take;
      if (!canPlace(onHand[s] - reserved[s], effect)) {
        rejected++;
        if (phantomHeld[s] > 0) phantomRejected++;
        continue;
      }
      if (effect.reservedDelta !== 0) {
        this.holdChange(t, effect.reservedDelta);
        reserved[s] += effect.reservedDelta;
      }
      b.status[i] = S_PENDING;
      b.holding[i] = holds;
      const phantom = holds === 1 && pfate[i] !== PAYS ? 1 : 0;
      b.marked[i] = phantom;
      phantomHeld[s] += phantom;
      heap.push(b.pfirst[i], i << 1);
    }
    // The period is over; the run goes on until every placed order is resolved.
    while (heap.size > 0) {
      const at = heap.peekTime();
      this.resolve(heap.pop(), at);
      events++;
    }
    this.holdChange(this.model.hours, 0);
    this.events += events;
    acc[M.checkouts] = n;
    acc[M.rejected] = rejected;
    acc[M.phantomRejected] = phantomRejected;
    acc[M.placed] = n - rejected;
    acc[M.avgHeldUnits] = this.heldArea / this.model.hours;
    acc[M.oracleDelivered] = this.oracle;
    acc[M.lostSales] = this.oracle - acc[M.delivered];
    acc[M.efficiency] = this.oracle > 0 ? acc[M.delivered] / this.oracle : 1;
  }

  /** Integrates reserved units over the period (for avgHeldUnits), then applies a change. */
  private holdChange(t: number, delta: number): void {
    const until = t < this.model.hours ? t : this.model.hours;
    if (until > this.heldSince) {
      this.heldArea += this.heldTotal * (until - this.heldSince);
      this.heldSince = until;
    }
    this.heldTotal += delta;
  }

  /** One notification (event id = order × 2 + phase) through the core's decision. */
  private resolve(id: number, at: number): void {
    const b = this.buf;
    const i = id >> 1;
    const fate = b.pfate[i];
    const t = (id & 1) === 1 || fate === PAYS ? T_PAY : fate === FAILS ? T_FAIL : T_EXPIRE;
    const k = (b.status[i] * 2 + b.holding[i]) * TRANSITIONS.length + t;
    const d = DECISIONS[k];
    if (d === null) return;
    const s = b.sku[i];
    const mv = lineMove(d, 1, this.onHand[s] - this.reserved[s]);
    if (mv.reservedDelta !== 0) {
      this.holdChange(at, mv.reservedDelta);
      this.reserved[s] += mv.reservedDelta;
    }
    this.onHand[s] += mv.onHandDelta;
    if (d.releases && b.marked[i] === 1) {
      this.phantomHeld[s]--;
      b.marked[i] = 0;
    }
    const next = NEXT_STATUS[k];
    b.status[i] = next;
    b.holding[i] = 0;
    const acc = this.acc;
    if (next === S_PAID) {
      acc[M.paid]++;
      acc[M.unitsSold]++;
      if (mv.oversold > 0) {
        acc[M.oversoldOrders]++;
        acc[M.oversoldUnits] += mv.oversold;
      } else {
        acc[M.delivered]++;
        acc[M.revenue] += this.price[s];
      }
      if (d.latePayment) {
        acc[M.latePayments]++;
        acc[M.expired]--; // it was counted as expired; its final status is paid
      }
    } else if (next === S_FAILED) {
      acc[M.failed]++;
    } else if (next === S_EXPIRED) {
      acc[M.expired]++;
      if (fate === PAYS_LATE) this.heap.push(b.late[i], (i << 1) | 1);
    }
  }
}

export { NM as METRIC_COUNT };
