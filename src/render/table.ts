/** A plain text table: left-aligned text, right-aligned numbers, one space of padding. */
const WIDE =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}]/u;
const ANSI = /\u001b\[[0-9;]*m/g;

export function width(text: string): number {
  let w = 0;
  for (const ch of text.replace(ANSI, '')) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

export function table(head: string[], rows: (string | number)[][], numeric: boolean[] = []): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  return cells
    .map((r) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat(widths[i] - width(c));
          return numeric[i] ? pad + c : c + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
