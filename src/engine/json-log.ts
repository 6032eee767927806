// Reading a container's json-file log (one `{"log","stream","time"}` object per
// line, written by the shim): the entries asked for by `logs` (streams, since,
// until, tail), and following the file while the container runs.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  log: string;
  /** RFC3339Nano. */
  time: string;
}

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  /** Unix seconds (fractional); entries at or after. */
  since?: number;
  /** Unix seconds; entries before. */
  until?: number;
  /** The last N entries; undefined for all. */
  tail?: number;
  follow: boolean;
}

const parse = (line: string): LogEntry | undefined => {
  try {
    const e = JSON.parse(line) as LogEntry;
    return typeof e.log === 'string' ? e : undefined;
  } catch {
    return undefined; // a line being written when read, or damage: skipped
  }
};

const secondsOf = (time: string): number => Date.parse(time) / 1000 + nanosOf(time);

// Date.parse keeps milliseconds; the rest of the nanoseconds, for `since` comparisons.
const nanosOf = (time: string): number => {
  const m = /\.(\d+)Z$/.exec(time);
  return m ? Number(`0.${m[1].padEnd(9, '0').slice(3)}`) / 1000 : 0;
};

function wanted(e: LogEntry, q: LogQuery): boolean {
  if (e.stream === 'stdout' ? !q.stdout : !q.stderr) return false;
  const t = secondsOf(e.time);
  if (q.since !== undefined && t < q.since) return false;
  if (q.until !== undefined && t >= q.until) return false;
  return true;
}

/**
 * The entries of the log at `path`; with `follow`, then new entries as they are written
 * until `stillRunning()` says no and the file has no more.
 */
export async function* readLog(
  path: string,
  q: LogQuery,
  stillRunning: () => boolean,
): AsyncGenerator<LogEntry> {
  let offset = 0;
  const readFrom = async function* (start: number): AsyncGenerator<{ entry?: LogEntry; end: number }> {
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size <= start) return;
    const lines = createInterface({
      input: createReadStream(path, { start, end: size - 1 }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let at = start;
    for await (const line of lines) {
      at += Buffer.byteLength(line) + 1;
      if (at > size) break; // a last line without its newline yet: read it next time
      yield { entry: parse(line), end: at };
    }
  };
  if (q.tail !== undefined && q.tail >= 0) {
    const kept: LogEntry[] = [];
    for await (const { entry, end } of readFrom(0)) {
      offset = end;
      if (!entry || !wanted(entry, q)) continue;
      kept.push(entry);
      if (kept.length > q.tail) kept.shift();
    }
    yield* kept;
  } else {
    for await (const { entry, end } of readFrom(0)) {
      offset = end;
      if (entry && wanted(entry, q)) yield entry;
    }
  }
  if (!q.follow) return;
  for (;;) {
    const running = stillRunning();
    let got = false;
    for await (const { entry, end } of readFrom(offset)) {
      offset = end;
      got = true;
      if (entry && wanted(entry, q)) yield entry;
    }
    if (!running && !got) return;
    if (q.until !== undefined && Date.now() / 1000 >= q.until) return;
    await sleep(100);
  }
}
