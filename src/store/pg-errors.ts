/**
 * PostgreSQL's failures in inv's words, and the masked address every message
 * shows. A leaf: the stores and the address parser import it, it imports none of them.
 */
import { InvError, StoreError } from '../core/errors.js';
import { Damage } from './decode.js';

/** A URL without its password (`postgres://shop:***@db.example/inv`): what every message shows. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

export const RETRYABLE = new Set(['40001', '40P01']);

export const damaged = (label: string, what: string, hint?: string, scope: 'store' | 'value' = 'store') =>
  new StoreError(
    'NOT_A_STORE',
    `the store ${label} is damaged (${what}); it was left as it is`,
    hint ?? 'restore a backup (inv restore FILE)',
    scope,
  );

/** PostgreSQL's failures in inv's words: exit 4 with what failed, the masked address and what to try. */
export function mapPgError(e: unknown, label: string): unknown {
  if (e instanceof InvError) return e;
  if (e instanceof Damage) return damaged(label, e.message, e.hint, 'value');
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  const msg = (err.message ?? String(e)).replace(/postgres(ql)?:\/\/[^\s]*/g, (u) => maskPassword(u));
  const unavailable = (what: string, hint: string) => new StoreError('STORE_UNAVAILABLE', what, hint);
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ETIMEDOUT' ||
    code === 'EAI_AGAIN' ||
    code === 'ENOTFOUND'
  )
    return unavailable(
      `cannot reach the PostgreSQL server of ${label} (${code}); nothing was changed`,
      'is the server running, and is the address right?',
    );
  if (code === '28P01' || code === '28000')
    return unavailable(
      `PostgreSQL refused the login to ${label} (${msg}); nothing was changed`,
      'check the user and password in the URL (or in PGPASSWORD / ~/.pgpass)',
    );
  if (code === '3D000')
    return unavailable(
      `the database of ${label} does not exist; nothing was changed`,
      'create it first (createdb NAME), then run: inv init',
    );
  if (code === '42501')
    return unavailable(
      `PostgreSQL refused the change on ${label} (${msg}); nothing was changed`,
      "check the role's privileges",
    );
  if (RETRYABLE.has(code) || code === '55P03' || code === '57014')
    return new StoreError(
      'STORE_BUSY',
      `the store ${label} is busy (${code === '55P03' ? 'locked by another session beyond the busy timeout' : msg}); nothing was changed`,
      'try again, or raise INV_BUSY_TIMEOUT (milliseconds)',
    );
  if (code === '53100' || code === '53200')
    return unavailable(
      `the store ${label} could not be written (${msg}); nothing was changed`,
      'free some disk space on the database server and try again',
    );
  if (code === '42P01' || code === '42703') return damaged(label, msg);
  if (
    code.startsWith('57P') ||
    code.startsWith('08') ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /Connection terminated|connection.*closed|connection error|not queryable/i.test(msg)
  )
    return unavailable(
      `the connection to ${label} was lost (${msg}); the change under way was not committed`,
      'check the server, then run the same command again',
    );
  return e;
}
