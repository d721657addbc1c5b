/**
 * Colour is decided once (CONVENTIONS 7): only on a terminal, never with
 * NO_COLOR, TERM=dumb or --no-color. Colour is always paired with a word.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export type Style = ChalkInstance;

export function colourWanted(o: { isTTY: boolean; env: NodeJS.ProcessEnv; noColor: boolean }): boolean {
  if (o.noColor || !o.isTTY) return false;
  if (o.env.NO_COLOR !== undefined && o.env.NO_COLOR !== '') return false;
  if (o.env.TERM === 'dumb') return false;
  return true;
}

export function makeStyle(colour: boolean): Style {
  return new Chalk({ level: colour ? 1 : 0 });
}

// C0/C1 controls, DEL, and bidirectional overrides/isolates: data must never
// move the cursor, recolour the screen or reorder the text around it.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the store or a file, made safe to print on a terminal. */
export function safe(text: string): string {
  return text
    .replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\n/g, '\\n')
    .replace(/\t/g, ' ');
}
