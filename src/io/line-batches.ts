import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const WAITED = Symbol('waited');

/**
 * The lines of a stream, in batches for group commit (`inv apply`). A batch
 * closes when it holds `max` lines, when `waitMs` have passed since its first
 * line arrived and no further line is at hand (a slow stream, such as a webhook
 * pipe, gets each answer within a few milliseconds, not at the end), or at the
 * end of the input. Waiting for a batch's first line has no limit. Lines are
 * read as they are asked for: readline pauses the input while the caller works,
 * so memory stays flat however long the stream.
 */
export async function* lineBatches(
  input: Readable,
  o: {
    max: number;
    waitMs: number /** Ends the lines at once (Ctrl-C): the batch under way is the last. */;
    signal?: AbortSignal;
  },
): AsyncGenerator<string[]> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, signal: o.signal });
  const it = rl[Symbol.asyncIterator]();
  // A line asked for when the batch's time ran out: the next batch starts with it.
  let pending: Promise<IteratorResult<string>> | null = null;
  try {
    for (;;) {
      const first = await (pending ?? it.next());
      pending = null;
      if (first.done) return;
      const batch = [first.value];
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<typeof WAITED>((resolve) => {
        timer = setTimeout(resolve, o.waitMs, WAITED);
      });
      try {
        while (batch.length < o.max) {
          const next = it.next();
          // A line already read wins the race even after the time is up: only a wait ends the batch.
          const r = await Promise.race([next, waited]);
          if (r === WAITED) {
            pending = next;
            break;
          }
          if (r.done) {
            yield batch;
            return;
          }
          batch.push(r.value);
        }
      } finally {
        clearTimeout(timer);
      }
      yield batch;
    }
  } finally {
    rl.close();
  }
}
