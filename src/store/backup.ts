/**
 * Backups and restores of a store file.
 *
 * Backup uses SQLite's online backup API in one step, so the copy is one
 * consistent snapshot read while other inv processes go on writing (in WAL mode a
 * reader never blocks writers); it is written to a temporary name and renamed, so
 * a backup file is never half-written.
 *
 * Restore never swaps files under a live store (other processes may have it open,
 * and a renamed-over SQLite file with its WAL is how stores get corrupted). It
 * checks the backup, brings a private copy to the current schema, then replaces
 * the store's rows in one IMMEDIATE transaction: other processes see the old
 * store or the restored one, never a mix.
 */
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreError, UsageError } from '../core/errors.js';
import type { BackupInfo } from '../core/ports.js';
import { connect, mapSqliteError, openDatabase, type DB } from './open.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was there to remove (or the name cannot exist); the original error matters
  }
}

/** Writes a consistent copy of the store open on `db` to the new file `dest` (the caller renames it into place). */
export async function backupTo(db: DB, storePath: string, dest: string): Promise<{ pages: number; file: string }> {
  try {
    const progress = await db.backup(dest, { progress: () => 0x7fffffff });
    return { pages: progress.totalPages, file: dest };
  } catch (e) {
    removeQuietly(dest);
    const code = String((e as { code?: string }).code ?? '');
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `the backup could not be written: the disk is full; nothing was changed`,
      );
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
      throw mapSqliteError(e, storePath);
    throw new UsageError(`cannot write the backup: ${code || (e as Error).message}`);
  }
}

/** Checks that `file` is a healthy inv store of a schema this version knows. */
export function inspectBackup(file: string): BackupInfo {
  if (!existsSync(file)) throw new UsageError(`no such backup file: ${file}`);
  // SQLite would block opening a FIFO (out of reach of Ctrl-C) and misread a device.
  if (!statSync(file).isFile())
    throw new UsageError(`${file} is not a regular file, so it is not a backup; nothing was changed`);
  let db: DB | undefined;
  try {
    db = connect(file, { readonly: true, fileMustExist: true });
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) throw new UsageError(`${file} is not an inv store backup; nothing was changed`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1 || version > SCHEMA_VERSION) {
      throw new UsageError(
        `${file} has schema version ${version}; this inv knows 1 to ${SCHEMA_VERSION}; nothing was changed`,
      );
    }
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new UsageError(`${file} is damaged (${String(check)}); nothing was changed`);
    const count = (t: string) => (db!.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      file,
      schemaVersion: version,
      skus: count('skus'),
      orders: count('orders'),
      movements: count('movements'),
    };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file} is not a readable inv store backup (${(e as Error).message}); nothing was changed`);
  } finally {
    db?.close();
  }
}

/**
 * Replaces every row of the store open on `target` with the rows of the backup
 * `file`: a private copy of the backup is brought to the current schema, attached,
 * and copied table by table in one IMMEDIATE transaction.
 */
export function restoreInto(target: DB, storePath: string, file: string, busyTimeoutMs: number): BackupInfo {
  const info = inspectBackup(file);
  const copy = join(dirname(storePath), `.${basename(storePath)}.restore-${process.pid}`);
  const t = target;
  let attached = false;
  try {
    copyFileSync(file, copy);
    openDatabase({ path: copy, busyTimeoutMs }).close(); // migrates the private copy to the current schema
    t.prepare('ATTACH DATABASE ? AS restored').run(copy);
    attached = true;
    const tables = (
      t
        .prepare(
          `SELECT name FROM restored.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    t.pragma('foreign_keys = OFF'); // rows arrive table by table; verified below before commit
    try {
      t.transaction(() => {
        for (const name of tables) t.exec(`DELETE FROM main."${name}"`);
        for (const name of tables) t.exec(`INSERT INTO main."${name}" SELECT * FROM restored."${name}"`);
        const broken = t.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0)
          throw new StoreError(
            'STORE_UNAVAILABLE',
            `the backup has ${broken.length} rows pointing at missing SKUs or orders; nothing was changed`,
          );
      }).immediate();
    } finally {
      t.pragma('foreign_keys = ON');
    }
    return info;
  } catch (e) {
    throw mapSqliteError(e, storePath);
  } finally {
    if (attached) t.exec('DETACH DATABASE restored');
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) removeQuietly(f);
  }
}
