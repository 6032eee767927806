// What the benchmarks of whole CLI commands share (container-run.ts,
// network-run.ts, network-throughput.ts): settings from the environment, tools
// that may be skipped, checked command results and a plain table.
import type { RunResult } from '../test/helpers/berth.ts';

/** A positive whole number from the environment variable `name`, else `fallback`. */
export const count = (name: string, fallback: number): number =>
  Math.max(1, Number.parseInt(process.env[name] ?? '', 10) || fallback);

/** A tool that cannot run here for a reason that is not a failure (not installed, not root, not asked for). */
export class Skip extends Error {}

/** The command's output; its failure, with what it printed, throws. */
export function checked(what: string, r: RunResult): string {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Columns padded to fit: the first left-aligned, the others right-aligned. */
export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
