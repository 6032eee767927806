// What every image benchmark shares: run several sides of one job in turns
// (the order rotated each round, so neither side always gets the warmer
// cache), report medians, print the comparison, clean up what was made.
//
// A side is timed from just before its `run` to just after it; `setup` and
// `teardown` (fresh directories, removing what the last run made) are not.
// Before each timed run the page cache's dirty pages are written out (`sync`),
// so one side's writeback is not billed to the next; with BENCH_COLD=1 the
// clean cache is also dropped, so every run reads from disk.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ImageStore } from '../src/image/image-store.ts';
import { openImageStore } from '../src/image/open.ts';
import { type Db, openDatabase } from '../src/util/sqlite.ts';
import { cleanUpOnSignal, cleanup, interrupted, prepareWorkFs } from './work-dir.ts';

export { cleanUpOnSignal, cleanup, interrupted, remove, tempDir } from './work-dir.ts';

export interface Side {
  name: string;
  setup?(): Promise<void>;
  /** The timed work; it may time its own phases into `phases` (see `phase`). */
  run(phases: Phases): Promise<void>;
  teardown?(): Promise<void>;
}

/** Seconds by phase name, recorded as `<side> / <phase>`. */
export type Phases = Record<string, number>;

/** Time one phase of a side's run into `phases`. */
export async function phase<T>(phases: Phases, name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await work();
  phases[name] = (performance.now() - started) / 1000;
  return out;
}

export interface Row {
  operation: string;
  /** Median seconds; undefined when the side did not run. */
  berth?: number;
  reference?: number;
  /** What the reference figure is (tool and command). */
  referenceTool: string;
  /** Why the reference was skipped, or what to keep in mind. */
  note?: string;
}

/** The name every benchmark gives its image. */
export const IMAGE_NAME = 'bench:latest';

export const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '3', 10) || 3);
export const COLD = process.env.BENCH_COLD === '1';

// ---- processes ---------------------------------------------------------------

export interface Ran {
  stdout: string;
  stderr: string;
}

/** Run a command to its end; a non-zero exit throws with its stderr. */
export function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}\n${stderr.trim()}`));
    });
  });
}

/** The tool's version line, or undefined when it is not installed. */
export async function toolVersion(cmd: string, args: string[] = ['--version']): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await sh(cmd, args);
    return (stdout || stderr).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

// ---- the page cache --------------------------------------------------------------

let coldChecked: boolean | undefined;

/** Write dirty pages out; with BENCH_COLD=1 also drop the page cache (root only). */
export async function settle(): Promise<void> {
  await sh('sync', []);
  if (!COLD) return;
  if (coldChecked === false) return;
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    coldChecked = true;
  } catch (err) {
    coldChecked = false;
    console.error(
      `BENCH_COLD=1 but the page cache cannot be dropped here (${(err as Error).message}); runs are warm`,
    );
  }
}

// ---- berth at the library level ------------------------------------------------------

export interface BenchStore {
  root: string;
  store: ImageStore;
  db: Db;
  driverNote?: string;
  close(): void;
}

/** A fresh image store in `root`, opened as the daemon opens it: `<root>/berth.db` + openImageStore. */
export async function openStore(root: string): Promise<BenchStore> {
  const db = openDatabase(join(root, 'berth.db'));
  const { store, driverNote } = await openImageStore({ root, db });
  return { root, store, db, driverNote, close: () => db.close() };
}

// ---- measuring -------------------------------------------------------------------------

/** Run every side `runs` times in turns; the first side to go rotates each round. */
export async function measure(sides: Side[], runs = RUNS): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length];
      await side.setup?.();
      await settle();
      const started = performance.now();
      const phases: Phases = {};
      await side.run(phases);
      const seconds = (performance.now() - started) / 1000;
      await side.teardown?.();
      times.get(side.name)!.push(seconds);
      const detail = Object.keys(phases).length
        ? `  (${Object.entries(phases)
            .map(([p, t]) => `${p} ${t.toFixed(2)}`)
            .join(', ')})`
        : '';
      console.log(`  round ${round + 1}/${runs}  ${side.name.padEnd(40)} ${seconds.toFixed(2)} s${detail}`);
      for (const [p, t] of Object.entries(phases)) {
        const key = `${side.name} / ${p}`;
        if (!times.has(key)) times.set(key, []);
        times.get(key)!.push(t);
      }
    }
  }
  return times;
}

export function median(xs: readonly number[] | undefined): number | undefined {
  if (!xs || xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---- reporting ------------------------------------------------------------------------------

export const RATIO_MEANING =
  'ratio = reference s / berth s: above 1 berth is faster, below 1 berth is slower';

const fmt = (s: number | undefined) => (s === undefined ? '—' : s.toFixed(2));

export function ratioOf(row: Row): string {
  if (row.berth === undefined || row.reference === undefined || row.berth === 0) return '—';
  return `${(row.reference / row.berth).toFixed(2)}x`;
}

export function printTable(rows: readonly Row[]): void {
  const head = ['operation', 'berth s', 'reference s', 'ratio', 'reference'];
  const body = rows.map((r) => [r.operation, fmt(r.berth), fmt(r.reference), ratioOf(r), r.referenceTool]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('');
    for (const r of notes) console.log(`* ${r.operation}: ${r.note}`);
  }
  console.log(
    `\n${RATIO_MEANING}. Medians of ${RUNS} run(s) each, sides alternating${COLD ? ', page cache dropped before each run' : ', warm page cache (BENCH_COLD=1 drops it before each run)'}.`,
  );
}

/** run-all.ts collects every benchmark's rows through this file (BENCH_RESULTS). */
export function recordRows(rows: readonly Row[]): void {
  const file = process.env.BENCH_RESULTS;
  if (!file) return;
  for (const r of rows) appendFileSync(file, `${JSON.stringify(r)}\n`);
}

let whereLine = '';

export function header(title: string, lines: string[]): void {
  console.log(`\n== ${title} ==`);
  for (const l of lines) console.log(`   ${l}`);
  if (whereLine) console.log(`   ${whereLine}`);
  console.log(
    '   berth is measured at the library level (the calls the daemon makes), in this node process.',
  );
  console.log(`   ${loadLine()}`);
}

/** The machine's load: figures taken while other work runs are noisy, and this says so. */
export function loadLine(): string {
  const [one, five] = loadavg();
  const busy = one > 1 ? ' (other work is running: expect noisy figures)' : '';
  return `load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min) on ${availableParallelism()} cores${busy}`;
}

/** Run a benchmark's main with cleanup on success, failure and Ctrl-C. */
export async function main(body: () => Promise<Row[]>): Promise<void> {
  cleanUpOnSignal();
  try {
    whereLine = await prepareWorkFs();
    const rows = await body();
    console.log(`   at the end: ${loadLine()}\n`);
    printTable(rows);
    recordRows(rows);
  } catch (err) {
    if (!interrupted()) throw err;
  } finally {
    await cleanup();
  }
  if (interrupted()) process.exit(130);
}
