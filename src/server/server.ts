/**
 * `inv serve`'s HTTP receiver (node:http): routes, body limit, signatures,
 * timeouts, a bound on open requests, one log line per request, and a drain on
 * stop. It knows nothing of stock: the command that starts it hands it
 * `handle`, which parses, applies and answers once the store has committed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Platform } from '../core/payment-methods.js';
import { type Verdict, verifyBase64, verifyStripe } from './signatures.js';

export type { Platform };

export const ROUTES: Readonly<Record<string, Platform>> = {
  '/webhooks/stripe': 'stripe',
  '/webhooks/shopify': 'shopify',
  '/webhooks/woocommerce': 'woocommerce',
};

export const SECRET_ENV: Readonly<Record<Platform, string>> = {
  stripe: 'INV_STRIPE_WEBHOOK_SECRET',
  shopify: 'INV_SHOPIFY_WEBHOOK_SECRET',
  woocommerce: 'INV_WOOCOMMERCE_WEBHOOK_SECRET',
};

export interface Answer {
  status: number;
  body: unknown;
  /** The platform's event id, for the log. */
  event?: string;
  /** What happened, in a few words, for the log. */
  outcome: string;
  retryAfterSec?: number;
}

export interface LogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  event?: string;
  outcome: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  /** The secrets of each route; a route without any is disabled. */
  secrets: Readonly<Record<Platform, readonly string[]>>;
  maxBodyBytes: number;
  maxOpen: number;
  requestTimeoutMs: number;
  /** The clock the Stripe tolerance is judged by (the command's: --now makes it fixed). */
  nowMs: () => number;
  toleranceSec: number;
  handle: (platform: Platform, body: Buffer, headers: Readonly<Record<string, string | undefined>>) => Promise<Answer>;
  /** `GET /healthz`: whether the store answers. */
  health: () => Promise<Answer>;
  log: (e: LogEntry) => void;
}

export interface Running {
  url: string;
  port: number;
  /** Stops accepting, lets the requests in flight finish, and resolves once they are answered. */
  stop(): Promise<number>;
  /** Resolves when the server has stopped (after stop()). */
  closed: Promise<void>;
}

const json = (status: number, body: unknown, outcome: string, extra: Partial<Answer> = {}): Answer => ({
  status,
  body,
  outcome,
  ...extra,
});
const failure = (status: number, code: string, message: string): Answer =>
  json(status, { error: { code, message } }, message);

function verify(p: Platform, req: IncomingMessage, body: Buffer, o: ServerOptions): Verdict {
  const h = req.headers;
  const one = (name: string): string | undefined => {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const secrets = o.secrets[p];
  if (p === 'stripe')
    return verifyStripe(one('stripe-signature'), body, secrets, Math.floor(o.nowMs() / 1000), o.toleranceSec);
  if (p === 'shopify')
    return verifyBase64(
      one('x-shopify-hmac-sha256') ?? one('shopify-hmac-sha256'),
      'X-Shopify-Hmac-Sha256',
      body,
      secrets,
      SECRET_ENV.shopify,
    );
  return verifyBase64(one('x-wc-webhook-signature'), 'X-WC-Webhook-Signature', body, secrets, SECRET_ENV.woocommerce);
}

/** Reads the body up to the limit; null when it is over (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('the client went away')));
  });
}

export function startServer(o: ServerOptions): Promise<Running> {
  let open = 0;
  let stopping = false;
  let idle: (() => void) | null = null;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<Answer> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return failure(405, 'METHOD_NOT_ALLOWED', `${req.method} ${path}: use GET`);
      }
      return o.health();
    }
    const platform = ROUTES[path];
    if (!platform) return failure(404, 'NOT_FOUND', `no route ${path}: POST to ${Object.keys(ROUTES).join(', ')}`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return failure(405, 'METHOD_NOT_ALLOWED', `${req.method} ${path}: use POST`);
    }
    if (o.secrets[platform].length === 0)
      return failure(404, 'ROUTE_DISABLED', `${path} is disabled: set ${SECRET_ENV[platform]} and restart inv serve`);
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > o.maxBodyBytes) {
      res.setHeader('Connection', 'close');
      return failure(413, 'BODY_TOO_LARGE', `the body (${length} bytes) is over the limit of ${o.maxBodyBytes} bytes`);
    }
    const body = await readBody(req, o.maxBodyBytes);
    if (body === null) {
      res.setHeader('Connection', 'close');
      return failure(413, 'BODY_TOO_LARGE', `the body is over the limit of ${o.maxBodyBytes} bytes`);
    }
    // WooCommerce's first delivery after a webhook is created: an unsigned form `webhook_id=N`. It changes nothing.
    if (
      platform === 'woocommerce' &&
      req.headers['x-wc-webhook-signature'] === undefined &&
      /^webhook_id=\d+$/.test(body.toString('latin1').trim())
    )
      return json(200, { ok: true, ping: true }, 'WooCommerce ping');
    const v = verify(platform, req, body, o);
    if (!v.ok) return failure(401, 'BAD_SIGNATURE', v.why);
    const headers: Record<string, string | undefined> = {};
    for (const [k, val] of Object.entries(req.headers)) headers[k] = Array.isArray(val) ? val[0] : val;
    return o.handle(platform, body, headers);
  };

  const server = createServer(
    {
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: Math.min(o.requestTimeoutMs, 10_000),
      keepAliveTimeout: 5000,
      // Node checks these timeouts every 30 s by default: a slow client would hold its slot that long.
      connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs / 2),
    },
    (req, res) => {
      const started = performance.now();
      const finish = (a: Answer) => {
        const text = `${JSON.stringify(a.body)}\n`;
        if (!res.headersSent) {
          res.statusCode = a.status;
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Content-Length', Buffer.byteLength(text));
          if (a.retryAfterSec !== undefined) res.setHeader('Retry-After', String(a.retryAfterSec));
          if (stopping) res.setHeader('Connection', 'close');
        }
        res.end(text);
        o.log({
          at: new Date(o.nowMs()).toISOString(),
          method: req.method ?? '?',
          path: req.url ?? '/',
          status: a.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          event: a.event,
          outcome: a.outcome,
        });
      };
      if (open >= o.maxOpen || stopping) {
        res.setHeader('Connection', 'close');
        finish({
          ...failure(503, 'BUSY', stopping ? 'inv serve is stopping' : `${open} requests are open already: retry`),
          retryAfterSec: 1,
        });
        return;
      }
      open++;
      route(req, res)
        .then(finish, (e: Error) => finish(failure(500, 'INTERNAL', `internal error: ${e?.message ?? String(e)}`)))
        .finally(() => {
          open--;
          if (open === 0 && idle) idle();
        });
    },
  );
  // A request that never arrived whole (too slow: 408) or is not HTTP (400): answered, logged, dropped.
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    const slow = e.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = slow ? 408 : 400;
    if (socket.writable)
      socket.end(`HTTP/1.1 ${status} ${slow ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
    o.log({
      at: new Date(o.nowMs()).toISOString(),
      method: '-',
      path: '-',
      status,
      ms: 0,
      outcome: slow
        ? `dropped: not received whole within ${o.requestTimeoutMs / 1000} s`
        : `dropped: ${e.code ?? e.message}`,
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      let closedResolve = () => {};
      const closed = new Promise<void>((r) => {
        closedResolve = r;
      });
      resolve({
        url: `http://${host}:${addr.port}`,
        port: addr.port,
        closed,
        stop: async () => {
          stopping = true;
          const inFlight = open;
          server.close(() => closedResolve());
          server.closeIdleConnections();
          if (open > 0) await new Promise<void>((r) => (idle = r));
          server.closeAllConnections();
          await closed;
          return inFlight;
        },
      });
    });
  });
}
