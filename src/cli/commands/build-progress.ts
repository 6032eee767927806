// `berth build --progress`: which display a build gets, and the terminal one.
// The terminal display reads the classic builder's stream lines (`Step 3/7 :
// RUN make`, ` ---> Using cache`, ` ---> Running in <id>`, the RUN's output,
// ` ---> <id>`) and keeps one row per step with its state and elapsed time,
// redrawn in place; the running step shows its last output lines under it. The
// last frame leaves only the step rows (a compact summary), then the closing
// lines (`Successfully built ...`). It is pure: what it writes goes to `out` and
// the time comes from `now`, so tests feed it messages and read the frames.
import { invalidArgument } from '../../util/errors.ts';

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'quiet';

const MODES: readonly ProgressMode[] = ['auto', 'plain', 'tty', 'quiet'];

/** `--progress` (default auto) to a mode; `-q` is `quiet`. A bad value fails as buildx's does. */
export function parseProgressMode(value: string | undefined, quiet: boolean): ProgressMode {
  if (value === undefined || value === '') return quiet ? 'quiet' : 'auto';
  if (!(MODES as readonly string[]).includes(value)) throw invalidArgument(`invalid progress mode ${value}`);
  return quiet ? 'quiet' : (value as ProgressMode);
}

/** Whether to draw: tty always, auto only on a terminal. */
export const drawsOnTerminal = (mode: ProgressMode, isTerminal: boolean): boolean =>
  mode === 'tty' || (mode === 'auto' && isTerminal);

export type StepState = 'RUNNING' | 'DONE' | 'CACHED' | 'ERROR';

interface Step {
  label: string;
  state: StepState;
  started: number;
  ended?: number;
  cached: boolean;
  output: string[];
}

/** Output lines kept under a running step. */
const TAIL = 4;

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;

export interface ProgressWriter {
  write(text: string): unknown;
}

export class TtyProgress {
  readonly #out: ProgressWriter;
  readonly #now: () => number;
  readonly #steps: Step[] = [];
  readonly #closing: string[] = [];
  #partial = '';
  #drawn = 0;
  #finished = false;

  constructor(out: ProgressWriter, now: () => number) {
    this.#out = out;
    this.#now = now;
  }

  /** One `stream` text of the daemon (may hold several lines, or part of one). */
  stream(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
    this.render();
  }

  #line(line: string): void {
    const current = this.#steps[this.#steps.length - 1];
    const m = STEP_LINE.exec(line);
    if (m) {
      this.#end(current, 'DONE');
      this.#steps.push({
        label: `[${m[1]}/${m[2]}] ${m[3]}`,
        state: 'RUNNING',
        started: this.#now(),
        cached: false,
        output: [],
      });
      return;
    }
    if (line === ' ---> Using cache') {
      if (current) current.cached = true;
      return;
    }
    if (line.startsWith(' ---> ') || line.startsWith('Removing intermediate container')) return;
    if (/^Successfully (built|tagged) /.test(line) || line.startsWith('[Warning]')) {
      this.#end(current, 'DONE');
      this.#closing.push(line);
      return;
    }
    if (current && current.state === 'RUNNING') {
      current.output.push(line);
      if (current.output.length > TAIL) current.output.shift();
    }
  }

  #end(step: Step | undefined, state: 'DONE' | 'ERROR'): void {
    if (step?.state !== 'RUNNING') return;
    step.state = state === 'DONE' && step.cached ? 'CACHED' : state;
    step.ended = this.#now();
    step.output = state === 'ERROR' ? step.output : [];
  }

  /** The build ended: the running step is DONE (ok) or ERROR; the last frame is drawn. */
  finish(ok: boolean): void {
    if (this.#finished) return;
    if (this.#partial) this.#line(this.#partial);
    this.#partial = '';
    this.#end(this.#steps[this.#steps.length - 1], ok ? 'DONE' : 'ERROR');
    this.render();
    this.#finished = true;
    for (const line of this.#closing) this.#out.write(`${line}\n`);
  }

  /** Redraw the step rows in place (also called on a timer, for the running times). */
  render(): void {
    if (this.#finished) return;
    const rows: string[] = [];
    for (const s of this.#steps) {
      const seconds = (((s.ended ?? this.#now()) - s.started) / 1000).toFixed(1);
      const state = s.state === 'RUNNING' ? '' : ` ${s.state}`;
      rows.push(`${s.label}  ${seconds}s${state}`);
      for (const o of s.output) rows.push(`  ${o}`);
    }
    const up = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    this.#out.write(`${up}\r\x1b[J${rows.map((r) => `${r}\n`).join('')}`);
    this.#drawn = rows.length;
  }
}
