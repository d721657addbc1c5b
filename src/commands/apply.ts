/**
 * `inv apply`: a stream of NDJSON events in one process, with the same rules
 * (the same store methods) as the single commands. Events are applied in
 * batches, one transaction each (group commit: one fsync for up to a thousand
 * events), every event in a savepoint of its own so that a refused one rolls
 * back alone. Each event gets one result line on stdout, written once the
 * transaction holding it has committed: a line that says "ok" is durable.
 */
import { createInterface } from 'node:readline';
import { EXIT, InvError, OutputError, StoreError, UsageError, invalidInput, writeFailure } from '../core/errors.js';
import { mergeLines } from '../core/lifecycle.js';
import type { BatchOutcome, Store } from '../core/ports.js';
import { checkProviderName } from '../core/providers.js';
import { checkEventId, checkName, checkOrderId, checkSku, parseInteger, parseTime, thousands } from '../core/values.js';
import { withStore } from '../store/with-store.js';
import type { Context, Ids } from './context.js';
import { lineBatches } from '../io/line-batches.js';
import { openSource } from '../io/source.js';
import type { Output } from './output.js';
import { LineWriter } from './stream.js';

type Event = Record<string, unknown>;

const str = (e: Event, key: string, check: (s: string) => string): string => {
  const v = e[key];
  if (typeof v !== 'string') throw invalidInput(`"${key}" must be a string`);
  return check(v);
};
const optStr = (e: Event, key: string, check: (s: string) => string): string | undefined =>
  e[key] === undefined || e[key] === null ? undefined : str(e, key, check);
const int = (e: Event, key: string, min?: number): number => {
  const v = e[key];
  if (typeof v === 'number' && Number.isInteger(v)) return parseInteger(`"${key}"`, String(v), { min });
  if (typeof v === 'string') return parseInteger(`"${key}"`, v, { min });
  throw invalidInput(`"${key}" must be a whole number`);
};

/** Applies one parsed event; the result is what the matching single command prints with --json. */
export async function applyEvent(store: Store, e: Event, defaultNowMs: number, ids: Ids): Promise<unknown> {
  const nowMs = e.at === undefined || e.at === null ? defaultNowMs : parseTime('"at"', String(e.at));
  switch (e.type) {
    case 'place': {
      if (!Array.isArray(e.items) || e.items.length === 0)
        throw invalidInput('"items" must be a non-empty array of { "sku", "qty" }');
      const lines = mergeLines(
        e.items.map((it: unknown) => {
          if (typeof it !== 'object' || it === null) throw invalidInput('each item must be an object { "sku", "qty" }');
          return { sku: str(it as Event, 'sku', checkSku), qty: int(it as Event, 'qty', 1) };
        }),
      );
      const id = optStr(e, 'id', checkOrderId) ?? ids.orderId();
      return store.placeOrder({ id, provider: str(e, 'provider', checkProviderName), lines, nowMs });
    }
    case 'pay':
    case 'fail':
    case 'cancel':
      return store.notify({
        id: str(e, 'id', checkOrderId),
        transition: e.type,
        eventId: optStr(e, 'event', checkEventId),
        nowMs,
      });
    case 'expire':
      return { expired: await store.expireDue(nowMs) };
    case 'stock-set':
      return store.adjustStock({
        sku: str(e, 'sku', checkSku),
        set: int(e, 'qty'),
        name: optStr(e, 'name', checkName),
        note: optStr(e, 'reason', (s) => s),
        eventId: optStr(e, 'event', checkEventId),
        nowMs,
      });
    case 'stock-add':
      return store.adjustStock({
        sku: str(e, 'sku', checkSku),
        add: int(e, 'delta'),
        note: optStr(e, 'reason', (s) => s),
        eventId: optStr(e, 'event', checkEventId),
        nowMs,
      });
    default:
      throw invalidInput(
        `unknown event type ${JSON.stringify(e.type)}: use place, pay, fail, cancel, expire, stock-set or stock-add`,
      );
  }
}

function parseLine(text: string): Event {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw invalidInput(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalidInput('an event must be a JSON object with a "type"');
  return v as Event;
}

/** A batch closes at this many lines (one transaction, one fsync for them all: fewer, larger commits cost less per event)… */
const BATCH_LINES = 4000;
/** …or this long after its first line when no further line is at hand: a slow stream gets each answer within a few ms. */
const BATCH_WAIT_MS = 3;

export interface ApplyOptions {
  file: string;
  stopOnError: boolean;
  /** A platform's notifications instead of inv's own events. */
  from?: string;
  acceptTestEvents?: boolean;
  restockRefunds?: boolean;
}

export async function apply(o: ApplyOptions, ctx: Context): Promise<Output> {
  if (o.from !== undefined) return applyFrom(o, ctx);
  for (const [given, flag] of [
    [o.acceptTestEvents, '--accept-test-events'],
    [o.restockRefunds, '--restock-refunds'],
  ] as const)
    if (given) throw new UsageError(`${flag} is for a platform's notifications: add --from stripe|shopify|woocommerce`);
  const { stream: input } = await openSource(o.file, ctx.io.stdin);
  const out = new LineWriter(ctx.io.stdout);
  let firstFailure = 0;
  let applied = 0;
  let failed = 0;
  /** Lines read so far, and the last line whose batch has committed (its result is then said). */
  let line = 0;
  let settled = 0;
  let stopped = false;
  let interrupted = false;
  const said = () =>
    `${thousands(applied)} events were applied up to line ${settled} (${thousands(out.written)} result lines were written)`;
  await withStore(ctx.store, async (store) => {
    if (ctx.io.interrupt)
      ctx.io.interrupt.note = 'the events reported as applied stay applied; those under way were rolled back';
    const reading = new AbortController();
    const max = Math.min(BATCH_LINES, store.batchLimit);
    const batches = lineBatches(input, { max, waitMs: BATCH_WAIT_MS, signal: reading.signal });
    if (ctx.io.interrupt)
      ctx.io.interrupt.stop = () => {
        interrupted = true;
        reading.abort();
        // A FIFO with no writer, or a terminal, would keep the process waiting for input that is not wanted now.
        input.destroy();
      };
    try {
      for await (const texts of batches) {
        if (interrupted) break;
        const events: { line: number; text: string }[] = [];
        for (const text of texts) {
          line++;
          if (text.trim() !== '') events.push({ line, text });
        }
        if (events.length === 0) {
          settled = line;
          continue;
        }
        // Group commit: the batch is one transaction, each event a savepoint of its own.
        let at = events[0].line;
        const ops = events.map((e) => async () => {
          at = e.line;
          return applyEvent(store, parseLine(e.text), ctx.clock(), ctx.ids);
        });
        let outcomes: BatchOutcome<unknown>[];
        try {
          outcomes = await store.batch(ops, { stopOnFailure: o.stopOnError });
        } catch (e) {
          // The store itself failing (locked, full, damaged) stops the stream: later events would fail too.
          // Nothing of this batch happened, and none of its lines were said.
          if (e instanceof StoreError) {
            const first = events[0].line;
            const together = at > first ? ` (lines ${first}–${at} were one transaction, rolled back together)` : '';
            throw new StoreError(
              e.code,
              `line ${first} was not applied: ${e.message.replace(/; nothing was changed$/, '')}${together}; ${said()}`,
              e.hint,
            );
          }
          throw e;
        }
        // Committed: every line said from here on is durable (SPEC section 7).
        for (let i = 0; i < outcomes.length; i++) {
          const n = events[i].line;
          const r = outcomes[i];
          settled = n;
          if (r.ok) {
            applied++;
            out.push(`${JSON.stringify({ line: n, ok: true, result: r.value })}\n`);
            continue;
          }
          // Anything else is this event's own problem: a result line, and the stream goes on.
          const e = r.error;
          const err =
            e instanceof InvError
              ? e
              : new InvError('INTERNAL', `internal error: ${(e as Error)?.message ?? String(e)}`, EXIT.internal);
          failed++;
          firstFailure ||= err.exitCode;
          out.push(
            `${JSON.stringify({ line: n, ok: false, error: { code: err.code, message: err.message, details: err.details } })}\n`,
          );
          if (o.stopOnError) {
            out.flush();
            ctx.note(`stopped at line ${n} (--stop-on-error)`);
            stopped = true;
            break;
          }
        }
        if (stopped) break;
        settled = line;
        await out.ready();
        if (out.failed || interrupted) break;
      }
    } finally {
      // What was applied is said, even when the store fails on a later line.
      out.close();
      await batches.return(undefined);
    }
    await out.settled();
  });
  if (out.failed) {
    // The reader is gone or stdout is full: stop reading, and say exactly how far the stream got.
    throw new OutputError(
      `stdout failed (${writeFailure(out.failed) ?? out.failed.message}): ${thousands(applied + failed)} events were read up to line ${line}, ${thousands(applied)} of them applied, and ${thousands(out.written)} result lines were written; nothing after line ${line} was read`,
      false,
      'see what was applied with inv order list or inv history SKU before sending the rest again',
    );
  }
  if (interrupted) {
    throw applied === 0
      ? new InvError('INTERRUPTED', 'interrupted; nothing was changed', EXIT.interrupted)
      : new InvError(
          'INTERRUPTED',
          `interrupted; the events reported as applied stay applied: ${thousands(applied)} up to line ${settled} (${thousands(out.written)} result lines were written), and nothing after it was read`,
          EXIT.interrupted,
          [],
          'see what was applied with inv order list or inv history SKU before sending the rest again',
        );
  }
  if (failed > 0)
    ctx.io.stderr.write(
      `inv: ${failed} of ${applied + failed} events failed (see the lines with "ok": false); the others were applied\n`,
    );
  else ctx.note(`${applied} applied, 0 failed`);
  return { json: null, human: () => '', streamed: true, exitCode: firstFailure || EXIT.ok };
}

/** `inv apply --from stripe|shopify|woocommerce`: a platform's notifications, one result line each. */
async function applyFrom(o: ApplyOptions, ctx: Context): Promise<Output> {
  const { PLATFORMS } = await import('../core/payment-methods.js');
  const platform = PLATFORMS.find((p) => p === o.from);
  if (!platform) throw new UsageError(`--from "${o.from}": use ${PLATFORMS.join(', ')}`);
  // Loaded here only: inv's own events never pay for the adapters.
  const [{ RecordReader, deliveryOf, translate }, { applyPlatform }] = await Promise.all([
    import('../io/platforms/index.js'),
    import('./platform-events.js'),
  ]);
  const { stream: input } = await openSource(o.file, ctx.io.stdin);
  const reader = new RecordReader();
  /** Records as the lines come: NDJSON applied as it arrives, a JSON document once it is whole. */
  async function* records() {
    const rl = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const text of rl) yield* reader.push(text);
    } finally {
      rl.close();
    }
    yield* reader.end();
  }
  const out = new LineWriter(ctx.io.stdout);
  let firstFailure = 0;
  let applied = 0;
  let failed = 0;
  await withStore(ctx.store, async (store) => {
    if (ctx.io.interrupt)
      ctx.io.interrupt.note = 'the events reported as applied stay applied; the one under way was rolled back';
    try {
      for await (const r of records()) {
        try {
          if (r.error) throw r.error;
          const result = await applyPlatform(store, translate(platform, deliveryOf(platform, r.value)), {
            nowMs: ctx.clock(),
            acceptTest: Boolean(o.acceptTestEvents),
            restockRefunds: Boolean(o.restockRefunds),
          });
          applied++;
          out.push(`${JSON.stringify({ line: r.line, ok: true, result })}\n`);
        } catch (e) {
          if (e instanceof StoreError && e.scope === 'store')
            throw new StoreError(
              e.code,
              `record ${r.line} was not applied: ${e.message}; ${applied} were applied`,
              e.hint,
            );
          const err =
            e instanceof InvError
              ? e
              : new InvError('INTERNAL', `internal error: ${(e as Error)?.message ?? String(e)}`, EXIT.internal);
          failed++;
          firstFailure ||= err.exitCode;
          out.push(
            `${JSON.stringify({ line: r.line, ok: false, error: { code: err.code, message: err.message, details: err.details, hint: err.hint } })}\n`,
          );
          if (o.stopOnError) {
            ctx.note(`stopped at record ${r.line} (--stop-on-error)`);
            break;
          }
        }
        await out.ready();
        if (out.failed) break;
      }
    } finally {
      out.close();
    }
    await out.settled();
  });
  if (out.failed)
    throw new OutputError(
      `stdout failed (${writeFailure(out.failed) ?? out.failed.message}): ${thousands(applied)} notifications were applied, ${thousands(out.written)} result lines written`,
    );
  if (failed > 0)
    ctx.io.stderr.write(
      `inv: ${failed} of ${applied + failed} notifications failed (see the lines with "ok": false); the others were applied\n`,
    );
  else ctx.note(`${applied} applied, 0 failed`);
  return { json: null, human: () => '', streamed: true, exitCode: firstFailure || EXIT.ok };
}
