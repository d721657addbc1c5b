/**
 * `inv copy-store --to <url|file>`: the whole store — stock, ledger, orders and
 * their events, mode, overrides, schedule, custom providers — into an empty
 * store of either kind, in one transaction on the target; then the proof: the
 * target's `verify`, and every row of every table read back from the target and
 * compared with what was read from the source.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem, TableRows } from '../core/ports.js';
import { EXIT, UsageError } from '../core/errors.js';
import { safe } from '../render/style.js';
import { addressOf, openStore, READ, type StoreAddress, storeFiles, withStore } from '../store/with-store.js';
import { removeQuietly } from '../io/output-file.js';
import type { Context } from './context.js';
import { changed, type Output } from './output.js';

export interface CopyResult {
  from: string;
  to: string;
  /** Rows copied, per table. */
  rows: Record<string, number>;
  /** The target's verify: empty when the copy is whole. */
  problems: Problem[];
  /** Every row read back from the target equals the row read from the source. */
  identical: boolean;
  /** The tables whose rows read back differently (empty when identical). */
  differ: string[];
  /** SHA-256 of every row of every table, in key order: the same for both stores. */
  digest: string;
  ok: boolean;
}

/** Hashes every row that passes, table by table and in all, without holding them. */
function fingerprint() {
  const all = createHash('sha256');
  const tables = new Map<string, ReturnType<typeof createHash>>();
  return {
    async *tee(pages: AsyncIterable<TableRows>): AsyncGenerator<TableRows> {
      for await (const page of pages) {
        let hash = tables.get(page.table);
        if (!hash) {
          hash = createHash('sha256');
          tables.set(page.table, hash);
        }
        for (const row of page.rows) {
          const text = `${page.table}\u0000${JSON.stringify(row)}\n`;
          hash.update(text);
          all.update(text);
        }
        yield page;
      }
    },
    digest: () => all.digest('hex'),
    tables: () => new Map([...tables].map(([t, h]) => [t, h.digest('hex')])),
  };
}

function sameStore(a: StoreAddress, b: StoreAddress): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'postgres') return a.path === b.path;
  if (resolve(a.path) === resolve(b.path)) return true;
  if (!existsSync(a.path) || !existsSync(b.path)) return false;
  const x = statSync(a.path);
  const y = statSync(b.path);
  return x.dev === y.dev && x.ino === y.ino;
}

export async function copyStore(o: { to: string }, ctx: Context): Promise<Output> {
  if (o.to === '') throw new UsageError('--to is empty: name a store file or a postgres:// URL');
  const to: StoreAddress = { ...addressOf(o.to, 'flag', ctx.store.busyTimeoutMs) };
  if (sameStore(ctx.store, to)) {
    throw new UsageError(`--to names the store being copied (${ctx.store.label}): copy into another store`);
  }
  // A SQLite target that did not exist is removed again if the copy fails: nothing half-made is left.
  const created = to.kind === 'sqlite' && !existsSync(to.path) ? storeFiles(to) : [];
  try {
    const result = await withStore(
      ctx.store,
      async (source) => {
        const target = await openStore(to);
        try {
          const read = fingerprint();
          const rows = await target.importRows(read.tee(source.exportRows()), { replace: false });
          const back = fingerprint();
          for await (const _ of back.tee(target.exportRows()));
          const problems = await target.verify();
          const digest = read.digest();
          const identical = back.digest() === digest;
          const [was, is] = [read.tables(), back.tables()];
          const differ = [...new Set([...was.keys(), ...is.keys()])].filter((t) => was.get(t) !== is.get(t));
          return {
            from: source.label,
            to: target.label,
            rows,
            problems,
            identical,
            differ,
            digest,
            ok: identical && problems.length === 0,
          } satisfies CopyResult;
        } finally {
          await target.close();
        }
      },
      READ,
    );
    const out = changed(result, renderCopy, `the store was copied to ${to.label}`);
    return result.ok ? out : { ...out, exitCode: EXIT.verify };
  } catch (e) {
    for (const f of created) removeQuietly(f);
    throw e;
  }
}

function renderCopy(r: CopyResult): string {
  const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
  const lines = [
    `copied ${safe(r.from)} to ${safe(r.to)}: ${total} rows in one transaction (${Object.entries(r.rows)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')})`,
  ];
  if (r.ok) lines.push(`proved: verify holds on the target, and every row reads back the same (sha256 ${r.digest})`);
  else {
    if (!r.identical)
      lines.push(`NOT PROVED: the rows read back from the target differ from the source in ${r.differ.join(', ')}`);
    for (const p of r.problems) lines.push(`verify: ${safe(p.sku ?? 'store')}: ${safe(p.message)}`);
  }
  return lines.join('\n');
}
