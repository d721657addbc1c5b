/**
 * Traffic profiles (shared/research/payment-providers.md section (b)): how many
 * orders a day of each kind brings against a normal day, and the shape of its
 * busiest hour. T-ids are the research's sources, [A] marks an assumption.
 * The simulator turns a profile into a rate over time (src/sim/traffic.ts).
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
  // By definition; the busiest hour about twice the mean [A].
  normal: { multiplier: 1, peakToMean: 2, sources: '[A] peak hour ≈ 2× the mean' },
  // T6: "online sales double a week before BF"; shape as normal [A].
  busy: { multiplier: 2, peakToMean: 2, sources: 'T6 ×2; shape [A]' },
  // T6: Black Friday ≈ 3.5× an average day (Cyber Monday ≈ 5×, T2); T1: Cyber Monday 2024's peak minute 1.7× the day mean.
  peak: { multiplier: 3.5, peakToMean: 1.7, sources: 'T6 ×3.5 (Black Friday); T1 peak 1.7× the mean' },
  // [A] 50× for 15 min (T8: platform-wide 4–5×; T10: 50–100×, unverified), then a normal day.
  flash: {
    multiplier: 1,
    peakToMean: 2,
    burst: { multiplier: 50, hours: 0.25 },
    sources: '[A] 50× for the first 15 min (T8, T10)',
  },
};
