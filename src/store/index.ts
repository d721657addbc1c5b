import { openDatabase, type OpenOptions } from './open.js';
import { SqliteStore } from './sqlite-store.js';

export { SqliteStore } from './sqlite-store.js';
export { defaultDbPath } from './open.js';

export function openSqliteStore(opts: OpenOptions): SqliteStore {
  return new SqliteStore(openDatabase(opts), opts.path);
}
