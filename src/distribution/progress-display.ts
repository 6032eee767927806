// Showing Docker's JSON progress messages (pull, push) the way the docker CLI
// shows them. On a terminal each layer keeps one line, rewritten in place with
// its status and bar as messages come (the cursor moves up to it and back);
// a message without a layer ends that block. Elsewhere every status is a plain
// line of its own and byte counts are left out. The caller parses the stream;
// this only renders what it is given.
import type { Writable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { progressText } from './progress.ts';

export interface DisplayMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  aux?: unknown;
  errorDetail?: { message?: string };
  error?: string;
}

const ESC = '\x1b[';

export class ProgressDisplay {
  private ids = new Map<string, number>();

  constructor(
    private readonly out: Writable,
    private readonly terminal: boolean,
    /** The terminal's width: the bar is drawn only on wide ones, as Docker draws it. */
    private readonly width = 80,
  ) {}

  /** Render one message; an error message is thrown as a BerthError. */
  show(m: DisplayMessage): void {
    if (m.errorDetail || m.error) {
      throw new BerthError('Internal', m.errorDetail?.message || m.error || 'the daemon reported an error');
    }
    if (m.aux !== undefined) return;
    const hasProgress = m.progressDetail !== undefined;
    let diff = 0;
    if (m.id && hasProgress) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(m.id, line);
        if (this.terminal) this.out.write('\n');
      }
      diff = this.ids.size - line;
      if (this.terminal) this.out.write(`${ESC}${diff}A`);
    } else {
      this.ids = new Map();
    }
    this.render(m, hasProgress);
    if (m.id && hasProgress && this.terminal) this.out.write(`${ESC}${diff}B`);
  }

  private render(m: DisplayMessage, hasProgress: boolean): void {
    const detail = m.progressDetail ?? {};
    const bar = progressText(detail.current ?? 0, detail.total, this.width);
    let endl = '';
    if (this.terminal && m.stream === undefined && hasProgress) {
      this.out.write(`${ESC}2K\r`);
      endl = '\r';
    } else if (hasProgress && bar !== '') {
      return; // byte counts only make sense on a terminal
    }
    const prefix = m.id ? `${m.id}: ` : '';
    if (hasProgress && this.terminal) this.out.write(`${prefix}${m.status ?? ''} ${bar}${endl}`);
    else if (m.stream !== undefined) this.out.write(`${prefix}${m.stream}${endl}`);
    else this.out.write(`${prefix}${m.status ?? ''}${endl}\n`);
  }
}
