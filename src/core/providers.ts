/**
 * The built-in payment provider catalogue (SPEC section 2). Every figure carries
 * the id of its source in shared/research/payment-providers.md; [A] marks an
 * assumption where no source gave a number (the research says which).
 */
import { UsageError } from './errors.js';

export type ProviderKind = 'instant' | 'delayed';

export interface DelayHours {
  median: number;
  p95: number;
}

export interface Provider {
  name: string;
  label: string;
  /** instant: the payment is known within minutes; delayed: it can take days. */
  kind: ProviderKind;
  /** Hours after placing after which an unpaid order expires. */
  windowHours: number;
  /** Share of placed orders that never pay (declined, abandoned, voucher never paid). */
  unpaidRate: number;
  /** Of the unpaid ones, the share that get a failure notice (the rest expire silently). */
  failShare: number;
  /** Time from placing to the payment notice, for orders that pay. */
  delayHours: DelayHours;
  /** Instant methods that are sometimes slow (PayPal eCheck): the share paid late, and how late. */
  lateShare?: number;
  lateDelayHours?: DelayHours;
  /** Where each figure comes from. */
  sources: string;
  builtIn: boolean;
}

const S = 1 / 3600;

/** Abandoned checkouts that get a failure notice rather than silently expiring: [A] 0.5. */
const FAIL_SHARE = 0.5;

export const CATALOGUE: readonly Provider[] = [
  {
    name: 'card',
    label: 'Card',
    kind: 'instant',
    windowHours: 0.5,
    /* [A] checkout session */ unpaidRate: 0.04 /* S28 issuer declines 3–4% */,
    failShare: FAIL_SHARE,
    delayHours: { median: 3 * S, p95: 20 * S } /* [A] seconds */,
    sources: 'S28; delay and window [A]',
    builtIn: true,
  },
  {
    name: 'paypal',
    label: 'PayPal',
    kind: 'instant',
    windowHours: 3,
    /* [A] */ unpaidRate: 0.04 /* [A] as cards */,
    failShare: FAIL_SHARE,
    delayHours: { median: 5 * S, p95: 30 * S } /* [A] instant funding */,
    lateShare: 0.05,
    /* [A] eCheck share */ lateDelayHours: { median: 96, p95: 144 } /* [A] 4 bd; S21 up to 6 bd */,
    sources: 'S21; shares [A]',
    builtIn: true,
  },
  {
    name: 'boleto',
    label: 'Boleto Bancário',
    kind: 'delayed',
    windowHours: 120,
    /* S3 PPRO default 5 d (Stripe 3 d, S2) */ unpaidRate: 0.5 /* S5, S6: ~50% never paid */,
    failShare: 0,
    delayHours: { median: 36, p95: 96 } /* [A] pay 1–3 d, + 1 business day to confirm (S1) */,
    sources: 'S1–S6',
    builtIn: true,
  },
  {
    name: 'konbini',
    label: 'Konbini',
    kind: 'delayed',
    windowHours: 72,
    /* S9, S11: default 3 d */ unpaidRate: 0.2 /* [A] not found */,
    failShare: 0,
    delayHours: { median: 27, p95: 63 } /* [A] 1–2.5 d, + 3 h confirmation lag (S16) */,
    sources: 'S9–S11, S15, S16',
    builtIn: true,
  },
  {
    name: 'komoju',
    label: 'Komoju bank transfer',
    kind: 'delayed',
    windowHours: 336,
    /* S12: 14 d */ unpaidRate: 0.25 /* [A] not found */,
    failShare: 0,
    delayHours: { median: 48, p95: 168 } /* [A] ~2 d / ~7 d */,
    sources: 'S12–S14',
    builtIn: true,
  },
  {
    name: 'pix',
    label: 'PIX',
    kind: 'instant',
    windowHours: 24,
    /* S25: Stripe default 86,400 s */ unpaidRate: 0.2 /* [A] */,
    failShare: 0,
    delayHours: { median: 60 * S, p95: 900 * S } /* [A] */,
    sources: 'S25',
    builtIn: true,
  },
  {
    name: 'oxxo',
    label: 'OXXO',
    kind: 'delayed',
    windowHours: 120,
    /* S17: Stripe 5 d */ unpaidRate: 0.4 /* [A] by analogy with Boleto */,
    failShare: 0,
    delayHours: { median: 48, p95: 120 } /* [A] ~1 d + next business day; ~5 d */,
    sources: 'S17, S18',
    builtIn: true,
  },
  {
    name: 'bank-transfer',
    label: 'Bank transfer (SEPA credit)',
    kind: 'delayed',
    windowHours: 168,
    /* [A] 7 d, merchant-set */ unpaidRate: 0.25 /* [A] */,
    failShare: 0,
    delayHours: { median: 48, p95: 120 } /* [A]; 1 business day to confirm (S23) */,
    sources: 'S23',
    builtIn: true,
  },
  {
    name: 'sepa-debit',
    label: 'SEPA Direct Debit',
    kind: 'delayed',
    windowHours: 480,
    /* S22: up to 14 business days */ unpaidRate: 0.03 /* [A] */,
    failShare: 1,
    delayHours: { median: 252, p95: 470 } /* S22: 7–8 bd average, up to 14 bd */,
    sources: 'S22',
    builtIn: true,
  },
  {
    name: 'ideal',
    label: 'iDEAL',
    kind: 'instant',
    windowHours: 1,
    /* [A] session */ unpaidRate: 0.1 /* [A] */,
    failShare: FAIL_SHARE,
    delayHours: { median: 30 * S, p95: 180 * S } /* [A] */,
    sources: 'S24',
    builtIn: true,
  },
  {
    name: 'klarna',
    label: 'Klarna',
    kind: 'instant',
    windowHours: 1,
    /* [A] session */ unpaidRate: 0.1 /* [A] decline */,
    failShare: 1,
    delayHours: { median: 30 * S, p95: 120 * S } /* [A] synchronous */,
    sources: 'S26',
    builtIn: true,
  },
  {
    name: 'cod',
    label: 'Cash on delivery',
    kind: 'delayed',
    windowHours: 336,
    /* [A] 14 d */ unpaidRate: 0.26 /* S27: 26% returned to origin */,
    failShare: 1,
    delayHours: { median: 72, p95: 168 } /* [A] delivery 3 d / 7 d */,
    sources: 'S27',
    builtIn: true,
  },
];

/** The longest payment window or delay a provider may have: a year (Boleto allows 60 days, SEPA debit 14 business days). */
export const MAX_WINDOW_HOURS = 24 * 366;

/**
 * What is wrong with a provider as stored (a store written by an older inv, or
 * edited by hand): the figures the order rules and the simulator rely on. Empty
 * when it is sound.
 */
export function providerProblems(p: Provider): string[] {
  const out: string[] = [];
  const hours = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_WINDOW_HOURS;
  const share = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  if (typeof p !== 'object' || p === null) return ['is not an object'];
  if (typeof p.name !== 'string' || !PROVIDER_NAME.test(p.name)) out.push(`has the name ${JSON.stringify(p.name)}`);
  if (p.kind !== 'instant' && p.kind !== 'delayed') out.push(`has the kind ${JSON.stringify(p.kind)}`);
  if (!hours(p.windowHours))
    out.push(`has a payment window of ${JSON.stringify(p.windowHours)} hours (at most a year)`);
  if (!share(p.unpaidRate)) out.push(`has an unpaid rate of ${JSON.stringify(p.unpaidRate)}`);
  if (!share(p.failShare)) out.push(`has a fail share of ${JSON.stringify(p.failShare)}`);
  const d = p.delayHours as DelayHours | undefined;
  if (!d || !hours(d.median) || !hours(d.p95) || d.p95 < d.median)
    out.push(`has a payment delay of ${JSON.stringify(d)}`);
  if (p.lateShare !== undefined && !share(p.lateShare)) out.push(`has a late share of ${JSON.stringify(p.lateShare)}`);
  return out;
}

export const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function checkProviderName(name: string): string {
  if (!PROVIDER_NAME.test(name)) {
    throw new UsageError(`provider name "${name}" must be 1–32 lower-case letters, digits or dashes`);
  }
  return name;
}

/** The catalogue with the store's additions and tunings laid over it. */
export function mergeCatalogue(custom: readonly Provider[]): Provider[] {
  const byName = new Map(CATALOGUE.map((p) => [p.name, p] as const));
  for (const p of custom) byName.set(p.name, p);
  // Plain code-unit order: provider names are lower-case ASCII, and localeCompare
  // would load ICU's collation on every start (about 10 ms).
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function findProvider(catalogue: readonly Provider[], name: string): Provider {
  const p = catalogue.find((c) => c.name === name);
  if (!p) {
    throw new UsageError(`unknown provider "${name}"; known: ${catalogue.map((c) => c.name).join(', ')}`, {
      hint: 'add one with: inv provider set NAME --window 3d --delayed',
    });
  }
  return p;
}

export interface ProviderChanges {
  windowHours?: number;
  kind?: ProviderKind;
  unpaidRate?: number;
  failShare?: number;
  delayMedianHours?: number;
  delayP95Hours?: number;
  label?: string;
}

/** Applies `provider set` to an existing entry, or builds a new one (which needs a window). */
export function tuneProvider(existing: Provider | undefined, name: string, c: ProviderChanges): Provider {
  for (const [k, v] of [
    ['--unpaid-rate', c.unpaidRate],
    ['--fail-share', c.failShare],
  ] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new UsageError(`${k} ${v} must be between 0 and 1`);
  }
  if (!existing && c.windowHours === undefined) {
    throw new UsageError(`"${name}" is a new provider: give its payment window, e.g. --window 3d`);
  }
  const kind = c.kind ?? existing?.kind ?? 'instant';
  const base: Provider = existing ?? {
    name,
    label: name,
    kind,
    windowHours: 0,
    unpaidRate: kind === 'delayed' ? 0.25 : 0.05,
    failShare: FAIL_SHARE,
    delayHours: kind === 'delayed' ? { median: 24, p95: 96 } : { median: 10 * S, p95: 60 * S },
    sources: 'set by the operator',
    builtIn: false,
  };
  for (const [flag, hours] of [
    ['--window', c.windowHours],
    ['--delay-median', c.delayMedianHours],
    ['--delay-p95', c.delayP95Hours],
  ] as const) {
    if (hours !== undefined && hours > MAX_WINDOW_HOURS)
      throw new UsageError(
        `${flag} ${+(hours / 24).toFixed(1)} days is longer than a year, the longest a payment may take here`,
      );
  }
  const delay = { median: c.delayMedianHours ?? base.delayHours.median, p95: c.delayP95Hours ?? base.delayHours.p95 };
  if (delay.p95 < delay.median)
    throw new UsageError(`delay p95 (${delay.p95} h) is below its median (${delay.median} h)`);
  if (c.label !== undefined && [...c.label].length > 100) throw new UsageError('--label is longer than 100 characters');
  return {
    ...base,
    label: c.label ?? base.label,
    kind,
    windowHours: c.windowHours ?? base.windowHours,
    unpaidRate: c.unpaidRate ?? base.unpaidRate,
    failShare: c.failShare ?? base.failShare,
    delayHours: delay,
    sources: existing?.builtIn ? `${existing.sources}; tuned by the operator` : base.sources,
    builtIn: false,
  };
}
