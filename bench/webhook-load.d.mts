import type { ChildProcess } from 'node:child_process';

export const SECRET: string;
export function sign(payload: string, nowSec: number, secret?: string): string;
export function workload(total: number, skus?: number): string[];
export function startServe(
  bin: string,
  globals: string[],
  env: NodeJS.ProcessEnv,
  serveArgs?: string[],
): {
  proc: ChildProcess;
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
};
export function send(
  url: string,
  bodies: string[],
  senders: number,
  nowSec: number,
  onResult?: (r: { i: number; status: number; duplicate?: boolean; ms: number }) => void,
): Promise<{ i: number; status: number; duplicate?: boolean; ms: number }[]>;
export function percentile(xs: number[], p: number): number;
