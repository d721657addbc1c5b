import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const BIN = resolve(__dirname, '..', 'bin', 'inv.cjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** A temporary folder removed after the test file; HOME points here so no default store is ever touched. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inv-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function env(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, 'xdg'),
    NO_COLOR: '1',
    ...extra,
  };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e;
}

function parse(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** Runs the built `inv` as a child process. */
export function inv(
  args: string[],
  o: { home: string; input?: string; env?: Record<string, string | undefined> },
): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: env(o.home, o.env),
    input: o.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: parse(r.stdout) };
}

export function invAsync(args: string[], o: { home: string; env?: Record<string, string | undefined> }): Promise<Run> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: env(o.home, o.env) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr, json: parse(stdout) }));
  });
}

/** A store in a fresh folder, and a runner bound to it. */
export function tempStore(dir = tempDir(), name = 'store.db') {
  const db = join(dir, name);
  const run = (args: string[], extra: { input?: string; env?: Record<string, string | undefined> } = {}) =>
    inv(['--db', db, ...args], { home: dir, ...extra });
  return { dir, db, run };
}
