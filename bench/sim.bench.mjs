// Simulator: simulated events/s and checkouts/s for one million checkouts, against
// a bare typed-array event loop of the same size run in the same process
// (shared/research/perf-baselines.md §6: binary heap on Float64Array/Int32Array,
// sfc32 PRNG, per-SKU stock; the ceiling of a JavaScript discrete-event loop).
//
// The simulator is bundled from src/sim/index.ts with esbuild into a scratch
// folder and imported, so the bench measures exactly the TypeScript the CLI
// ships (the CLI is one CommonJS bundle whose modules cannot be imported alone).
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ROOT, row, scratch } from './lib.mjs';

const CHECKOUTS = 1_000_000;
const SKUS = 1000;
const HOURS = 24;
const GOAL_EVENTS = 2_000_000;
const GOAL_RATIO = 0.25;

async function loadSimulator(dir) {
  const outfile = join(dir, 'sim.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/sim/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

/** A Black-Friday-sized day: a million checkouts, 1,000 SKUs, cards, PayPal and Boleto (long holds: a big heap). */
function model(sim, seed, checkouts, trials = 1) {
  return sim.buildModel({
    hours: HOURS,
    checkoutsPerHour: checkouts / HOURS / 3.5,
    traffic: 'peak',
    trials,
    seed, // ×3.5: a million in all
    skus: Array.from({ length: SKUS }, (_, i) => ({
      sku: `S${i}`,
      stock: Math.round((0.9 * checkouts) / SKUS),
      price: 20,
      weight: 1 + (i % 7),
    })),
    providers: [
      { name: 'card', share: 0.6 },
      { name: 'paypal', share: 0.2 },
      { name: 'boleto', share: 0.2 },
    ],
  });
}

/**
 * The bare loop: Poisson arrivals at the same rate, a SKU each, a stock check,
 * and one settlement event per accepted checkout after a delay (20% long, like
 * Boleto, so the heap holds a similar number of pending events). Two passes,
 * as the simulator plays each trial under two modes.
 */
function bareLoop(seed, checkouts) {
  let a = seed >>> 0,
    b = 0x9e3779b9,
    c = 0x243f6a88,
    d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return ((t >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  let cap = 1 << 16;
  let times = new Float64Array(cap);
  let ids = new Int32Array(cap);
  let size = 0;
  const push = (time, id) => {
    if (size === cap) {
      cap *= 2;
      const t2 = new Float64Array(cap);
      t2.set(times);
      times = t2;
      const i2 = new Int32Array(cap);
      i2.set(ids);
      ids = i2;
    }
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p] <= time) break;
      times[i] = times[p];
      ids[i] = ids[p];
      i = p;
    }
    times[i] = time;
    ids[i] = id;
  };
  const pop = () => {
    const top = ids[0];
    const n = --size;
    if (n > 0) {
      const time = times[n],
        id = ids[n];
      let i = 0;
      for (;;) {
        let ch = 2 * i + 1;
        if (ch >= n) break;
        if (ch + 1 < n && times[ch + 1] < times[ch]) ch++;
        if (times[ch] >= time) break;
        times[i] = times[ch];
        ids[i] = ids[ch];
        i = ch;
      }
      times[i] = time;
      ids[i] = id;
    }
    return top;
  };
  const rate = checkouts / HOURS;
  const stock = new Float64Array(SKUS);
  let events = 0;
  for (let pass = 0; pass < 2; pass++) {
    stock.fill(Math.round((0.9 * checkouts) / SKUS));
    size = 0;
    let t = 0;
    for (;;) {
      t += -Math.log(next()) / rate;
      if (t >= HOURS) break;
      // A settlement: one in ten never paid, and its unit goes back.
      while (size > 0 && times[0] <= t) {
        const sku = pop();
        if (next() < 0.1) stock[sku] += 1;
        events++;
      }
      events++;
      const sku = Math.floor(next() * SKUS);
      if (stock[sku] < 1) continue;
      stock[sku] -= 1;
      const mean = next() < 0.2 ? 36 : 0.002;
      push(t - Math.log(next()) * mean, sku);
    }
    while (size > 0) {
      const sku = pop();
      if (next() < 0.1) stock[sku] += 1;
      events++;
    }
  }
  return events;
}

function timeIt(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { out, s: Number(process.hrtime.bigint() - t0) / 1e9 };
}

export default async function sim({ quick }) {
  const runs = quick ? 1 : 5;
  const { dir, cleanup } = scratch('inv-bench-sim-');
  try {
    const api = await loadSimulator(dir);
    // Warm both loops up so the JIT has compiled them before anything is timed.
    new api.Simulation(model(api, 1, 100_000)).runAll();
    bareLoop(1, 100_000);
    const simEv = [],
      simCo = [],
      bareEv = [],
      bareCo = [];
    for (let r = 0; r < runs; r++) {
      const s = new api.Simulation(model(api, 100 + r, CHECKOUTS));
      const t = timeIt(() => s.runAll());
      simEv.push(s.events / t.s);
      simCo.push(s.checkouts / t.s);
      const b = timeIt(() => bareLoop(100 + r, CHECKOUTS));
      bareEv.push(b.out / b.s);
      bareCo.push(CHECKOUTS / b.s);
    }
    const ev = median(simEv),
      bev = median(bareEv);
    // The yardstick: 1,000 trials of a 10,000-checkout day (quick: 100 trials, scaled).
    const trials = quick ? 100 : 1000;
    const day = timeIt(() => new api.Simulation(model(api, 7, 10_000, trials)).runAll());
    return [
      row(
        'sim',
        'events/s, 1M checkouts (both modes)',
        ev,
        'events/s',
        'bare typed-array loop',
        bev,
        `≥ ${GOAL_EVENTS.toLocaleString('en-US')}/s and ≥ ${GOAL_RATIO}×`,
        ev >= GOAL_EVENTS && ev / bev >= GOAL_RATIO,
      ),
      row(
        'sim',
        'checkouts/s, 1M checkouts (each under both modes)',
        median(simCo),
        'checkouts/s',
        'bare typed-array loop',
        median(bareCo),
        'informational',
        undefined,
      ),
      row(
        'sim',
        `1,000 trials × 10,000 checkouts${quick ? ' (from 100)' : ''}`,
        (day.s * 1000) / trials,
        's',
        null,
        null,
        'seconds, not minutes (≤ 30 s)',
        (day.s * 1000) / trials <= 30,
      ),
    ];
  } finally {
    cleanup();
  }
}
