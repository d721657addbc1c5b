/**
 * What every command receives instead of reading process.* itself (CONVENTIONS 3):
 * the clock, where the store is, the source of ids and seeds, the streams and
 * colour. `makeContext` is the composition root: the CLI hands it the global
 * options, tests build a Context of their own.
 */
import { randomInt } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../core/errors.js';
import { parseInteger, parseTime } from '../core/values.js';
import { colourWanted, makeStyle, type Style } from '../render/style.js';
import { type StoreAddress, storeAddress } from '../store/with-store.js';

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** What Ctrl-C says about the store (bin/inv.cjs prints it); a command that writes changes it. */
  interrupt?: {
    note: string;
    /**
     * Set by a stream (inv apply): Ctrl-C then asks it to stop after the event under
     * way, whose result is said, instead of exiting at once: with PostgreSQL a commit
     * may be on the wire when the signal comes. A second Ctrl-C exits at once.
     */
    stop?: () => void;
    /** A long-running command (inv serve) that stops by itself on SIGTERM instead of being ended. */
    onTerm?: () => void;
  };
}

/** Where made-up values come from, so that a test can fix them. */
export interface Ids {
  /** An order id for an order placed without one: `o-` and 12 hex digits. */
  orderId(): string;
  /** A simulation seed, 0–4294967295, when none was given. */
  seed(): number;
}

export interface Context {
  io: Io;
  /** The moment the command acts at: --now / INV_NOW, else when it started. */
  nowMs: number;
  /** The time for each event of a long run (inv apply): --now if given, else the clock as it goes on. */
  clock: () => number;
  store: StoreAddress;
  ids: Ids;
  json: boolean;
  quiet: boolean;
  colour: boolean;
  style: Style;
  /** A message for the operator, on stderr (silenced by --quiet). */
  note(line: string): void;
  warn(line: string): void;
}

/** The global options, as the command line gave them. */
export interface Globals {
  db?: string;
  now?: string;
  json?: boolean;
  color?: boolean;
  quiet?: boolean;
}

export const randomIds: Ids = {
  // Web Crypto: node:crypto's module costs a few ms at start-up, and placing an order is a start-up.
  orderId: () =>
    `o-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`,
  seed: () => randomInt(0, 0x1_0000_0000),
};

export function makeContext(io: Io, g: Globals): Context {
  for (const [what, v] of [
    ['--now', g.now],
    ['INV_NOW', io.env.INV_NOW],
    ['INV_DB', io.env.INV_DB],
    ['--db', g.db],
  ] as const) {
    // An empty value is a mistake in a script (an unset variable), not a wish for the default.
    if (v !== undefined && v.trim() === '')
      throw new UsageError(`${what} is empty: give a value, or leave it out for the default`);
  }
  const nowText = g.now ?? io.env.INV_NOW;
  const fixedNow = nowText !== undefined;
  const nowMs = fixedNow ? parseTime(g.now !== undefined ? '--now' : 'INV_NOW', nowText) : Date.now();
  const timeoutText = io.env.INV_BUSY_TIMEOUT;
  const busyTimeoutMs = timeoutText ? parseInteger('INV_BUSY_TIMEOUT', timeoutText, { min: 0 }) : 5000;
  const colour = colourWanted({ isTTY: Boolean(io.stdout.isTTY), env: io.env, noColor: g.color === false });
  const errStyle = makeStyle(
    colourWanted({ isTTY: Boolean(io.stderr.isTTY), env: io.env, noColor: g.color === false }),
  );
  const quiet = Boolean(g.quiet);
  return {
    io,
    nowMs,
    clock: () => (fixedNow ? nowMs : Date.now()),
    store: {
      ...storeAddress(g.db, io.env, busyTimeoutMs),
      onWrite: () => {
        if (io.interrupt) io.interrupt.note = 'the change under way was rolled back';
      },
    },
    ids: randomIds,
    json: Boolean(g.json),
    quiet,
    colour,
    style: makeStyle(colour),
    note: (line) => {
      if (!quiet) io.stderr.write(`${line}\n`);
    },
    warn: (line) => {
      io.stderr.write(`${errStyle.yellow('warning:')} ${line}\n`);
    },
  };
}
