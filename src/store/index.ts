import { openForReading, type OpenOptions } from './open.js';
import { SqliteStore } from './sqlite-store.js';

export { SqliteStore } from './sqlite-store.js';

export function openSqliteStore(opts: OpenOptions): SqliteStore {
  const { db, cleanup } = openForReading(opts);
  return new SqliteStore(db, opts.path, cleanup);
}
export { inspectBackup } from './backup.js';
