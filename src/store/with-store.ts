/**
 * Where the store is, and the one bracket that opens it (kysely-ctl's `usingKysely`):
 * every command opens the store through `withStore`, which always closes it.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../core/ports.js';

export interface StoreAddress {
  /** `sqlite`: a file path; `postgres`: a `postgres://` or `postgresql://` URL (libpq conventions). */
  kind: 'sqlite' | 'postgres';
  /** The file, or the URL (with its password, if it has one: never printed). */
  path: string;
  /** How messages name the store: the path, or the URL with its password masked. */
  label: string;
  /** Where the address came from: --db, INV_DB or the default path (whose folder is created when missing). */
  source: 'flag' | 'env' | 'default';
  busyTimeoutMs: number;
  /** Called when a command opens the store to write it (Ctrl-C then speaks of a rollback). */
  onWrite?: () => void;
}

/** SPEC section 3: --db, else INV_DB, else $XDG_DATA_HOME/inv/inventory.db, else ~/.local/share/inv/inventory.db. */
export function storeAddress(flag: string | undefined, env: NodeJS.ProcessEnv, busyTimeoutMs: number): StoreAddress {
  if (flag !== undefined) return addressOf(flag, 'flag', busyTimeoutMs);
  if (env.INV_DB) return addressOf(env.INV_DB, 'env', busyTimeoutMs);
  const base = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return addressOf(join(base, 'inv', 'inventory.db'), 'default', busyTimeoutMs);
}

import { maskPassword } from './pg-errors.js';

export { maskPassword };

const PG_URL = /^postgres(ql)?:\/\//i;

/** A store address from what the user wrote: a PostgreSQL URL, else a SQLite file path. */
export function addressOf(text: string, source: StoreAddress['source'], busyTimeoutMs: number): StoreAddress {
  if (PG_URL.test(text)) return { kind: 'postgres', path: text, label: maskPassword(text), source, busyTimeoutMs };
  return { kind: 'sqlite', path: text, label: text, source, busyTimeoutMs };
}

/** The files that make up a SQLite store: nothing may ever be written over them. */
export const storeFiles = (at: StoreAddress): string[] =>
  at.kind === 'sqlite' ? ['', '-wal', '-shm', '-journal'].map((s) => `${at.path}${s}`) : [];

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
  if (!opts.readOnly) at.onWrite?.();
  const store = await openStore(at, opts);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Opens a store; the caller closes it (a long-running server keeps one open). */
export async function openStore(at: StoreAddress, opts: UseOptions = {}): Promise<Store> {
  if (at.kind === 'postgres') {
    // The PostgreSQL driver loads only for a PostgreSQL address: SQLite's start-up pays nothing for it.
    const { openPgStore } = await import('./pg-store.js');
    return openPgStore({ url: at.path, busyTimeoutMs: at.busyTimeoutMs, ifMissing: opts.ifMissing });
  }
  // Loaded on first use: `inv --help` and the simulator never load SQLite.
  const { openSqliteStore } = await import('./index.js');
  if (opts.ifMissing && !existsSync(at.path)) throw opts.ifMissing();
  return openSqliteStore({
    path: at.path,
    createDir: at.source === 'default',
    busyTimeoutMs: at.busyTimeoutMs,
    readOnly: opts.readOnly,
  });
}
