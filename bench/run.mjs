// `npm run bench [name…]`: runs every bench/*.bench.mjs (or the named ones), prints
// one table with each figure's ratio against its baseline measured in the same run,
// and writes the same rows as JSON to bench/results/ for comparison across commits.
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const wanted = process.argv.slice(2);
const files = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.mjs', '')));
if (files.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}`);
  process.exit(2);
}
try {
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
} catch {
  process.exit(1);
}

const rows = [];
for (const f of files) {
  process.stderr.write(`bench: ${f} …\n`);
  const mod = await import(pathToFileURL(join(ROOT, 'bench', f)).href);
  rows.push(...(await mod.default({ quick: process.env.BENCH_QUICK === '1' })));
}

const fmt = (v) =>
  v === null || v === undefined || Number.isNaN(v)
    ? ''
    : Math.abs(v) >= 100
      ? Math.round(v).toLocaleString('en-US')
      : (+v.toPrecision(3)).toString();
const head = ['bench', 'metric', 'value', 'unit', 'baseline', 'baseline value', 'ratio', 'goal', 'met'];
const body = rows.map((r) => [
  r.bench,
  r.metric,
  fmt(r.value),
  r.unit,
  r.baseline ?? '',
  fmt(r.baselineValue),
  r.ratio === null ? '' : `${fmt(r.ratio)}×`,
  r.goal ?? '',
  r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
]);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const b of body) console.log(line(b));

let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {}
const meta = {
  date: new Date().toISOString(),
  commit,
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const out = join(ROOT, 'bench', 'results', `${meta.date.slice(0, 10)}-${commit}.json`);
writeFileSync(out, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
console.error(`written: ${out}`);
