/**
 * Seeded random numbers for the simulator: sfc32 (Chris Doty-Humphrey's Small
 * Fast Counting generator, 128-bit state, passes PractRand), plus the draws the
 * model needs. Pure: the same seed and stream give the same numbers everywhere,
 * which `--seed` and common random numbers across modes rely on.
 */

const TWO_32 = 4294967296;
/** z of the standard normal's 95th percentile: a log-normal's p95 is exp(μ + Z95·σ). */
export const Z95 = 1.6448536269514722;

/** A 32-bit finaliser (murmur3's fmix32): spreads neighbouring seeds apart. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  /** `stream` separates independent sequences under one seed (one per trial). */
  constructor(seed: number, stream = 0) {
    this.a = mix32((seed >>> 0) ^ 0x9e3779b9);
    this.b = mix32(((stream >>> 0) + 0x7f4a7c15) >>> 0);
    this.c = mix32((this.a ^ Math.imul(this.b, 0x27d4eb2d)) >>> 0);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on the open interval (0, 1): never 0, so logarithms are safe. */
  uniform(): number {
    return (this.nextU32() + 0.5) / TWO_32;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(this.uniform()) / rate;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }
}

/** A delay distribution: log-normal from its median and 95th percentile, or a fixed value. */
export interface DelayLaw {
  /** ln(median); for a fixed delay, ln(value) with sigma 0 (or value 0). */
  mu: number;
  sigma: number;
  /** The fixed delay when sigma is 0 (avoids exp(ln 0)). */
  fixed: number;
}

export function delayLaw(d: { median: number; p95: number } | { fixed: number }): DelayLaw {
  if ('fixed' in d) return { mu: 0, sigma: 0, fixed: d.fixed };
  if (d.p95 === d.median) return { mu: 0, sigma: 0, fixed: d.median };
  return { mu: Math.log(d.median), sigma: (Math.log(d.p95) - Math.log(d.median)) / Z95, fixed: 0 };
}

export function drawDelay(rng: Rng, law: DelayLaw): number {
  return law.sigma === 0 ? law.fixed : Math.exp(law.mu + law.sigma * rng.normal());
}

/**
 * Vose's alias method: O(1) draws of an index in proportion to its weight
 * (SKUs by weight; a store may have many thousands of them).
 */
export class AliasTable {
  readonly prob: Float64Array;
  readonly alias: Int32Array;
  readonly n: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights[i];
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / sum;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
    for (const i of small) {
      this.prob[i] = 1;
      this.alias[i] = i;
    } // rounding leftovers
  }

  draw(rng: Rng): number {
    if (this.n === 1) return 0;
    const i = Math.floor(rng.uniform() * this.n);
    return rng.uniform() < this.prob[i] ? i : this.alias[i];
  }
}
