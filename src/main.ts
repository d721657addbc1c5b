/**
 * The single top-level catch (CONVENTIONS 1): runs the command line and maps
 * every failure to one line on stderr (or a JSON error document) and an exit code.
 */
import { CommanderError } from 'commander';
import { EXIT, isInvError } from './core/errors.js';
import type { Io } from './commands/context.js';
import { buildProgram } from './cli/program.js';

export async function main(io: Io): Promise<number> {
  const state = { exitCode: 0 };
  const program = buildProgram(io, state);
  const wantsJson = io.argv.includes('--json');
  const debug = io.argv.includes('--debug') || /(^|,)inv(,|$)/.test(io.env.DEBUG ?? '');
  try {
    await program.parseAsync(io.argv, { from: 'user' });
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // `inv order` without a subcommand: commander showed the help on stderr; that is a usage error.
      if (e.code === 'commander.help') {
        if (e.exitCode === 0) return EXIT.ok;
        io.stderr.write('inv: a subcommand is missing (see above)\n');
        if (wantsJson)
          io.stdout.write(
            `${JSON.stringify({ error: { code: 'USAGE', message: 'a subcommand is missing', details: [] } }, null, 2)}\n`,
          );
        return EXIT.usage;
      }
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      const message = e.message.replace(/^error: /, '');
      report(io, wantsJson, { code: 'USAGE', message, details: [], hint: 'see: inv --help' });
      return EXIT.usage;
    }
    if (isInvError(e)) {
      if (e.code === 'OUTPUT_FAILED') {
        // stdout is what failed: only stderr is left to say it on; a reader that went away is no failure.
        if ((e as { readerGone?: boolean }).readerGone) return EXIT.ok;
        report(io, false, { code: e.code, message: e.message, details: [], hint: e.hint });
        return e.exitCode;
      }
      report(io, wantsJson, { code: e.code, message: e.message, details: e.details, hint: e.hint });
      if (debug && e.exitCode === EXIT.internal) io.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    report(io, wantsJson, {
      code: 'INTERNAL',
      message: `internal error: ${err?.message ?? String(e)}`,
      details: [],
      hint: debug ? undefined : 'run again with --debug for details, and report it',
    });
    if (debug) io.stderr.write(`${err?.stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}

function report(io: Io, json: boolean, e: { code: string; message: string; details: unknown[]; hint?: string }): void {
  const oneLine = e.message.replace(/\s*\n\s*/g, ' ');
  io.stderr.write(`inv: ${oneLine}\n`);
  if (e.hint) io.stderr.write(`  try: ${e.hint}\n`);
  if (!json) return;
  try {
    io.stdout.write(`${JSON.stringify({ error: { code: e.code, message: oneLine, details: e.details } }, null, 2)}\n`);
  } catch {
    // stdout is gone too: the line on stderr is what is left
  }
}
