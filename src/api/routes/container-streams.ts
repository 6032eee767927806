// A container's streams over the Engine API: `logs` (from the json-file log,
// following it while the container runs) and `attach` (a hijacked connection:
// the live output out, stdin in). Without a terminal both use Docker's
// multiplexed framing: per chunk an 8-byte header (stream 1 stdout / 2 stderr,
// three zero bytes, big-endian length).
import type { Writable } from 'node:stream';
import type { StreamName } from '../../engine/container-io.ts';
import { readLog } from '../../engine/json-log.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { RequestContext } from '../request-context.ts';

const RAW = 'application/vnd.docker.raw-stream';
const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';

export function frame(stream: StreamName, chunk: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(chunk.length, 4);
  return Buffer.concat([header, chunk]);
}

/** Docker's `since`/`until`: unix seconds with an optional fraction, or 0 for none. */
function unixSeconds(ctx: RequestContext, name: string): number | undefined {
  const v = ctx.string(name);
  if (v === undefined || v === '' || v === '0') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidArgument(`invalid value for "${name}": ${v}`);
  return n;
}

const writeTo = (out: Writable, tty: boolean) => (stream: StreamName, chunk: Buffer) =>
  out.write(tty ? chunk : frame(stream, chunk));

export const containerStreamRoutes: RouteModule = (router, daemon) => {
  router.get('/containers/{id}/logs', async (ctx) => {
    const svc = await daemon.containers.get();
    const r = svc.resolve(ctx.params.id);
    const stdout = ctx.bool('stdout');
    const stderr = ctx.bool('stderr');
    if (!stdout && !stderr) throw invalidArgument('You must choose at least one stream');
    const tail = ctx.string('tail');
    const timestamps = ctx.bool('timestamps');
    const tty = !!r.request.Tty;
    const res = ctx.startStream(tty ? RAW : MULTIPLEXED);
    const write = writeTo(res, tty);
    const entries = readLog(
      svc.logPath(r.id),
      {
        stdout,
        stderr,
        since: unixSeconds(ctx, 'since'),
        until: unixSeconds(ctx, 'until'),
        tail: tail === undefined || tail === 'all' ? undefined : Number(tail),
        follow: ctx.bool('follow'),
      },
      () => ['running', 'paused', 'restarting'].includes(svc.resolve(r.id).state.Status),
    );
    let gone = false;
    res.on('close', () => {
      gone = true;
    });
    for await (const e of entries) {
      if (gone) break;
      write(e.stream, Buffer.from(timestamps ? `${e.time} ${e.log}` : e.log));
    }
    res.end();
  });

  router.post('/containers/{id}/attach', async (ctx) => {
    const svc = await daemon.containers.get();
    const r = svc.resolve(ctx.params.id);
    const tty = !!r.request.Tty;
    const wantStdin = ctx.bool('stdin');
    const streams = { stdout: ctx.bool('stdout'), stderr: ctx.bool('stderr') };
    const conn = ctx.hijack(tty ? RAW : MULTIPLEXED);
    const write = writeTo(conn, tty);
    conn.on('error', () => {});
    if (ctx.bool('logs')) {
      for await (const e of readLog(svc.logPath(r.id), { ...streams, follow: false }, () => false))
        write(e.stream, Buffer.from(e.log));
    }
    if (!ctx.bool('stream')) {
      conn.end();
      return;
    }
    const detach = svc.attach(
      r.id,
      {
        write: (stream, chunk) => {
          if (streams[stream]) write(stream, chunk);
        },
        end: () => conn.end(),
      },
      wantStdin ? conn : undefined,
    );
    conn.on('close', detach);
  });
};
