import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { EXIT, InvError, UsageError } from '../core/errors.js';
import { READ, withStore } from '../store/with-store.js';
import type { Context } from './context.js';
import { safe } from '../render/style.js';
import { output, type Output } from './output.js';

export async function backup(o: { file: string; force: boolean }, ctx: Context): Promise<Output> {
  if (o.file.trim() === '') throw new UsageError('name the backup file: inv backup FILE');
  if (!existsSync(dirname(resolve(o.file))))
    throw new UsageError(`cannot write ${o.file}: the folder ${dirname(resolve(o.file))} does not exist`);
  if (existsSync(o.file) && statSync(o.file).isDirectory()) throw new UsageError(`${o.file} is a folder`);
  if (existsSync(o.file) && !o.force) throw new UsageError(`${o.file} exists already; pass --force to overwrite it`);
  const r = await withStore(ctx.store, (store) => store.backup(o.file), READ);
  return output(
    { file: r.file, pages: r.pages, store: ctx.store.path },
    (x) => `backup written: ${safe(x.file)} (${x.pages} pages of ${safe(x.store)})`,
  );
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
      `Replace the store ${ctx.store.path} with ${o.file} (${info.skus} SKUs, ${info.orders} orders, ${info.movements} movements)?`,
    );
    if (!ok) throw new InvError('INTERRUPTED', 'restore declined; the store was not changed', EXIT.usage);
  }
  const restored = await withStore(ctx.store, (store) => store.restore(o.file));
  return output(
    { ...restored, store: ctx.store.path },
    (x) =>
      `restored ${safe(x.store)} from ${safe(x.file)}: ${x.skus} SKUs, ${x.orders} orders, ${x.movements} movements`,
  );
}
