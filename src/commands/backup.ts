import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { EXIT, InvError, UsageError, invalidInput, outputLost, writeFailure } from '../core/errors.js';
import { commitFile, openThrough, outputTarget, removeQuietly, tempBeside } from '../io/output-file.js';
import { READ, storeFiles, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { safe } from '../render/style.js';
import { changed, type Output } from './output.js';

export async function backup(o: { file: string; force: boolean }, ctx: Context): Promise<Output> {
  const target = outputTarget(o.file, { force: o.force, protect: storeFiles(ctx.store), command: 'inv backup' });
  // SQLite writes its copy to a new file: beside a regular destination (renamed into place when whole),
  // in the temporary folder for a device, a FIFO or stdout (then copied through).
  const scratch = target.kind === 'file' ? null : mkdtempSync(join(tmpdir(), 'inv-backup-'));
  const tmp = target.kind === 'file' ? tempBeside(target.path) : join(scratch!, 'store.db');
  try {
    const r = await withStore(ctx.store, (store) => store.backup(tmp), READ);
    if (target.kind === 'file') commitFile(tmp, target.path);
    else {
      const out = target.kind === 'stdout' ? ctx.io.stdout : await openThrough(target);
      try {
        await pipeline(createReadStream(tmp), out, { end: target.kind !== 'stdout' });
      } catch (e) {
        throw target.kind === 'stdout'
          ? outputLost(e, undefined)
          : invalidInput(`cannot write ${o.file}: ${writeFailure(e) ?? (e as Error).message}`);
      }
    }
    const result = { file: o.file, pages: r.pages, store: ctx.store.label };
    if (target.kind !== 'file') {
      // Written through (stdout, /dev/stdout, a FIFO): the summary must not land in the data.
      ctx.note(`backup written: ${safe(o.file)} (${r.pages} pages of ${safe(ctx.store.label)})`);
      return { json: result, human: () => '', streamed: true };
    }
    return changed(
      result,
      (x) => `backup written: ${safe(x.file)} (${x.pages} pages of ${safe(x.store)})`,
      `the backup ${o.file} was written`,
    );
  } finally {
    removeQuietly(tmp);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

async function confirm(ctx: Context, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function restore(o: { file: string; yes: boolean }, ctx: Context): Promise<Output> {
  const { inspectBackup } = await import('../store/index.js');
  const info = inspectBackup(o.file);
  if (!o.yes) {
    if (!ctx.io.stdin.isTTY) {
      throw new UsageError('restore replaces every SKU, order and movement of the store: pass --yes to confirm', {
        hint: `inv restore ${o.file} --yes`,
      });
    }
    const ok = await confirm(
      ctx,
      `Replace the store ${ctx.store.label} with ${o.file} (${info.skus} SKUs, ${info.orders} orders, ${info.movements} movements)?`,
    );
    if (!ok) throw new InvError('INTERRUPTED', 'restore declined; the store was not changed', EXIT.usage);
  }
  const restored = await withStore(ctx.store, (store) => store.restore(o.file));
  return changed(
    { ...restored, store: ctx.store.label },
    (x) =>
      `restored ${safe(x.store)} from ${safe(x.file)}: ${x.skus} SKUs, ${x.orders} orders, ${x.movements} movements`,
    `the store was restored from ${o.file}`,
  );
}
