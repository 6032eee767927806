// Progress of pulls and pushes as Docker's JSON messages: a status per layer
// (`id` is the layer's short digest), byte counts in `progressDetail`, and the
// bar Docker draws in `progress`. Byte updates of one layer are sent at most
// ten times a second; a status change always goes out.

export interface ProgressMessage {
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  aux?: unknown;
}

export type ProgressSink = (message: ProgressMessage) => void;

export const NO_PROGRESS: ProgressSink = () => {};

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Docker's HumanSize: decimal units, 4 significant digits (`1.234MB`, `527B`). */
export function humanSize(bytes: number): string {
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < DECIMAL.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(4))}${DECIMAL[i]}`;
}

/** Docker's progress text: `[=====>        ]  1.234MB/5.678MB` (the bar only for wide terminals). */
export function progressText(current: number, total: number | undefined, width = 200): string {
  if (current <= 0 && !total) return '';
  if (!total || total <= 0) return humanSize(current).padStart(8);
  const half = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${'='.repeat(half)}>${' '.repeat(50 - half)}] ` : '';
  const numbers =
    current > total
      ? humanSize(current).padStart(8)
      : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** The short ID Docker shows for a layer: 12 hex digits of its digest. */
export const shortDigest = (digest: string): string =>
  digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);

/** Per-layer messages with the byte updates thinned out. */
export class LayerProgress {
  private lastSent = 0;

  constructor(
    private readonly sink: ProgressSink,
    readonly id: string,
    private readonly intervalMs = 100,
  ) {}

  status(text: string): void {
    this.sink({ status: text, progressDetail: {}, id: this.id });
  }

  bytes(action: string, current: number, total: number | undefined, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastSent < this.intervalMs) return;
    this.lastSent = now;
    this.sink({
      status: action,
      progressDetail: total ? { current, total } : { current },
      progress: progressText(current, total),
      id: this.id,
    });
  }
}
