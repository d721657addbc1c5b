// A throwaway PostgreSQL server for the tests and benchmarks: a new cluster in a
// temporary folder, listening on a unix socket in that folder only (no TCP), run
// by the `postgres` user when this runs as root (initdb refuses root). Debian's
// PostgreSQL 15 puts initdb and pg_ctl on PATH on this project's machines.
//
//   node scripts/pg-server.mjs -- CMD ARGS…   start a server, run CMD with INV_TEST_PG_URL set, stop the server
//
// The server is stopped and its folder removed when CMD ends, fails, or this
// process gets SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const asRoot = process.getuid?.() === 0;

/** A role that logs in with a password: a new random one for each throwaway server, never written down. */
const SHOP_ROLE = 'inv_shop';
const SHOP_PASSWORD = randomBytes(18).toString('base64url');

function pgUser() {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('there is no postgres user to run the server as');
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts, ...(asRoot ? pgUser() : {}) });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

/**
 * Starts a cluster; returns its URL and a stop function. `fast`: without fsync
 * (the test suites, which never crash the server: what they check is what
 * clients see); the benchmarks keep every commit durable, as a shop's server would.
 */
export function startServer({ fast = false } = {}) {
  const durability = fast
    ? '-c fsync=off -c synchronous_commit=off -c full_page_writes=off'
    : '-c fsync=on -c synchronous_commit=on';
  const dir = mkdtempSync(join(tmpdir(), 'inv-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (asRoot) {
    const { uid, gid } = pgUser();
    chownSync(dir, uid, gid);
    chownSync(sock, uid, gid);
  }
  const user = asRoot ? 'postgres' : userInfo().username;
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', user, '-E', 'UTF8', '--locale=C', '--no-sync']);
    // The admin role logs in over the socket without a password; every other role needs its password
    // (SCRAM), so that the tests can show a wrong password refused and a right one never printed.
    writeFileSync(join(data, 'pg_hba.conf'), `local all ${user} trust\nlocal all all scram-sha-256\n`);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-o',
      `-k ${sock} -c listen_addresses='' -c max_connections=120 ${durability}`,
      'start',
    ]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `postgresql://${user}@/postgres?host=${encodeURIComponent(sock)}`;
  try {
    run('psql', ['-X', '-q', '-d', url, '-c', `CREATE ROLE ${SHOP_ROLE} LOGIN CREATEDB PASSWORD '${SHOP_PASSWORD}'`]);
  } catch (e) {
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const shopUrl = `postgresql://${SHOP_ROLE}:${SHOP_PASSWORD}@/postgres?host=${encodeURIComponent(sock)}`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      // already down
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, shopUrl, stop, dir };
}

if (process.argv[1]?.endsWith('pg-server.mjs')) {
  const at = process.argv.indexOf('--');
  const cmd = at >= 0 ? process.argv.slice(at + 1) : [];
  if (cmd.length === 0) {
    console.error('usage: node scripts/pg-server.mjs -- CMD ARGS…');
    process.exit(2);
  }
  const server = startServer({ fast: process.env.INV_PG_FAST === '1' });
  console.error(`PostgreSQL test server on ${server.dir}/sock (unix socket only)`);
  const child = spawn(cmd[0], cmd.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, INV_TEST_PG_URL: server.url, INV_TEST_PG_SHOP_URL: server.shopUrl },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code, signal) => {
    server.stop();
    process.exit(code ?? (signal ? 130 : 1));
  });
}
