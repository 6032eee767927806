// The client side of a container's streams: Docker's multiplexed framing split
// back into stdout and stderr (or a terminal's raw bytes passed through), and
// the attach-start-wait sequence of `run` and `start -a`.
import type { Readable, Writable } from 'node:stream';
import type { Client } from '../client.ts';

/** Copy a logs or attach stream to the outputs; resolves when it ends. */
export function demultiplex(
  source: Readable,
  stdout: Writable,
  stderr: Writable,
  tty: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    let pending: Buffer = Buffer.alloc(0);
    source.on('data', (chunk: Buffer) => {
      if (tty) {
        stdout.write(chunk);
        return;
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const body = pending.subarray(8, 8 + size);
        (pending[0] === 2 ? stderr : stdout).write(body);
        pending = pending.subarray(8 + size);
      }
    });
    source.on('error', () => resolve());
    source.on('end', () => resolve());
    source.on('close', () => resolve());
  });
}

export interface AttachOptions {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
  streams?: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Called once the container runs (run -t sizes the container's terminal here). */
  started?: () => void;
}

/**
 * Attach to a container, start it (unless `start` is false), copy its output until it
 * ends, and give its exit code, as `docker run` and `docker start -a` do: the wait is
 * registered before the start, so a container that exits at once is not missed.
 */
export async function attachAndRun(
  client: Client,
  id: string,
  o: AttachOptions,
  start = true,
): Promise<number> {
  const streams = o.streams ?? { stdin: !!o.stdin, stdout: true, stderr: true };
  const conn = await client.hijack('POST', `/containers/${id}/attach`, {
    query: {
      stream: 1,
      stdin: streams.stdin ? 1 : 0,
      stdout: streams.stdout ? 1 : 0,
      stderr: streams.stderr ? 1 : 0,
    },
  });
  const waitRes = await client.request('POST', `/containers/${id}/wait`, {
    query: { condition: 'next-exit' },
  });
  const waited = readJson<{ StatusCode: number; Error?: { Message: string } | null }>(waitRes);
  if (o.stdin && streams.stdin) {
    o.stdin.pipe(conn, { end: false });
    o.stdin.on('end', () => conn.end());
  }
  const output = demultiplex(conn, o.stdout, o.stderr, o.tty);
  if (start) {
    try {
      await client.request('POST', `/containers/${id}/start`).then((r) => r.resume());
    } catch (err) {
      waited.catch(() => {});
      conn.destroy();
      waitRes.destroy();
      throw err;
    }
  }
  o.started?.();
  const result = await waited;
  await output;
  o.stdin?.unpipe(conn);
  return result.StatusCode;
}

async function readJson<T>(res: Readable): Promise<T> {
  let text = '';
  for await (const c of res) text += c.toString();
  return JSON.parse(text) as T;
}
