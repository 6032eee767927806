// `berth exec [OPTIONS] CONTAINER COMMAND [ARG...]`: run a command in a running
// container, as `docker exec` does: make the exec, then either start it detached (-d)
// or start it on a hijacked connection (stdin in with -i, the output out, a terminal's
// raw bytes with -t, kept the size of ours), and exit with the command's status, which
// the daemon reports once the output ended (126 or 127 when it could not be run).
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { BerthError } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { defineCommand } from '../command.ts';
import { describeReadError, parseKeyValueText } from '../container/key-value-file.ts';
import { demultiplex } from './container-stream.ts';

/** -e NAME=value as given; a bare -e NAME takes our value of NAME, or is left out when we have none. */
function envEntry(value: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === '') throw new BerthError('InvalidArgument', `invalid environment variable: ${value}`);
  if (eq >= 0) return value;
  const v = env[key];
  return v === undefined ? undefined : `${key}=${v}`;
}

/** The exec's environment: the env files' entries, then the -e flags, as Docker orders them. */
export function execEnv(
  files: readonly string[],
  flags: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new BerthError('InvalidArgument', describeReadError(file, err));
    }
    for (const e of parseKeyValueText(text, file, (k) => env[k]))
      if (e.value !== undefined) out.push(`${e.key}=${e.value}`);
  }
  for (const f of flags) {
    const e = envEntry(f, env);
    if (e !== undefined) out.push(e);
  }
  return out;
}

/** Keep the exec's terminal the size of ours, now and whenever ours changes. Returns the undo. */
function followTerminalSize(client: Client, execId: string): () => void {
  const out = process.stdout;
  if (!out.isTTY) return () => {};
  const resize = () => {
    const [w, h] = out.getWindowSize();
    client
      .request('POST', `/exec/${execId}/resize`, { query: { h, w } })
      .then((r) => r.resume())
      .catch(() => {});
  };
  resize();
  out.on('resize', resize);
  return () => out.off('resize', resize);
}

/** With -it on a terminal, keys pass through raw, as docker's do; returns the undo. */
function rawTerminal(on: boolean): () => void {
  if (!on || !process.stdin.isTTY) return () => {};
  process.stdin.setRawMode(true);
  return () => process.stdin.setRawMode(false);
}

export const execCommand = defineCommand({
  name: 'exec',
  aliases: ['container exec'],
  summary: 'Execute a command in a running container',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  args: { min: 2 },
  stopAtFirstPositional: true,
  common: true,
  options: {
    detach: { type: 'boolean', short: 'd', help: 'Detached mode: run command in the background' },
    'detach-keys': {
      type: 'string',
      valueName: 'string',
      help: 'Override the key sequence for detaching a container',
    },
    env: { type: 'string', short: 'e', multiple: true, help: 'Set environment variables' },
    'env-file': { type: 'string', multiple: true, help: 'Read in a file of environment variables' },
    interactive: { type: 'boolean', short: 'i', help: 'Keep STDIN open even if not attached' },
    privileged: { type: 'boolean', help: 'Give extended privileges to the command' },
    tty: { type: 'boolean', short: 't', help: 'Allocate a pseudo-TTY' },
    user: {
      type: 'string',
      short: 'u',
      valueName: 'string',
      help: 'Username or UID (format: "<name|uid>[:<group|gid>]")',
    },
    workdir: {
      type: 'string',
      short: 'w',
      valueName: 'string',
      help: 'Working directory inside the container',
    },
  },
  async run(ctx) {
    const o = ctx.options;
    const [container, ...cmd] = ctx.args;
    const interactive = !!o.interactive;
    const tty = !!o.tty;
    if (interactive && tty && !process.stdin.isTTY)
      throw new BerthError('InvalidArgument', 'the input device is not a TTY');
    const env = execEnv(o['env-file'] ?? [], o.env ?? [], ctx.env);
    const client = await ctx.client();
    const ref = encodeURIComponent(container);
    await client.get(`/containers/${ref}/json`); // "No such container" before anything else
    const attach = !o.detach;
    const created = await client.post<{ Id: string }>(`/containers/${ref}/exec`, {
      User: o.user ?? '',
      Privileged: !!o.privileged,
      Tty: tty,
      AttachStdin: attach && interactive,
      AttachStdout: attach,
      AttachStderr: attach,
      DetachKeys: o['detach-keys'] ?? '',
      Env: env,
      WorkingDir: o.workdir ?? '',
      Cmd: cmd,
    });
    const id = created.Id;
    if (!attach) {
      await client
        .request('POST', `/exec/${id}/start`, { json: { Detach: true, Tty: tty } })
        .then((r) => r.resume());
      return 0;
    }
    const size = tty && process.stdout.isTTY ? process.stdout.getWindowSize() : undefined;
    const conn = await client.hijack('POST', `/exec/${id}/start`, {
      json: { Detach: false, Tty: tty, ...(size ? { ConsoleSize: [size[1], size[0]] } : {}) },
    });
    const restoreTty = rawTerminal(tty && interactive);
    const stopResizing = tty ? followTerminalSize(client, id) : () => {};
    try {
      if (interactive) sendInput(conn);
      await demultiplex(conn, ctx.stdout, ctx.stderr, tty);
    } finally {
      stopResizing();
      restoreTty();
      if (interactive) {
        process.stdin.unpipe(conn);
        process.stdin.destroy();
      }
    }
    const result = await client.get<{ ExitCode: number | null; Running: boolean }>(`/exec/${id}/json`);
    return result.ExitCode ?? 0;
  },
});

function sendInput(conn: Duplex): void {
  process.stdin.pipe(conn, { end: false });
  // our end of input is the command's: half-close, and keep reading its output
  process.stdin.on('end', () => conn.end());
}
