/**
 * Traffic profiles: how the checkout rate moves over a sales period. Figures
 * from shared/research/payment-providers.md section (b); T-ids are its sources,
 * [A] marks an assumption where no source gave a number.
 *
 * The rate at hour t of the period (the period starts at 00:00) is
 *   checkoutsPerHour × multiplier × shape(t) / mean of shape over the period,
 * so the period's average rate is exactly checkoutsPerHour × multiplier, and the
 * shape only moves checkouts between hours. The shape is a daily curve, lowest
 * at 04:00 and highest at 20:00 (T1: Cyber Monday's peak is 8–10 pm), linear
 * in between, with the profile's peak-hour-to-mean ratio. A flash sale adds a
 * burst at the very start (T8, T10: it "arrives within seconds of the start").
 */

export const TRAFFIC_NAMES = ['normal', 'busy', 'peak', 'flash'] as const;
export type TrafficName = (typeof TRAFFIC_NAMES)[number];

export interface TrafficProfile {
  /** Orders against a normal day. */
  multiplier: number;
  /** The busiest hour against the day's mean rate. */
  peakToMean: number;
  /** A burst at the start of the period: rate = checkoutsPerHour × burst.multiplier during burst.hours. */
  burst?: { multiplier: number; hours: number };
  sources: string;
}

export const TRAFFIC: Record<TrafficName, TrafficProfile> = {
  normal: {
    multiplier: 1,
    /* by definition */ peakToMean: 2 /* [A] peak hour ≈ 2× the mean */,
    sources: '[A] peak hour ≈ 2× the mean',
  },
  busy: {
    multiplier: 2,
    /* T6: "online sales double a week before BF" */ peakToMean: 2 /* [A] as normal */,
    sources: 'T6 ×2; shape [A]',
  },
  peak: {
    multiplier: 3.5 /* T6: Black Friday ≈ 3.5× an average day (CM ≈ 5×, T2) */,
    peakToMean: 1.7 /* T1: Cyber Monday 2024 peak minute 1.7× the day mean */,
    sources: 'T6 ×3.5 (Black Friday); T1 peak 1.7× the mean',
  },
  flash: {
    multiplier: 1,
    peakToMean: 2 /* a normal day after the burst */,
    burst: { multiplier: 50, hours: 0.25 } /* [A] 50× for 15 min: T8 platform-wide 4–5×, T10 50–100× unverified */,
    sources: '[A] 50× for the first 15 min (T8, T10)',
  },
};

const LOW_HOUR = 4;
const HIGH_HOUR = 20;

/** The daily curve: lowest (2 − p) at 04:00, highest (p) at 20:00, mean 1 over a whole day. */
export function dailyShape(hour: number, peakToMean: number): number {
  const h = ((hour % 24) + 24) % 24;
  const lo = Math.max(0, 2 - peakToMean);
  const hi = peakToMean;
  if (h >= LOW_HOUR && h <= HIGH_HOUR) return lo + ((hi - lo) * (h - LOW_HOUR)) / (HIGH_HOUR - LOW_HOUR);
  const since = h > HIGH_HOUR ? h - HIGH_HOUR : h + 24 - HIGH_HOUR; // hours since 20:00
  return hi - ((hi - lo) * since) / (24 - HIGH_HOUR + LOW_HOUR);
}

/**
 * The rate over the period as pieces on which it is linear: [start, end) with
 * the rate at both ends. Arrivals are drawn piece by piece (thinning against
 * the piece's own maximum, so a flash burst does not slow the rest of the day).
 */
export interface RatePieces {
  start: Float64Array;
  end: Float64Array;
  r0: Float64Array;
  r1: Float64Array;
  /** Expected checkouts over the period. */
  expected: number;
}

export function ratePieces(hours: number, checkoutsPerHour: number, traffic: TrafficName | null): RatePieces {
  if (traffic === null) {
    return {
      start: Float64Array.of(0),
      end: Float64Array.of(hours),
      r0: Float64Array.of(checkoutsPerHour),
      r1: Float64Array.of(checkoutsPerHour),
      expected: checkoutsPerHour * hours,
    };
  }
  const p = TRAFFIC[traffic];
  // Breakpoints: every whole hour (the curve's knots are whole hours), the end of a burst, the end.
  const cuts = new Set<number>([0, hours]);
  for (let h = 1; h < hours; h++) cuts.add(h);
  const burstEnd = p.burst ? Math.min(p.burst.hours, hours) : 0;
  if (p.burst) cuts.add(burstEnd);
  const points = [...cuts].sort((a, b) => a - b);
  // The shape's mean over the period, exact for a piecewise-linear curve (trapezoids).
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area +=
      ((dailyShape(points[i - 1], p.peakToMean) + dailyShape(points[i], p.peakToMean)) / 2) *
      (points[i] - points[i - 1]);
  }
  const scale = (checkoutsPerHour * p.multiplier * hours) / area;
  const n = points.length - 1;
  const out: RatePieces = {
    start: new Float64Array(n),
    end: new Float64Array(n),
    r0: new Float64Array(n),
    r1: new Float64Array(n),
    expected: 0,
  };
  for (let i = 0; i < n; i++) {
    const a = points[i];
    const b = points[i + 1];
    const inBurst = p.burst !== undefined && b <= burstEnd;
    out.start[i] = a;
    out.end[i] = b;
    out.r0[i] = inBurst ? checkoutsPerHour * p.burst!.multiplier : scale * dailyShape(a, p.peakToMean);
    out.r1[i] = inBurst ? checkoutsPerHour * p.burst!.multiplier : scale * dailyShape(b, p.peakToMean);
    out.expected += ((out.r0[i] + out.r1[i]) / 2) * (b - a);
  }
  return out;
}
