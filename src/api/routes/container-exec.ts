// The exec endpoints of the Docker Engine API: make an exec in a running container,
// start it (on a hijacked connection: its output out, multiplexed unless it has a
// terminal, and stdin in; or detached), inspect it for its exit code, resize its
// terminal. A program that cannot be started is reported on the stream itself, as
// Docker does once the connection is taken over; the exit code says 126 or 127.
import type { Socket } from 'node:net';
import type { ExecConfig } from '../../engine/exec-service.ts';
import { execServiceOf } from '../../engine/exec-service.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { RequestContext } from '../request-context.ts';
import { frame } from './container-streams.ts';

const RAW = 'application/vnd.docker.raw-stream';
const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
const BODY_LIMIT = 1024 * 1024;

interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

/**
 * The request's JSON body. On a connection that asks to be upgraded, Node hands the
 * bytes after the headers to the socket rather than the request, so the body (its
 * Content-Length) is read from there, and what follows it stays for the stream.
 */
async function readBody<T>(ctx: RequestContext): Promise<T | undefined> {
  if (!ctx.req.headers.upgrade) return ctx.readJson<T>(BODY_LIMIT);
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > BODY_LIMIT)
    throw invalidArgument(`invalid Content-Length: ${ctx.req.headers['content-length']}`);
  if (length === 0) return undefined;
  const text = (await readExactly(ctx.req.socket, length)).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    throw invalidArgument('the body is not valid JSON');
  }
}

function readExactly(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const done = (err?: Error) => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', done);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onEnd = () => done(invalidArgument('the connection ended inside the request body'));
    const onReadable = () => {
      while (have < length) {
        let chunk = socket.read() as Buffer | null;
        if (chunk === null) break;
        const need = length - have;
        if (chunk.length > need) {
          socket.unshift(chunk.subarray(need));
          chunk = chunk.subarray(0, need);
        }
        chunks.push(chunk);
        have += chunk.length;
      }
      if (have >= length) done();
    };
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('error', done);
    onReadable();
  });
}

function size(ctx: RequestContext, name: string): number {
  const v = ctx.string(name);
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`invalid ${name}: ${v}`);
  return n;
}

export const containerExecRoutes: RouteModule = (router, daemon) => {
  const execs = async () => execServiceOf(await daemon.containers.get());

  router.post('/containers/{id}/exec', async (ctx) => {
    const body = await ctx.readJson<ExecConfig>(BODY_LIMIT);
    if (!body || typeof body !== 'object')
      throw invalidArgument('the body must be a JSON object: the exec config');
    const id = (await execs()).create(ctx.params.id, body);
    ctx.json(201, { Id: id });
  });

  router.post('/exec/{id}/start', async (ctx) => {
    const body = (await readBody<ExecStartBody>(ctx)) ?? {};
    const svc = await execs();
    const id = ctx.params.id;
    svc.checkStartable(id);
    if (body.Detach) {
      await svc.start(id, undefined, body.ConsoleSize);
      ctx.noContent(200);
      return;
    }
    const tty = svc.tty(id);
    const conn = ctx.hijack(tty ? RAW : MULTIPLEXED);
    conn.on('error', () => {});
    const write = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      if (!conn.destroyed) conn.write(tty ? chunk : frame(stream, chunk));
    };
    try {
      await svc.start(id, { stdin: conn, write, end: () => conn.end() }, body.ConsoleSize);
    } catch (err) {
      write('stdout', Buffer.from(`${err instanceof Error ? err.message : String(err)}\r\n`));
      conn.end();
    }
  });

  router.get('/exec/{id}/json', async (ctx) => (await execs()).inspect(ctx.params.id));

  router.post('/exec/{id}/resize', async (ctx) => {
    await (await execs()).resize(ctx.params.id, size(ctx, 'h'), size(ctx, 'w'));
    ctx.noContent(200);
  });
};
