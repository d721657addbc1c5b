// `inv recommend` (issue 13): the whole command, every default candidate simulated on
// the same customers, against the raw simulator doing exactly the same work (the
// same model: candidates, trials, period, SKUs) in this process, in the same run.
// The engine's overhead = (recommend's wall time − the CLI's bare start-up, `inv
// --version`) ÷ the raw simulation's time; goal ≤ 1.3×. Like the command, the raw
// simulation runs once in a fresh process (a cold JIT), timed around runAll(). Two shops: 20 SKUs at 5
// units (card + Boleto at a peak), and --from-store on a 1,000-SKU store.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv, BIN, median, ROOT, row, scratch, timed } from './lib.mjs';

const NOW = '2026-11-20T09:00:00Z';
const GOAL = 1.3;

async function loadEngine(dir) {
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `export * from ${JSON.stringify(join(ROOT, 'src/sim/index.ts'))};`,
      `export { candidatePolicies } from ${JSON.stringify(join(ROOT, 'src/core/costs.ts'))};`,
      `export { CATALOGUE } from ${JSON.stringify(join(ROOT, 'src/core/providers.ts'))};`,
    ].join('\n'),
  );
  const outfile = join(dir, 'engine.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

/** The model `inv recommend` built, rebuilt from its --json report and the shop's SKUs. */
function sameModel(api, sim, providerNames, skus, traffic) {
  const providers = providerNames.map((n) => api.CATALOGUE.find((p) => p.name === n));
  const phases = [
    ...(sim.peakHours !== null ? [{ hours: sim.peakHours, traffic }] : []),
    { hours: sim.hours - (sim.peakHours ?? 0), traffic: 'normal' },
  ];
  return api.buildModel(
    {
      checkoutsPerHour: sim.checkoutsPerHour,
      trials: sim.trials,
      seed: sim.seed,
      skus: skus.map((s) => ({ ...s, price: 1, weight: 1 })),
      providers: providers.map((p) => ({ name: p.name, share: 1 / providers.length })),
      policies: api.candidatePolicies(providers, sim.peakHours),
      phases,
    },
    providers,
  );
}

export default async function recommend({ quick }) {
  const runs = quick ? 2 : 5;
  const { dir, cleanup } = scratch('inv-bench-recommend-');
  try {
    const api = await loadEngine(dir);
    writeFileSync(
      join(dir, 'raw.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { Simulation } from './engine.mjs';",
        "const model = JSON.parse(readFileSync(process.argv[2], 'utf8'));",
        'const t0 = performance.now();',
        'new Simulation(model).runAll();',
        'process.stdout.write(String(performance.now() - t0));',
      ].join('\n'),
    );
    const env = benchEnv(dir);
    const db = join(dir, 'shop.db');
    // 1,000 SKUs with 1–12 units each, for --from-store.
    const csv = [
      'sku,name,quantity',
      ...Array.from({ length: 1000 }, (_, i) => `S${String(i).padStart(4, '0')},item,${1 + (i % 12)}`),
    ];
    writeFileSync(join(dir, 'stock.csv'), csv.join('\n'));
    const imp = timed(process.execPath, [BIN, '--db', db, '--now', NOW, 'import', join(dir, 'stock.csv')], { env });
    if (imp.code !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const startup = median(Array.from({ length: runs }, () => timed(process.execPath, [BIN, '--version'], { env }).ms));
    const cases = [
      {
        label: '20 SKUs × 5 units, card+boleto, peak',
        args: ['--provider', 'card,boleto', '--traffic', 'peak', '--stock-depth', '5'],
        skus: () => Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${i + 1}`, stock: 5 })),
        fixed: () => startup,
        fixedLabel: 'start-up',
      },
      {
        label: '--from-store, 1,000 SKUs, card+paypal+boleto, normal',
        args: ['--provider', 'card,paypal,boleto', '--traffic', 'normal', '--from-store'],
        // recommend samples every 16th SKU of the store, 60 in all (RISK_SIM.maxStoreSkus).
        skus: () =>
          Array.from({ length: 60 }, (_, k) => ({
            sku: `S${String(16 * k).padStart(4, '0')}`,
            stock: 1 + ((16 * k) % 12),
          })),
        // Start-up and reading 1,000 SKUs from the store: what `inv stock --json` does on the same store.
        fixed: () =>
          median(
            Array.from(
              { length: runs },
              () => timed(process.execPath, [BIN, '--db', db, '--now', NOW, 'stock', '--json'], { env }).ms,
            ),
          ),
        fixedLabel: 'start-up and store read (inv stock)',
      },
    ];
    const rows = [];
    for (const c of cases) {
      const argv = [BIN, '--db', db, '--now', NOW, 'recommend', ...c.args, '--json'];
      const first = timed(process.execPath, argv, { env });
      if (first.code !== 0) throw new Error(`recommend failed: ${first.stderr}`);
      const report = JSON.parse(first.stdout);
      const wall = median(Array.from({ length: runs }, () => timed(process.execPath, argv, { env }).ms));
      const model = sameModel(api, report.simulation, report.inputs.providers, c.skus(), report.inputs.traffic);
      const modelFile = join(dir, 'model.json');
      writeFileSync(modelFile, JSON.stringify(model));
      const raw = median(
        Array.from({ length: runs }, () => {
          const r = timed(process.execPath, [join(dir, 'raw.mjs'), modelFile], { env });
          if (r.code !== 0) throw new Error(`raw simulation failed: ${r.stderr}`);
          return Number(r.stdout);
        }),
      );
      const fixed = c.fixed();
      const ratio = (wall - fixed) / raw;
      rows.push(
        row(
          'recommend',
          `${c.label}: ${report.simulation.candidates} candidates × ${report.simulation.trials} trials, wall`,
          wall / 1000,
          's',
          'raw simulator, same model, fresh process',
          raw / 1000,
          `engine overhead (wall − ${c.fixedLabel} ${Math.round(fixed)} ms) ÷ raw ≤ ${GOAL}× (now ${ratio.toFixed(2)}×); ≤ 2 s`,
          ratio <= GOAL && wall <= 2000,
        ),
      );
    }
    return rows;
  } finally {
    cleanup();
  }
}
