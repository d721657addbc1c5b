/**
 * PostgreSQL for the tests: a throwaway server started by `npm run test:pg`
 * (scripts/pg-server.mjs), whose address arrives in INV_TEST_PG_URL. Each test
 * file gets databases of its own, dropped afterwards. Without the variable the
 * PostgreSQL tests are skipped, and the run says so and how to run them.
 */
import pg from 'pg';
import { afterAll } from 'vitest';

export const PG_URL = process.env.INV_TEST_PG_URL;
export const HAVE_PG = PG_URL !== undefined && PG_URL !== '';

if (!HAVE_PG && !process.env.INV_PG_SKIP_SAID) {
  process.env.INV_PG_SKIP_SAID = '1';
  console.warn('PostgreSQL tests skipped: no server (run them with: npm run test:pg, which starts one)');
}

let n = 0;
const created: string[] = [];

/** The URL of `url` with another database name. */
export function withDatabase(url: string, db: string): string {
  // Not new URL(): a socket address (postgresql://user@/db?host=/folder) has no host, which WHATWG URLs refuse.
  return url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${db}`);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database on the test server; its URL. Dropped after the test file. */
export async function pgDatabase(): Promise<string> {
  const name = `inv_t_${process.pid}_${Date.now().toString(36)}_${++n}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  if (created.length === 0) {
    afterAll(async () => {
      await admin(async (c) => {
        for (const db of created.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      });
    });
  }
  created.push(name);
  return withDatabase(PG_URL!, name);
}

/** Runs SQL on a test database (to damage it, or look inside). */
export async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}
