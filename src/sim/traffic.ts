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

export { TRAFFIC, TRAFFIC_NAMES, type TrafficName, type TrafficProfile } from '../core/traffic.js';
import { TRAFFIC, type TrafficName } from '../core/traffic.js';

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

/** One stretch of a period with its own traffic profile (a peak, then normal days). */
export interface Phase {
  hours: number;
  traffic: TrafficName | null;
}

/**
 * The rate over phases laid end to end: each phase's pieces, shifted to where
 * it starts. A phase's daily curve starts at 00:00 of its own first day.
 */
export function phasedPieces(phases: readonly Phase[], checkoutsPerHour: number): RatePieces {
  const parts = phases.map((p) => ratePieces(p.hours, checkoutsPerHour, p.traffic));
  const n = parts.reduce((k, p) => k + p.start.length, 0);
  const out: RatePieces = {
    start: new Float64Array(n),
    end: new Float64Array(n),
    r0: new Float64Array(n),
    r1: new Float64Array(n),
    expected: 0,
  };
  let k = 0;
  let offset = 0;
  parts.forEach((p, j) => {
    for (let i = 0; i < p.start.length; i++, k++) {
      out.start[k] = p.start[i] + offset;
      out.end[k] = p.end[i] + offset;
      out.r0[k] = p.r0[i];
      out.r1[k] = p.r1[i];
    }
    out.expected += p.expected;
    offset += phases[j].hours;
  });
  return out;
}
