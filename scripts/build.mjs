// Bundles src/ into dist/ with esbuild. ESM with code splitting, so a command's
// heavy modules (prompts, simulator, CSV parser) are separate chunks loaded only
// when that command runs; better-sqlite3 stays external because it is native.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  chunkNames: 'chunks/[name]-[hash]',
  // commander is CommonJS: inside an ESM bundle its require() calls need a real require.
  banner: { js: "import { createRequire as __invCreateRequire } from 'node:module'; const require = __invCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
