import { once } from 'node:events';
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

/**
 * Writes pieces of text in 64 KiB chunks, waiting whenever the stream is full,
 * so that memory stays flat however long the output. Stops quietly when the
 * reader goes away (`inv stock --json | head`) and returns that error.
 */
export async function writePieces(out: Writable, pieces: Iterable<string> | AsyncIterable<string>): Promise<Error | null> {
  let buf = '';
  let error: Error | null = null;
  const onError = (e: Error) => {
    error = e;
  };
  out.once('error', onError);
  const flush = async () => {
    if (buf === '' || error) return;
    const ok = out.write(buf);
    buf = '';
    if (!ok) await Promise.race([once(out, 'drain'), once(out, 'close'), once(out, 'error')]);
  };
  try {
    for await (const piece of pieces) {
      buf += piece;
      if (buf.length >= FLUSH_AT) await flush();
      if (error) break;
    }
    await flush();
  } finally {
    out.off('error', onError);
  }
  return error;
}
