import type { Style } from '../render/style.js';

/** What a command hands back: the stable JSON document and its human rendering. */
export interface Output {
  json: unknown;
  human: (style: Style) => string;
  /** Non-zero for results that are not failures but must change the exit code (verify). */
  exitCode?: number;
  /** Already written to stdout by the command itself (streams such as `inv apply`). */
  streamed?: boolean;
  /** What the command changed, in a few words ("order \"A\" was placed"): said if its result cannot be written. */
  done?: string;
}

export const output = <T>(
  json: T,
  render: (r: T, style: Style) => string,
  exitCode?: number,
  done?: string,
): Output => ({
  json,
  human: (style) => render(json, style),
  exitCode,
  done,
});

/** The same result, for a command that changed the store: `done` says what changed. */
export const changed = <T>(json: T, render: (r: T, style: Style) => string, done: string): Output =>
  output(json, render, undefined, done);
