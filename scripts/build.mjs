// Bundles src/ into one CommonJS file, dist/inv.cjs, with esbuild.
// Why CJS and one file: on Node 20 it starts fastest (shared/research/perf-baselines.md §2:
// CJS bundle 1.09–1.12× bare node; measured here, ESM chunks loaded by import() cost
// ~40 ms more per command). Modules reached through import() are only initialised
// when a command needs them; the heaviest packages (prompts, CSV parser) stay external
// and are loaded from node_modules by the commands that use them.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/inv.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', '@inquirer/prompts', 'csv-parse'],
  legalComments: 'none',
  logLevel: 'warning',
});
