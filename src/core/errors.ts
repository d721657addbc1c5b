/**
 * Typed errors. Everything below bin/ throws one of these; the single top-level
 * catch in src/main.ts maps `exitCode` to the process exit code (SPEC section 7).
 */
export type ErrorCode =
  | 'USAGE'
  | 'INVALID_INPUT'
  | 'OUT_OF_STOCK'
  | 'UNKNOWN_SKU'
  | 'UNKNOWN_ORDER'
  | 'ORDER_EXISTS'
  | 'INVALID_TRANSITION'
  | 'EVENT_CONFLICT'
  | 'BELOW_RESERVED'
  | 'UNKNOWN_SCHEDULE'
  | 'STORE_UNAVAILABLE'
  | 'STORE_BUSY'
  | 'NOT_A_STORE'
  | 'VERIFY_FAILED'
  | 'NO_TERMINAL'
  | 'INTERRUPTED'
  | 'INTERNAL';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  refused: 3,
  store: 4,
  verify: 5,
  interrupted: 130,
} as const;

export class InvError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly exitCode: number,
    readonly details: unknown[] = [],
    /** A next step for the operator, printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InvError';
  }
}

/** Exit 2: the command line or the input is wrong. */
export class UsageError extends InvError {
  constructor(message: string, opts: { code?: ErrorCode; details?: unknown[]; hint?: string } = {}) {
    super(opts.code ?? 'USAGE', message, EXIT.usage, opts.details, opts.hint);
  }
}

export function invalidInput(message: string, details: unknown[] = [], hint?: string): UsageError {
  return new UsageError(message, { code: 'INVALID_INPUT', details, hint });
}

/** Exit 3: well-formed, but a business rule says no. */
export class RefusedError extends InvError {
  constructor(code: ErrorCode, message: string, details: unknown[] = [], hint?: string) {
    super(code, message, EXIT.refused, details, hint);
  }
}

/** Exit 4: the store cannot be used (locked, foreign, corrupt, unwritable). */
export class StoreError extends InvError {
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(code, message, EXIT.store, [], hint);
  }
}

/**
 * Whether `e` is one of ours. By shape, not `instanceof`: each command is bundled
 * on its own (scripts/build.mjs), so its errors come from its own copy of this class.
 */
export function isInvError(e: unknown): e is InvError {
  return (
    e instanceof Error &&
    e.name === 'InvError' &&
    typeof (e as InvError).exitCode === 'number' &&
    typeof (e as InvError).code === 'string'
  );
}
