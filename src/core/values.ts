/**
 * The shape of every value a user types: SKUs, ids, quantities, times, durations.
 * Each check throws a UsageError (exit 2) that names the value.
 */
import { UsageError, invalidInput } from './errors.js';

export const MAX_QTY = 1_000_000_000;
const MAX_KEY = 64;
// Control characters (C0, DEL, C1) and the line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function checkKey(kind: string, value: string): string {
  if (value.length === 0) throw invalidInput(`${kind} is empty`);
  // UTF-16 units are never fewer than code points: only a long string needs counting.
  if (value.length > MAX_KEY && [...value].length > MAX_KEY)
    throw invalidInput(`${kind} "${value.slice(0, 20)}…" is longer than ${MAX_KEY} characters`);
  if (CONTROL.test(value)) throw invalidInput(`${kind} ${JSON.stringify(value)} contains a control character`);
  if (value.trim() !== value) throw invalidInput(`${kind} ${JSON.stringify(value)} starts or ends with a space`);
  return value;
}

/**
 * Invisible formatting characters (Unicode category Cf): zero-width spaces and
 * joiners, bidirectional marks and overrides (U+202E), the BOM (U+FEFF), soft
 * hyphens. In a SKU they make two SKUs that look the same, or one that reads
 * backwards.
 */
const INVISIBLE = /\p{Cf}/u;

/**
 * A SKU: 1–64 printable characters, case-sensitive (SPEC section 2), in Unicode
 * NFC: `CAFÉ` typed with a combining accent (NFD) is the same SKU as with a
 * precomposed É. Returns the SKU as stored (normalised).
 */
/** Printable ASCII without spaces at either end: already NFC, nothing invisible, no control character. */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function checkSku(value: string): string {
  // The common case (SKU-0001234) skips the Unicode work; a million-row import checks a million SKUs.
  if (value.length <= MAX_KEY && PLAIN.test(value)) return value;
  const sku = value.normalize('NFC');
  // Before checkKey: its trim() would take a BOM for a space.
  const hidden = INVISIBLE.exec(sku);
  if (hidden) {
    const code = `U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalidInput(
      `SKU ${JSON.stringify(sku)} contains an invisible formatting character (${code}): two such SKUs look the same`,
    );
  }
  return checkKey('SKU', sku);
}

/** Why a SKU already in a store breaks the rules of checkSku (a store written by an older inv), or null. */
export function skuProblem(sku: string): string | null {
  try {
    if (checkSku(sku) !== sku) return 'is not in Unicode NFC: it may look like another SKU';
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function checkOrderId(value: string): string {
  return checkKey('order id', value);
}

export function checkEventId(value: string): string {
  return checkKey('event id', value);
}

/** Names are free text (exports carry newlines and quotes in them); they are printed escaped (render/style.ts safe()). */
export function checkName(value: string): string {
  if ([...value].length > 500) throw invalidInput(`name is longer than 500 characters`);
  return value;
}

/** An integer in ±1,000,000,000 written in decimal (no exponent, no fraction). */
export function parseInteger(what: string, text: string, opts: { min?: number } = {}): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw invalidInput(`${what} "${text}" is not a whole number`);
  const n = Number(t);
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_QTY) {
    throw invalidInput(`${what} ${text} is out of range (±${MAX_QTY.toLocaleString('en-US')})`);
  }
  if (opts.min !== undefined && n < opts.min) throw invalidInput(`${what} ${n} must be at least ${opts.min}`);
  return n === 0 ? 0 : n; // no -0
}

/**
 * A moment: ISO-8601 with a date (`2026-11-27`, `2026-11-27T09:00`, with `Z` or
 * an offset). A time without a zone is read as UTC, so scripts behave the same
 * on every machine.
 */
export function parseTime(what: string, text: string): number {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) throw new UsageError(`${what} "${text}" is not an ISO-8601 time (e.g. 2026-11-27T09:00:00Z)`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const z = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${z}`);
  // Date.parse rolls 2026-02-31 over to March: check the fields survived.
  const back = new Date(ms);
  if (Number.isNaN(ms) || (z === 'Z' && (back.getUTCDate() !== Number(d) || back.getUTCMonth() + 1 !== Number(mo)))) {
    throw new UsageError(`${what} "${text}" is not a valid date`);
  }
  return ms;
}

/** 1234567 → "1,234,567" (toLocaleString loads ICU data: ~30 ms on the first call). */
export const thousands = (x: number): string => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The longest line (or CSV field) an import reads by default: far above any real export's, far below what exhausts memory. */
export const DEFAULT_MAX_LINE = 1 << 20;
const MAX_MAX_LINE = 1 << 30;

/** A size in bytes: `65536`, `512K`, `4M`, `1G` (binary units), from 1 KiB to 1 GiB. */
export function parseSize(what: string, text: string): number {
  const m = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(text);
  const n = m
    ? Number(m[1]) * { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g']
    : NaN;
  if (!Number.isSafeInteger(n) || n < 1024 || n > MAX_MAX_LINE) {
    throw new UsageError(`${what} "${text}" is not a size from 1K to 1G (e.g. 512K, 4M)`);
  }
  return n;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration: `90s`, `30m`, `36h`, `5d`, `2w`, or ISO-8601 `P5D`, `PT36H`. Returns hours. */
export function parseDurationHours(what: string, text: string): number {
  const t = text.trim();
  let ms: number | undefined;
  const simple = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(t);
  if (simple) ms = Number(simple[1]) * UNIT_MS[simple[2].toLowerCase()];
  const isoDur =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      t,
    );
  if (!simple && isoDur && t.length > 1 && !/T$/i.test(t)) {
    const [, w = '0', d = '0', h = '0', mi = '0', s = '0'] = isoDur;
    ms =
      Number(w) * UNIT_MS.w +
      Number(d) * UNIT_MS.d +
      Number(h) * UNIT_MS.h +
      Number(mi) * UNIT_MS.m +
      Number(s) * UNIT_MS.s;
  }
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new UsageError(`${what} "${text}" is not a duration (e.g. 30m, 36h, 5d or P5D)`);
  }
  return ms / UNIT_MS.h;
}
