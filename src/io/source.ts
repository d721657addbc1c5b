/**
 * The bytes of an import: a file or stdin, in chunks, refused early when they
 * are not text (a NUL byte near the start, as git and grep judge binary files)
 * or not UTF-8 (checked chunk by chunk, a character cut by a chunk boundary
 * carried over to the next one).
 */
import { constants, createReadStream, fstatSync, openSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { invalidInput } from '../core/errors.js';

export interface Source {
  /** The file name as given, or "stdin". */
  name: string;
  /** Lower-case extension with its dot, '' for stdin. */
  ext: string;
  /** Size in bytes when known (a regular file). */
  size: number | null;
  stream: Readable;
}

const CHUNK = 1 << 16;

export async function openSource(file: string, stdin: Readable & { isTTY?: boolean }): Promise<Source> {
  if (file === '-') {
    if (stdin.isTTY)
      throw invalidInput(
        'stdin is a terminal: pipe the file in (inv import - < stock.csv) or name it (inv import stock.csv)',
      );
    // A folder given as stdin (`inv import - < folder`) reads as empty: say what it is.
    const fd = (stdin as { fd?: unknown }).fd;
    if (typeof fd === 'number' && fstatOrNull(fd)?.isDirectory()) throw invalidInput('stdin is a folder, not a file');
    return { name: 'stdin', ext: '', size: null, stream: stdin };
  }
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw invalidInput(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code}`,
    );
  }
  if (st.isDirectory()) throw invalidInput(`${file} is a folder, not a file`);
  const ext = extname(file).toLowerCase();
  if (st.isFIFO()) return { name: file, ext, size: null, stream: openFifo(file) };
  const stream = createReadStream(file, { highWaterMark: CHUNK });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e: NodeJS.ErrnoException) =>
      reject(invalidInput(`cannot read ${file}: ${e.code ?? e.message}`)),
    );
  });
  return { name: file, ext, size: st.isFile() ? st.size : null, stream };
}

function fstatOrNull(fd: number): Stats | null {
  try {
    return fstatSync(fd);
  } catch {
    return null;
  }
}

/**
 * A FIFO, opened without blocking: open(2) on a FIFO waits for its writer, and
 * a thread of Node's pool stuck there keeps the process from exiting, so that
 * Ctrl-C would not end it. Read through a socket, it waits for data (and for
 * the writer) in the event loop, where Ctrl-C is heard.
 */
function openFifo(file: string): Readable {
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    return new Socket({ fd, readable: true, writable: false });
  } catch (e) {
    throw invalidInput(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Length of an incomplete UTF-8 sequence at the end of `b` (0 when it ends on a character boundary). */
function cutTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Offset of the first byte that is not valid UTF-8 (only called once a chunk failed). */
export function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const need = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (need === 0) return i;
    if (need > 1 && !isUtf8(b.subarray(i, i + need))) return i;
    i += need;
  }
  return b.length;
}

export class EncodingError extends Error {
  constructor(
    readonly chunk: Buffer,
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The source's bytes, checked. Throws EncodingError with the bad chunk and
 * offset, so that the reader, which knows the line it reached, can name it.
 */
export async function* checkedChunks(src: Source): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let first = true;
  for await (const raw of src.stream as AsyncIterable<Buffer | string>) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (carry !== null) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    if (first && chunk.length > 0) {
      first = false;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw new EncodingError(
          chunk,
          0,
          `${src.name} is UTF-16 text, not UTF-8: save it as UTF-8 (in Excel: CSV UTF-8) and import it again`,
        );
      }
      const nul = chunk.subarray(0, 8000).indexOf(0);
      if (nul >= 0) throw new EncodingError(chunk, nul, `${src.name} is a binary file, not CSV or JSON text`);
    }
    const tail = cutTail(chunk);
    if (tail > 0) {
      carry = chunk.subarray(chunk.length - tail);
      chunk = chunk.subarray(0, chunk.length - tail);
    }
    if (!isUtf8(chunk)) {
      throw new EncodingError(
        chunk,
        firstInvalidUtf8(chunk),
        `${src.name} is not UTF-8 text: save it as UTF-8 (in Excel: CSV UTF-8) and import it again`,
      );
    }
    yield chunk;
  }
  if (carry !== null)
    throw new EncodingError(carry, 0, `${src.name} is not UTF-8 text: it ends in the middle of a character`);
}
