/**
 * Where the store is, and the one bracket that opens it (kysely-ctl's `usingKysely`):
 * every command opens the store through `withStore`, which always closes it.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../core/ports.js';

export interface StoreAddress {
  /** A SQLite file. */
  path: string;
  /** Where the address came from: --db, INV_DB or the default path (whose folder is created when missing). */
  source: 'flag' | 'env' | 'default';
  busyTimeoutMs: number;
  /** Called when a command opens the store to write it (Ctrl-C then speaks of a rollback). */
  onWrite?: () => void;
}

/** SPEC section 3: --db, else INV_DB, else $XDG_DATA_HOME/inv/inventory.db, else ~/.local/share/inv/inventory.db. */
export function storeAddress(flag: string | undefined, env: NodeJS.ProcessEnv, busyTimeoutMs: number): StoreAddress {
  if (flag !== undefined) return { path: flag, source: 'flag', busyTimeoutMs };
  if (env.INV_DB) return { path: env.INV_DB, source: 'env', busyTimeoutMs };
  const base = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return { path: join(base, 'inv', 'inventory.db'), source: 'default', busyTimeoutMs };
}

/** The files that make up a SQLite store: nothing may ever be written over them. */
export const storeFiles = (at: StoreAddress): string[] => ['', '-wal', '-shm', '-journal'].map((s) => `${at.path}${s}`);

export interface UseOptions {
  /** The command only reads, so a store that cannot be written still serves it. */
  readOnly?: boolean;
  /** There is no store at the address: throw this instead of creating one. */
  ifMissing?: () => Error;
}

export const READ: UseOptions = { readOnly: true };

/** Opens the store at `at`, runs `fn`, and always closes it. */
export async function withStore<T>(
  at: StoreAddress,
  fn: (store: Store) => Promise<T>,
  opts: UseOptions = {},
): Promise<T> {
  // Loaded on first use: `inv --help` and the simulator never load SQLite.
  const { openSqliteStore } = await import('./index.js');
  if (opts.ifMissing && !existsSync(at.path)) throw opts.ifMissing();
  if (!opts.readOnly) at.onWrite?.();
  const store = openSqliteStore({
    path: at.path,
    createDir: at.source === 'default',
    busyTimeoutMs: at.busyTimeoutMs,
    readOnly: opts.readOnly,
  });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
