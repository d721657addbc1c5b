/**
 * What every command receives instead of reading process.* itself (CONVENTIONS 3):
 * the clock, the streams, colour, terminals and how to open the store.
 */
import type { Readable, Writable } from 'node:stream';
import type { Store } from '../core/ports.js';
import type { Style } from '../render/style.js';

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

export interface Context {
  io: Io;
  /** The moment the command acts at: --now / INV_NOW, else when it started. */
  nowMs: number;
  /** The time for each event of a long run (inv apply): --now if given, else the clock as it goes on. */
  clock: () => number;
  json: boolean;
  quiet: boolean;
  colour: boolean;
  style: Style;
  dbPath: string;
  dbIsDefault: boolean;
  /** --db was given on the command line (not INV_DB): `inv demo` may then keep its store there. */
  dbFromFlag: boolean;
  busyTimeoutMs: number;
  /** A message for the operator, on stderr (silenced by --quiet). */
  note(line: string): void;
  warn(line: string): void;
}

/**
 * Opens the store, runs `fn`, and always closes it (kysely-ctl's `using…` bracket).
 * `readOnly`: the command only reads, so a store that cannot be written still serves it.
 */
export const READ = { readOnly: true } as const;

export async function withStore<T>(
  ctx: Context,
  fn: (store: Store) => Promise<T>,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  const { openSqliteStore } = await import('../store/index.js');
  const store = openSqliteStore({
    path: ctx.dbPath,
    createDir: ctx.dbIsDefault,
    busyTimeoutMs: ctx.busyTimeoutMs,
    readOnly: opts.readOnly,
  });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
