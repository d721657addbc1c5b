/**
 * The platforms' webhook signatures, checked on the raw bytes received and
 * compared in constant time (crypto.timingSafeEqual), before anything is parsed.
 * Each secret may be several, comma-separated, while a secret is rotated.
 *
 * - Stripe (docs.stripe.com/webhooks#verify-manually; stripe-node src/Webhooks.ts):
 *   `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 of `t + "." + body`
 *   in hex; any v1 may match; v0 is ignored; t within the tolerance of now.
 * - Shopify (shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook):
 *   `X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 of the body.
 * - WooCommerce (includes/class-wc-webhook.php, generate_signature):
 *   `X-WC-Webhook-Signature`, base64 HMAC-SHA256 of the body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; why: string };

const hmac = (secret: string, data: Buffer | string): Buffer => createHmac('sha256', secret).update(data).digest();

/** Whether `given` equals one of the digests, looking at every byte of each (no early exit on a mismatch). */
function anyEqual(given: readonly Buffer[], expected: readonly Buffer[]): boolean {
  let found = false;
  for (const g of given) {
    for (const e of expected) {
      if (g.length === e.length && timingSafeEqual(g, e)) found = true;
    }
  }
  return found;
}

export function verifyStripe(
  header: string | undefined,
  body: Buffer,
  secrets: readonly string[],
  nowSec: number,
  toleranceSec = 300,
): Verdict {
  if (!header) return { ok: false, why: 'no Stripe-Signature header' };
  let t: string | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const k = part.slice(0, at).trim();
    const v = part.slice(at + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) v1.push(Buffer.from(v, 'hex'));
  }
  if (t === undefined || !/^\d{1,12}$/.test(t)) return { ok: false, why: 'Stripe-Signature has no timestamp t=…' };
  if (v1.length === 0) return { ok: false, why: 'Stripe-Signature has no v1=… signature' };
  const signed = Buffer.concat([Buffer.from(`${t}.`), body]);
  if (
    !anyEqual(
      v1,
      secrets.map((s) => hmac(s, signed)),
    )
  )
    return { ok: false, why: 'Stripe-Signature does not match the body with any secret of INV_STRIPE_WEBHOOK_SECRET' };
  const age = nowSec - Number(t);
  if (Math.abs(age) > toleranceSec)
    return {
      ok: false,
      why: `Stripe-Signature timestamp is ${Math.abs(age)} s ${age > 0 ? 'old' : 'in the future'} (tolerance ${toleranceSec} s): a replay, or a clock out of step`,
    };
  return { ok: true };
}

/** Shopify's and WooCommerce's: base64 HMAC-SHA256 of the body. */
export function verifyBase64(
  header: string | undefined,
  headerName: string,
  body: Buffer,
  secrets: readonly string[],
  envName: string,
): Verdict {
  if (!header) return { ok: false, why: `no ${headerName} header` };
  const given = Buffer.from(header.trim(), 'base64');
  if (given.length !== 32) return { ok: false, why: `${headerName} is not a base64 HMAC-SHA256` };
  if (
    !anyEqual(
      [given],
      secrets.map((s) => hmac(s, body)),
    )
  )
    return { ok: false, why: `${headerName} does not match the body with any secret of ${envName}` };
  return { ok: true };
}

/** The secrets of one route from its environment variable: comma-separated, blanks dropped. */
export const secretsOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
