/** The small demo shop of `inv init --sample` and `inv demo`: shallow stock on purpose. */
export const SAMPLE_SHOP = [
  { sku: 'MUG', name: 'Enamel mug', qty: 1, lowStock: 2 },
  { sku: 'TEE-M', name: 'T-shirt, size M', qty: 1, lowStock: 2 },
  { sku: 'TEE-L', name: 'T-shirt, size L', qty: 8, lowStock: 2 },
  { sku: 'POSTER', name: 'Poster A2', qty: 40, lowStock: 5 },
  { sku: 'TOTE', name: 'Tote bag', qty: 12, lowStock: 3 },
  { sku: 'CANDLE', name: 'Soy candle ®', qty: 3, lowStock: 1 },
] as const;
