// Aligned columns as Docker prints them (Go's tabwriter with minimum width 10 and
// padding 3): every cell but the last of its line is padded to its column's width.

export interface TableStyle {
  readonly minWidth: number;
  readonly padding: number;
}

export const DOCKER_TABLE: TableStyle = { minWidth: 10, padding: 3 };

/** Terminal width of a string: code points, not UTF-16 units. */
const width = (s: string): number => [...s].length;

/** Align rows of cells; returns the lines, each ending in a newline. */
export function alignRows(rows: readonly (readonly string[])[], style: TableStyle = DOCKER_TABLE): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1)
        widths[i] = Math.max(widths[i] ?? 0, width(cell) + style.padding, style.minWidth);
    });
  }
  let out = '';
  for (const row of rows) {
    out += row
      .map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i]! - width(cell)) : cell))
      .join('');
    out += '\n';
  }
  return out;
}

/** Align tab-separated text (the output of a `table` template) line by line. */
export function alignTabbed(text: string, style: TableStyle = DOCKER_TABLE): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (lines.length === 1 && lines[0] === '') return '';
  return alignRows(
    lines.map((l) => l.split('\t')),
    style,
  );
}
