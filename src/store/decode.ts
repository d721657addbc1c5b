/**
 * Values as a store keeps them, read back and checked: an order's lines (JSON),
 * a provider's document (JSON), a mode. A store edited by hand, or damaged, must
 * fail with exit 4 naming what is wrong, not with an internal error half-way
 * through a command, nor go on with an impossible value (orders placed in a
 * mode "bogus"). Shared by every backend; `verify` reports the same problems.
 */
import { MODES, type Mode } from '../core/modes.js';
import type { OrderLine } from '../core/ports.js';
import { type Provider, providerProblems } from '../core/providers.js';
import { MAX_QTY, skuProblem } from '../core/values.js';

/** A stored value that breaks the rules; the store turns it into "the store … is damaged (…)". */
export class Damage extends Error {
  constructor(
    message: string,
    /** How to mend it, where inv can (else: restore a backup). */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** An order's lines as stored in its row: [["SKU", qty], …]. */
export const encodeLines = (lines: readonly OrderLine[]): string => JSON.stringify(lines.map((l) => [l.sku, l.qty]));

export function decodeLines(text: string, orderId: string): OrderLine[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Damage(`the lines of order "${orderId}" are not valid JSON`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new Damage(`order "${orderId}" has no lines`);
  return v.map((l: unknown) => {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || !Number.isInteger(l[1]) || l[1] < 1 || l[1] > MAX_QTY) {
      throw new Damage(`order "${orderId}" has a line that is not [SKU, quantity]: ${JSON.stringify(l)?.slice(0, 60)}`);
    }
    return { sku: l[0], qty: l[1] };
  });
}

export function decodeMode(value: unknown, what: string): Mode {
  if (!(MODES as readonly unknown[]).includes(value))
    throw new Damage(`${what} is ${JSON.stringify(value)}, not a mode`);
  return value as Mode;
}

export function decodeProvider(doc: string, name: string): Provider {
  let p: Provider;
  try {
    p = JSON.parse(doc) as Provider;
  } catch {
    throw new Damage(`the provider "${name}" is not valid JSON`);
  }
  const problems = providerProblems(p);
  if (problems.length > 0) {
    throw new Damage(
      `the provider "${name}" ${problems.join(', ')}`,
      `set it right: inv provider set ${name} --window 5d (and any other figure named)`,
    );
  }
  if (p.name !== name) throw new Damage(`the provider stored as "${name}" calls itself "${p.name}"`);
  return p;
}

/** A SKU as stored: what is wrong with it, for `verify`. */
export const storedSkuProblem = (sku: string): string | null => skuProblem(sku);
