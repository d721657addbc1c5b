// Bundles src/ with esbuild into CommonJS, which starts fastest on Node 20
// (shared/research/perf-baselines.md §2: a CJS bundle costs 1.09–1.12× bare node;
// ESM chunks loaded through import() cost ~40 ms more per command here).
//
//   dist/inv.cjs            the CLI: commander, the wiring, errors; nothing else
//   dist/commands/NAME.cjs  one file per command module, with everything it uses
//
// The CLI requires a command's file only when that command runs, so `inv mode`
// never parses the simulator, the importer or the wizard. Each command file has
// its own copy of the core (main.ts recognises errors by shape for that reason).
// The prompts package and the CSV parser stay outside every bundle and are
// loaded from node_modules by the commands that use them.
import { build } from 'esbuild';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['@inquirer/prompts', 'csv-parse', 'cli-progress', 'pg', '*.node'],
  legalComments: 'none',
  logLevel: 'warning',
  // Less text to read and pre-parse at every start (commander alone is 120 KB of
  // mostly comments); identifiers stay, so --debug stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
};

/** `import('../commands/x.js')` in the wiring becomes `require('./commands/x.cjs')`. */
const commandsApart = {
  name: 'commands-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/commands\/[a-z-]+\.js$/ }, (a) =>
      a.importer.endsWith('program.ts')
        ? { path: a.path.replace('../commands/', './commands/').replace(/\.js$/, '.cjs'), external: true }
        : undefined,
    );
  },
};

/**
 * commander requires node:child_process at load (4–5 ms) only to run external
 * executable subcommands, which inv never has: load it on first use instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (a) =>
      a.importer.includes('node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'inv' } : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'inv' }, () => ({
      contents: "module.exports = { spawn: (...a) => require('node:child_process').spawn(...a) };",
      loader: 'js',
    }));
  },
};

/**
 * chalk detects colour support at load (reading node:tty, 4 ms); inv decides
 * colour itself (src/render/style.ts) and passes the level, so skip the detection.
 */
const noColourDetection = {
  name: 'no-colour-detection',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'inv' }));
    b.onLoad({ filter: /^supports-color$/, namespace: 'inv' }, () => ({
      contents: 'export default { stdout: false, stderr: false };',
      loader: 'js',
    }));
  },
};

// Built beside dist/ and swapped in at the end, so that inv processes running
// meanwhile (tests, another terminal) never see a half-written dist/.
const out = `dist.building-${process.pid}`;
rmSync(new URL(`../${out}`, import.meta.url), { recursive: true, force: true });
const commands = readdirSync(new URL('../src/commands', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
await Promise.all([
  build({
    ...common,
    entryPoints: ['src/main.ts'],
    outfile: `${out}/inv.cjs`,
    plugins: [commandsApart, lazyChildProcess, noColourDetection],
    supported: { 'dynamic-import': false },
  }),
  build({
    ...common,
    entryPoints: commands.map((c) => `src/commands/${c}.ts`),
    outdir: `${out}/commands`,
    outExtension: { '.js': '.cjs' },
    plugins: [noColourDetection],
  }),
]);
// `inv --help` printed to a pipe or file is fixed at build time (commander wraps at
// 80 columns there): bin/inv.cjs prints this copy without loading the CLI at all.
// On a terminal the CLI formats it for the terminal's width instead.
const { createRequire } = await import('node:module');
const help = [];
const code = await createRequire(import.meta.url)(`../${out}/inv.cjs`).main({
  argv: ['--help'],
  env: {},
  stdin: process.stdin,
  stderr: process.stderr,
  stdout: { isTTY: false, write: (s) => help.push(s) },
});
if (code !== 0 || help.length === 0) throw new Error('could not render the help text');
writeFileSync(new URL(`../${out}/help.txt`, import.meta.url), help.join(''));

const old = `dist.old-${process.pid}`;
try {
  renameSync(new URL('../dist', import.meta.url), new URL(`../${old}`, import.meta.url));
} catch {
  // no dist yet
}
renameSync(new URL(`../${out}`, import.meta.url), new URL('../dist', import.meta.url));
rmSync(new URL(`../${old}`, import.meta.url), { recursive: true, force: true });
