/**
 * A mixed stream of `inv apply` events, the same every time: orders in both
 * modes, payments (some repeated, some late), failures, cancels, expiries,
 * stock by hand, and lines that are refused (bad JSON, unknown types and SKUs,
 * out of stock, invalid transitions), with blank and CRLF lines between. Long
 * enough to span several batches. Every event carries its time.
 */
const T0 = Date.parse('2026-11-27T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export function mixedStream(n = 2600): string {
  let seed = 7;
  // mulberry32: a small seeded generator, so the stream is the same on every run.
  const rnd = (k: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((((x ^ (x >>> 14)) >>> 0) / 4294967296) * k) | 0;
  };
  const out: string[] = [];
  const providers = ['card', 'boleto', 'konbini', 'paypal', 'card', 'boleto', 'card', 'nope'];
  let orders = 0;
  for (let i = 0; i < 20; i++) out.push(JSON.stringify({ type: 'stock-set', sku: `S${i}`, qty: 50 + i, at: at(0) }));
  for (let i = 0; i < n; i++) {
    const t = at(i);
    const r = rnd(100);
    const sku = `S${rnd(22)}`;
    if (r < 35) {
      const items = [{ sku, qty: 1 + rnd(3) }];
      if (rnd(4) === 0) items.push({ sku: `S${rnd(20)}`, qty: 1 });
      out.push(
        JSON.stringify({ type: 'place', id: `o${orders++}`, provider: providers[rnd(providers.length)], items, at: t }),
      );
    } else if (r < 55) {
      const id = `o${Math.max(0, orders - 1 - rnd(40))}`;
      out.push(JSON.stringify({ type: 'pay', id, event: rnd(3) === 0 ? undefined : `p${rnd(400)}`, at: t }));
    } else if (r < 65)
      out.push(
        JSON.stringify({ type: 'fail', id: `o${Math.max(0, orders - 1 - rnd(60))}`, event: `f${rnd(300)}`, at: t }),
      );
    else if (r < 70) out.push(JSON.stringify({ type: 'cancel', id: `o${rnd(orders + 3)}`, at: t }));
    else if (r < 78) out.push(JSON.stringify({ type: 'expire', at: t }));
    else if (r < 86) out.push(JSON.stringify({ type: 'stock-add', sku, delta: rnd(12) - 2, reason: 'count', at: t }));
    else if (r < 90) out.push(JSON.stringify({ type: 'stock-set', sku, qty: rnd(12), name: `Item ${sku}`, at: t }));
    else if (r < 92) out.push(JSON.stringify({ type: 'refund', id: 'o1', at: t }));
    else if (r < 94) out.push('{"type": "place", "id": ');
    else if (r < 96) out.push('');
    else if (r < 98) out.push(`${JSON.stringify({ type: 'stock-add', sku, delta: 1, at: t })}\r`);
    else
      out.push(
        JSON.stringify({
          type: 'place',
          id: `o${rnd(orders + 1)}`,
          provider: 'card',
          items: [
            { sku: 'S1', qty: 4 },
            { sku: 'S2', qty: 4 },
          ],
          at: t,
        }),
      );
  }
  return `${out.join('\n')}\n`;
}
