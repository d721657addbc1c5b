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
import { readdirSync, rmSync } from 'node:fs';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', '@inquirer/prompts', 'csv-parse', 'cli-progress'],
  legalComments: 'none',
  logLevel: 'warning',
};

/** `import('../commands/x.js')` in the wiring becomes `require('./commands/x.cjs')`. */
const commandsApart = {
  name: 'commands-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/commands\/[a-z-]+\.js$/ }, (a) =>
      a.importer.endsWith('program.ts') ? { path: a.path.replace('../commands/', './commands/').replace(/\.js$/, '.cjs'), external: true } : undefined);
  },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const commands = readdirSync(new URL('../src/commands', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
await Promise.all([
  build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/inv.cjs', plugins: [commandsApart], supported: { 'dynamic-import': false } }),
  build({ ...common, entryPoints: commands.map((c) => `src/commands/${c}.ts`), outdir: 'dist/commands', outExtension: { '.js': '.cjs' } }),
]);
