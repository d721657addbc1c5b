/**
 * A progress bar on stderr for long imports: only on a terminal, only once the
 * input has passed a few thousand records, and cli-progress is loaded only then.
 * Scripts (stderr not a terminal) see nothing of it.
 */
import type { Writable } from 'node:stream';
import type { SingleBar } from 'cli-progress';
import { thousands } from './rows.js';

/** Records read before the bar appears: small imports finish before it would be seen. */
export const PROGRESS_AFTER = 5000;

export class Progress {
  private bar: SingleBar | null = null;
  private starting = false;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly totalBytes: number | null,
    private readonly enabled: boolean,
  ) {}

  async update(bytes: number, records: number): Promise<void> {
    if (!this.enabled || !this.stream.isTTY) return;
    if (this.bar === null) {
      if (records < PROGRESS_AFTER || this.starting) return;
      this.starting = true;
      const { SingleBar } = (await import('cli-progress')).default;
      const known = this.totalBytes !== null && this.totalBytes > 0;
      this.bar = new SingleBar({
        stream: this.stream as unknown as NodeJS.WritableStream,
        format: known
          ? 'reading {bar} {percentage}% | {records} records | {duration_formatted}'
          : 'reading {records} records | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      });
      this.bar.start(known ? this.totalBytes! : 1, 0, { records: 0 });
    }
    this.bar.update(this.totalBytes !== null ? Math.min(bytes, this.totalBytes) : 0, { records: thousands(records) });
  }

  /** A message while the bar may be drawn: clear its line first; it redraws below. */
  note(line: string): void {
    if (this.bar !== null) this.stream.write(`\r\u001b[K${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  /** Whether the bar was drawn: the reading was long enough for a word on what follows. */
  get shown(): boolean {
    return this.starting;
  }

  stop(): void {
    if (this.bar !== null) this.bar.stop();
    this.bar = null;
  }
}
