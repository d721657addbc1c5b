import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

/** Writes `text` and resolves once it is written; rejects with the write's error (a full disk, a closed pipe). */
export function writeOut(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      out.write(text, (e?: Error | null) => (e ? reject(e) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}

/** Resolves when a full stream has drained, or closed, or failed; leaves no listener behind. */
function writable(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Writes pieces of text in 64 KiB chunks, waiting whenever the stream is full,
 * so that memory stays flat however long the output. Stops quietly when the
 * reader goes away (`inv stock --json | head`) and returns that error.
 *
 * The text is encoded into one reused buffer as it comes, not joined into a
 * string: pending pieces would survive V8's young-generation collections, and
 * what survives makes the young generation grow with the length of the output
 * (a million SKUs: +35 MiB).
 */
export async function writePieces(
  out: Writable,
  pieces: Iterable<string> | AsyncIterable<string>,
): Promise<Error | null> {
  const chunk = Buffer.allocUnsafeSlow(FLUSH_AT);
  let used = 0;
  let error: Error | null = null;
  const onError = (e: Error) => {
    error = e;
  };
  out.once('error', onError);
  const send = async (data: Buffer | string) => {
    if (error) return;
    const ok = out.write(data);
    if (!ok) await writable(out);
  };
  const flush = async () => {
    if (used === 0) return;
    const full = chunk.subarray(0, used);
    used = 0;
    // A copy goes out: a stream may keep what it is given (a PassThrough hands the
    // same Buffer to its reader), while the encoding buffer is reused at once.
    await send(Buffer.from(full));
  };
  try {
    for await (const piece of pieces) {
      // At most 3 bytes of UTF-8 per UTF-16 unit.
      if (used + piece.length * 3 > FLUSH_AT) await flush();
      if (piece.length * 3 > FLUSH_AT) await send(piece);
      else used += chunk.write(piece, used);
      if (error) break;
    }
    await flush();
  } finally {
    out.off('error', onError);
  }
  return error;
}

/**
 * Result lines of a long stream (`inv apply`): written together once the input
 * read so far is used up (or every 64 KiB), not one write per line, so that a
 * replayed day does not pay a system call per event while a live queue feeding
 * one event at a time still gets each answer at once.
 */
export class LineWriter {
  private buf = '';
  private pending = 0;
  private scheduled = false;
  private full: Promise<void> | null = null;
  /** The callback of the last write (a stream reports a failed write later, not at once). */
  private last: Promise<void> = Promise.resolve();
  /** The first failed write (a closed pipe, a full disk): nothing more is written after it. */
  failed: Error | null = null;
  /** Lines handed to a write that did not fail. */
  written = 0;

  /** Ctrl-C ends the process at once (bin/inv.cjs): what was applied is still said first. */
  private readonly onExit = (): void => this.flush();

  constructor(private readonly out: Writable) {
    process.once('exit', this.onExit);
  }

  /** Writes what is left; after this, nothing more is pushed. */
  close(): void {
    this.flush();
    process.off('exit', this.onExit);
  }

  /** Resolves once every write handed over has been done or has failed (`failed` then says so). */
  settled(): Promise<void> {
    return this.last;
  }

  push(line: string): void {
    if (this.failed) return;
    this.buf += line;
    this.pending++;
    if (this.buf.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buf === '' || this.failed) return;
    const lines = this.pending;
    let ok = true;
    let done = () => {};
    this.last = new Promise((resolve) => {
      done = resolve;
    });
    try {
      ok = this.out.write(this.buf, (e?: Error | null) => {
        if (e && !this.failed) {
          this.failed = e;
          this.written -= lines;
        }
        done();
      });
      this.written += lines;
    } catch (e) {
      this.failed ??= e as Error;
      done();
    }
    this.buf = '';
    this.pending = 0;
    if (!ok && !this.full && !this.failed) {
      this.full = writable(this.out).then(() => {
        this.full = null;
      });
    }
  }

  /** Waits while the reader is behind, so that memory stays flat. */
  async ready(): Promise<void> {
    if (this.full) await this.full;
  }
}
