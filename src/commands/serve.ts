/**
 * `inv serve`: the receiving end of the platforms' webhooks. The server
 * (src/server) checks routes, limits and signatures; this command gives it the
 * one thing it cannot know, how to apply a verified notification: parse it
 * (src/io/platforms), apply it (platform-events.ts), and answer only once the
 * store has committed, so that any failure makes the platform retry.
 *
 * Status codes: 200 applied, a duplicate, ignored, or refused by a business
 * rule (final: a retry would be refused the same way); 400 a payload inv cannot
 * read; 422 one it reads but cannot map yet (no line items, an unknown payment
 * method, an unknown SKU: fixed by the shop, the platform's retry lands);
 * 503 the store is unavailable (retry).
 */
import { isUtf8 } from 'node:buffer';
import { EXIT, UsageError, isInvError } from '../core/errors.js';
import { parseInteger, parseSize } from '../core/values.js';
import type { Store } from '../core/ports.js';
import type { Answer, LogEntry, Platform } from '../server/server.js';
import { withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import type { Output } from './output.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  logJson: boolean;
  acceptTestEvents: boolean;
  restockRefunds?: boolean;
  maxBody?: string;
  maxOpen?: string;
  timeout?: string;
}

const UNMAPPED = new Set(['CANNOT_MAP', 'UNKNOWN_SKU']);

/** The answer for a failure of one notification. */
function answerFor(e: unknown, event: string | undefined): Answer {
  if (!isInvError(e)) {
    const message = `internal error: ${(e as Error)?.message ?? String(e)}`;
    return { status: 500, body: { error: { code: 'INTERNAL', message } }, event, outcome: message };
  }
  const error = { code: e.code, message: e.message, details: e.details, hint: e.hint };
  if (e.exitCode === EXIT.store)
    return { status: 503, body: { error }, event, outcome: `store unavailable: ${e.message}`, retryAfterSec: 5 };
  if (UNMAPPED.has(e.code)) return { status: 422, body: { error }, event, outcome: `cannot map: ${e.message}` };
  if (e.exitCode === EXIT.refused)
    return { status: 200, body: { ok: false, refused: error }, event, outcome: `refused: ${e.message}` };
  if (e.exitCode === EXIT.usage) return { status: 400, body: { error }, event, outcome: `unreadable: ${e.message}` };
  return { status: 500, body: { error }, event, outcome: e.message };
}

/** At most this many notifications share one commit (fewer where the store's batches are smaller). */
const MAX_GROUP = 64;

/**
 * One store connection, and group commit: the notifications that arrive while
 * a commit is under way wait, then go together into the next batch (Store.batch:
 * one transaction, each in its own savepoint; on PostgreSQL each store call is),
 * and are answered once that one commit is on disk. One sync per group instead
 * of one per event; one that is refused undoes only itself, and the store itself
 * failing (locked, full) fails the group.
 */
function groupCommit(store: Store): <T>(fn: () => Promise<T>) => Promise<T> {
  type Job = { run: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  const waiting: Job[] = [];
  const most = Math.min(MAX_GROUP, store.batchLimit);
  let busy = false;
  const next = () => {
    if (busy || waiting.length === 0) return;
    busy = true;
    const jobs = waiting.splice(0, most);
    store
      .batch(jobs.map((j) => j.run))
      .then(
        (outcomes) => {
          for (const [i, j] of jobs.entries()) {
            const o = outcomes[i];
            if (o.ok) j.resolve(o.value);
            else j.reject(o.error);
          }
        },
        (e) => {
          for (const j of jobs) j.reject(e);
        },
      )
      .finally(() => {
        busy = false;
        next();
      });
  };
  return <T>(run: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ run, resolve: resolve as (v: unknown) => void, reject });
      next();
    });
}

export async function serve(o: ServeOptions, ctx: Context): Promise<Output> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port === undefined ? 8787 : parseInteger('--port', o.port, { min: 0 });
  if (port > 65535) throw new UsageError(`--port ${port} must be 0–65535 (0: any free port)`);
  const maxBodyBytes = o.maxBody === undefined ? 1 << 20 : parseSize('--max-body', o.maxBody);
  const maxOpen = o.maxOpen === undefined ? 64 : parseInteger('--max-open', o.maxOpen, { min: 1 });
  const timeoutSec = o.timeout === undefined ? 10 : parseInteger('--timeout', o.timeout, { min: 1 });
  // Loaded here only: no other command pays for the server or the adapters.
  const [{ startServer, SECRET_ENV, ROUTES }, { secretsOf }, { parsePayload, translate }, { applyPlatform }] =
    await Promise.all([
      import('../server/server.js'),
      import('../server/signatures.js'),
      import('../io/platforms/index.js'),
      import('./platform-events.js'),
    ]);
  const secrets = {
    stripe: secretsOf(ctx.io.env[SECRET_ENV.stripe]),
    shopify: secretsOf(ctx.io.env[SECRET_ENV.shopify]),
    woocommerce: secretsOf(ctx.io.env[SECRET_ENV.woocommerce]),
  };
  if (Object.values(secrets).every((s) => s.length === 0))
    throw new UsageError(
      `no route would be enabled: set ${Object.values(SECRET_ENV).join(', ')} (comma-separated for rotation)`,
    );
  const say = (line: string) => ctx.io.stderr.write(`${line}\n`);
  const log = (e: LogEntry) =>
    say(
      o.logJson
        ? JSON.stringify(e)
        : `${e.at} ${e.method} ${e.path} ${e.status} ${e.ms}ms ${e.event ?? '-'} ${e.outcome}`,
    );

  await withStore(ctx.store, async (store) => {
    const exclusive = groupCommit(store);
    const handle = async (
      platform: Platform,
      raw: Buffer,
      headers: Readonly<Record<string, string | undefined>>,
    ): Promise<Answer> => {
      let event: string | undefined;
      try {
        if (!isUtf8(raw)) throw new UsageError('the body is not UTF-8 text', { code: 'INVALID_INPUT' });
        const t = translate(platform, { body: parsePayload(raw.toString('utf8')), headers });
        event = t.eventId;
        const r = await exclusive(() =>
          applyPlatform(store, t, {
            nowMs: ctx.clock(),
            acceptTest: o.acceptTestEvents,
            restockRefunds: o.restockRefunds,
          }),
        );
        const what = r.ignored
          ? `ignored: ${r.ignored}`
          : `${r.duplicate ? 'duplicate' : r.steps.join('+')} order ${r.order?.id}`;
        return { status: 200, body: { ok: true, result: r }, event, outcome: what };
      } catch (e) {
        return answerFor(e, event);
      }
    };
    const health = async (): Promise<Answer> => {
      try {
        await exclusive(() => store.getPolicy(ctx.clock()));
        return { status: 200, body: { ok: true }, outcome: 'healthy' };
      } catch (e) {
        return answerFor(e, undefined);
      }
    };
    const running = await startServer({
      host,
      port,
      secrets,
      maxBodyBytes,
      maxOpen,
      requestTimeoutMs: timeoutSec * 1000,
      nowMs: ctx.clock,
      toleranceSec: 300,
      handle,
      health,
      log,
    }).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`, {
        hint: e.code === 'EADDRINUSE' ? 'pick another with --port, or --port 0 for any free one' : undefined,
      });
    });
    say(`inv serve: listening on ${running.url} (store ${store.label})`);
    for (const [path, platform] of Object.entries(ROUTES)) {
      const n = secrets[platform].length;
      say(
        n > 0
          ? `  POST ${path}: on (${n} secret${n > 1 ? 's' : ''})`
          : `  POST ${path}: off (set ${SECRET_ENV[platform]} to enable it)`,
      );
    }
    say('  GET /healthz');
    if (ctx.io.interrupt) ctx.io.interrupt.note = 'the notifications answered 2xx stay applied';
    await new Promise<void>((resolve) => {
      if (ctx.io.interrupt) ctx.io.interrupt.onTerm = resolve;
    });
    say('inv serve: SIGTERM: no new requests; answering those in flight');
    const inFlight = await running.stop();
    say(`inv serve: stopped; ${inFlight} request${inFlight === 1 ? ' was' : 's were'} in flight and answered`);
  });
  return { json: null, human: () => '', streamed: true, exitCode: EXIT.ok };
}
