/** Small readers for payload fields: a missing or mistyped field is a payload inv cannot read (400). */
import { invalidInput } from '../../core/errors.js';
import { isObj, type Obj } from './types.js';

export function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw invalidInput(`${what} must be a JSON object`);
  return v;
}

export function text(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw invalidInput(`${what}: "${key}" must be a non-empty string`);
  return v;
}

export function optText(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** An id given as a number or a string (long ones arrive as strings, see json.ts). */
export function id(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v === 'string' && /^\S{1,40}$/.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw invalidInput(`${what}: "${key}" must be an id (a number or a string)`);
}

export function quantity(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw invalidInput(`${what}: the quantity must be a whole number`);
  return n;
}
