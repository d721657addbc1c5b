/**
 * Where a command's output file goes (`inv export -o`, `inv backup`), decided
 * before anything is written:
 *
 * - a regular file (new, or existing with --force) is written beside itself
 *   under a temporary name, synced, and renamed into place, so it is never left
 *   half-written; a symlink is followed, and the file it points to is the one
 *   replaced (the link stays a link);
 * - a device, a FIFO, anything under /dev or /proc (`/dev/stdout`, `/dev/null`)
 *   and `-` are written through, never replaced;
 * - the store itself, its `-wal`, `-shm` and `-journal`, are refused, by
 *   identity (the same file through a symlink, a hard link or another
 *   spelling) and, for the side files that do not exist yet, by name.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  createWriteStream,
  fsyncSync,
  lstatSync,
  openSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError, invalidInput } from '../core/errors.js';

export type OutputTarget =
  /** A regular file, created or replaced through a temporary file beside it. */
  | { kind: 'file'; path: string; given: string }
  /** Written as it is: a device, a FIFO, /dev/stdout; never renamed over. */
  | { kind: 'through'; path: string; given: string; fifo: boolean }
  | { kind: 'stdout'; given: '-' };

const statOrNull = (p: string, follow = true): Stats | null => {
  try {
    return follow ? statSync(p) : lstatSync(p);
  } catch {
    return null;
  }
};

/** Follows a chain of symlinks to the path they name (which may not exist yet). */
function followLinks(given: string): string {
  let p = resolve(given);
  for (let hops = 0; hops < 40; hops++) {
    const st = statOrNull(p, false);
    if (!st?.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw invalidInput(`${given} is a symlink that loops`);
}

/** The same file: same device and inode (a hard link, a symlink, `./x`), or for a file not there yet, the same folder and name. */
function sameFile(a: string, b: string): boolean {
  const sa = statOrNull(a);
  const sb = statOrNull(b);
  if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
  if (sa || sb) return false;
  const da = statOrNull(dirname(a));
  const db = statOrNull(dirname(b));
  return Boolean(da && db && da.dev === db.dev && da.ino === db.ino && basename(a) === basename(b));
}

const isDevicePath = (p: string) => /^\/(dev|proc)\//.test(p);

/**
 * Decides where `given` is written. `protect`: the store's files, never to be
 * written over. `force`: an existing regular file may be replaced.
 */
export function outputTarget(
  given: string,
  o: { force: boolean; protect: readonly string[]; command: string },
): OutputTarget {
  if (given === '-') return { kind: 'stdout', given };
  if (given.trim() === '') throw new UsageError(`name the file to write: ${o.command} FILE`);
  const path = followLinks(given);
  for (const p of o.protect) {
    if (sameFile(path, p)) {
      throw new UsageError(
        `${given} is ${p.endsWith('-wal') || p.endsWith('-shm') || p.endsWith('-journal') ? `the store's own ${p.slice(p.lastIndexOf('-') + 1)} file` : 'the store itself'} (${p}): writing it would destroy the store; nothing was written`,
        { hint: 'name another file' },
      );
    }
  }
  const st = statOrNull(path);
  if (isDevicePath(resolve(given)) || isDevicePath(path) || (st && !st.isFile() && !st.isDirectory())) {
    return {
      kind: 'through',
      path: isDevicePath(resolve(given)) ? resolve(given) : path,
      given,
      fifo: Boolean(st?.isFIFO()),
    };
  }
  if (st?.isDirectory()) throw invalidInput(`${given} is a folder`);
  if (st && !o.force) {
    throw new UsageError(`${given} exists already; nothing was written`, {
      hint: `overwrite it: ${o.command} ${given} --force`,
    });
  }
  if (!statOrNull(dirname(path))?.isDirectory()) {
    throw invalidInput(`cannot write ${given}: the folder ${dirname(path)} does not exist`);
  }
  return { kind: 'file', path, given };
}

/** A temporary name beside `path`, hidden, unique to this process. */
export const tempBeside = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

/** Makes a finished temporary file the real one: synced first, so that a crash leaves the old file or the new, whole. */
export function commitFile(tmp: string, path: string): void {
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // a folder that cannot be opened for syncing (some file systems): the rename is done
  }
}

export const removeQuietly = (path: string): void => {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing to remove, or not ours to remove: the original error is what matters
  }
};

/**
 * Opens a write-through target. A FIFO is opened without blocking (a thread
 * blocked in open(2) would keep Ctrl-C from ending the process), waiting for
 * its reader to appear; devices and /dev/stdout open as they are.
 */
export async function openThrough(t: Extract<OutputTarget, { kind: 'through' }>): Promise<Writable> {
  if (!t.fifo) {
    const out = createWriteStream(t.path, { flags: 'w' });
    await new Promise<void>((res, rej) => {
      out.once('open', () => res());
      out.once('error', (e: NodeJS.ErrnoException) =>
        rej(invalidInput(`cannot write ${t.given}: ${e.code ?? e.message}`)),
      );
    });
    return out;
  }
  for (;;) {
    try {
      const fd = openSync(t.path, constants.O_WRONLY | constants.O_NONBLOCK);
      return new Socket({ fd, readable: false, writable: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') {
        throw invalidInput(`cannot write ${t.given}: ${(e as NodeJS.ErrnoException).code}`);
      }
      await new Promise((r) => setTimeout(r, 100)); // no reader yet
    }
  }
}
