/**
 * JSON as the platforms send it. Shopify and WooCommerce ids are integers that
 * can exceed 2^53 (Shopify's are 19 digits): `JSON.parse` would round them, and
 * two orders would become one. Integers of 16 digits or more are read as the
 * digits themselves (a string); everything else is plain `JSON.parse`.
 */
import { invalidInput } from '../../core/errors.js';

const LONG_INT = 16;

/** Wraps every integer literal of LONG_INT digits or more (outside strings) in quotes. */
function quoteLongIntegers(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + (c === 0x2d ? 1 : 0);
      while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
      const digits = j - i - (c === 0x2d ? 1 : 0);
      const next = j < n ? text[j] : '';
      if (digits >= LONG_INT && next !== '.' && next !== 'e' && next !== 'E') {
        out += `${text.slice(from, i)}"${text.slice(i, j)}"`;
        from = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Parses a payload; long integers come back as strings of their digits. */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(quoteLongIntegers(text));
  } catch (e) {
    throw invalidInput(`not valid JSON: ${(e as Error).message}`);
  }
}
