/**
 * Typed errors. Everything below bin/ throws one of these; the single top-level
 * catch in src/main.ts maps `exitCode` to the process exit code (SPEC section 7).
 */
export type ErrorCode =
  | 'USAGE'
  | 'INVALID_INPUT'
  | 'CANNOT_MAP'
  | 'OUT_OF_STOCK'
  | 'UNKNOWN_SKU'
  | 'UNKNOWN_ORDER'
  | 'ORDER_EXISTS'
  | 'INVALID_TRANSITION'
  | 'EVENT_CONFLICT'
  | 'BELOW_RESERVED'
  | 'UNKNOWN_SCHEDULE'
  | 'STORE_NOT_EMPTY'
  | 'STORE_UNAVAILABLE'
  | 'STORE_BUSY'
  | 'NOT_A_STORE'
  | 'VERIFY_FAILED'
  | 'NO_TERMINAL'
  | 'INTERRUPTED'
  | 'OUTPUT_FAILED'
  | 'INTERNAL';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  refused: 3,
  store: 4,
  verify: 5,
  /** The command did its work, but its result could not be written (stdout full, closed or gone). */
  output: 6,
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

/**
 * Exit 2: a platform's event that inv reads but cannot turn into its own yet (no
 * line items, an unknown payment method): the shop can fix it, and the
 * platform's retry then lands (`inv serve` answers 422 so that it retries).
 */
export function cannotMap(message: string, details: unknown[] = [], hint?: string): UsageError {
  return new UsageError(message, { code: 'CANNOT_MAP', details, hint });
}

/** Exit 3: well-formed, but a business rule says no. */
export class RefusedError extends InvError {
  constructor(code: ErrorCode, message: string, details: unknown[] = [], hint?: string) {
    super(code, message, EXIT.refused, details, hint);
  }
}

/** Exit 4: the store cannot be used (locked, foreign, corrupt, unwritable). */
export class StoreError extends InvError {
  constructor(
    code: ErrorCode,
    message: string,
    hint?: string,
    /**
     * `store`: the store as a whole cannot serve (locked, full, unreadable): a stream stops.
     * `value`: one stored value is damaged (an order's lines, a provider): only what reads it fails.
     */
    readonly scope: 'store' | 'value' = 'store',
  ) {
    super(code, message, EXIT.store, [], hint);
  }
}

/** The store as a whole cannot serve (not one event's own problem): a batch rolls back whole, a stream stops. */
export const failsTheStore = (e: unknown): e is StoreError => e instanceof StoreError && e.scope === 'store';

/**
 * Exit 6: the result could not be written to stdout. The message says what the
 * command had already done (an order placed, events applied) or that nothing
 * was changed. `readerGone`: a read command whose reader closed the pipe
 * (`inv stock | head`), which ends quietly with exit 0, as other tools do.
 */
export class OutputError extends InvError {
  constructor(
    message: string,
    readonly readerGone = false,
    hint?: string,
  ) {
    super('OUTPUT_FAILED', message, EXIT.output, [], hint);
  }
}

/** How a failed write is named in messages. */
export function writeFailure(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return null;
  const words: Record<string, string> = {
    EPIPE: 'the reader went away (EPIPE)',
    ENOSPC: 'the disk is full (ENOSPC)',
    EDQUOT: 'the disk quota is used up (EDQUOT)',
    EFBIG: 'the file is too large (EFBIG)',
    EIO: 'an input/output error (EIO)',
    EBADF: 'stdout is closed (EBADF)',
  };
  return words[code] ?? code;
}

/**
 * The error for a result that could not be written. `done`: what the command
 * changed, in a few words ("order \"A\" was placed"); undefined for commands that
 * only read. Returns `e` itself when it is not a failed write.
 */
export function outputLost(e: unknown, done: string | undefined): unknown {
  const why = writeFailure(e);
  if (why === null) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (!done)
    return new OutputError(`the result could not be written to stdout: ${why}; nothing was changed`, code === 'EPIPE');
  return new OutputError(`${done}, but the result could not be written to stdout: ${why}`);
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
