/**
 * The shape of the house (CONVENTIONS, "The shape of the house"): imports point
 * down only — cli → commands → render / io / sim / store / server → core — and no
 * module imports itself back through a circle. Read from the source, so a new
 * arrow that runs back up fails here, not in a review.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', '..', 'src');

/** Higher layers may import lower ones; a layer may import itself. */
const RANK: Record<string, number> = {
  main: 4,
  cli: 3,
  commands: 2,
  render: 1,
  io: 1,
  sim: 1,
  store: 1,
  server: 1,
  core: 0,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string): string => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0] : 'main';
};

interface Arrow {
  to: string;
  /** `import type …`: only a shape, no code. */
  typeOnly: boolean;
}

/** Every relative import of a file, static or dynamic (a type is a dependency too, for circles). */
function imports(file: string): Arrow[] {
  const text = readFileSync(file, 'utf8');
  const out: Arrow[] = [];
  for (const m of text.matchAll(/(import\s+type\s[^;]*?from\s+|from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
    out.push({ to: resolve(dirname(file), m[2].replace(/\.js$/, '.ts')), typeOnly: /^import\s+type\s/.test(m[1]) });
  }
  return out;
}

const graph = new Map(files(SRC).map((f) => [f, imports(f)]));

describe('the import graph of src/', () => {
  it('knows every folder of src/', () => {
    for (const f of graph.keys()) expect(RANK[layerOf(f)], relative(SRC, f)).toBeDefined();
  });

  it('has no arrow that runs back up, nor sideways between render, io, sim, store and server', () => {
    const wrong: string[] = [];
    for (const [from, arrows] of graph) {
      for (const { to, typeOnly } of arrows) {
        const a = layerOf(from);
        const b = layerOf(to);
        if (a === b) continue;
        // A renderer may name the shape of what it renders (a simulation's result, an import's report).
        if (a === 'render' && typeOnly && (b === 'sim' || b === 'io')) continue;
        if (RANK[b] >= RANK[a]) wrong.push(`${relative(SRC, from)} → ${relative(SRC, to)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        circles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(' → '));
        return;
      }
      state.set(f, 'open');
      path.push(f);
      for (const { to } of graph.get(f) ?? []) visit(to);
      path.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f);
    expect(circles).toEqual([]);
  });
});
