// `berth attach [--no-stdin] [--sig-proxy] CONTAINER`: our terminal's streams joined to
// a running container's (its stdin only when it was started with -i), until it exits,
// then its exit status, as `docker attach` does. Signals we get go to the container
// (--sig-proxy, default on) unless it has a terminal, where keys pass through instead.
import os from 'node:os';
import { BerthError } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { defineCommand } from '../command.ts';
import { attachAndRun } from './container-stream.ts';

interface Inspected {
  Id: string;
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  Config: { Tty?: boolean; OpenStdin?: boolean };
}

// Docker forwards every signal but these (SIGKILL and SIGSTOP cannot be caught at all).
const FORWARDED: NodeJS.Signals[] = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR1',
  'SIGUSR2',
  'SIGCONT',
];

/** Pass the signals we receive on to the container; returns the undo. */
function proxySignals(client: Client, id: string): () => void {
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      const number = os.constants.signals[sig];
      client
        .request('POST', `/containers/${id}/kill`, { query: { signal: String(number) } })
        .then((r) => r.resume())
        .catch(() => {});
    };
    process.on(sig, handler);
    return () => process.off(sig, handler);
  });
  return () => {
    for (const off of handlers) off();
  };
}

function rawTerminal(on: boolean): () => void {
  if (!on || !process.stdin.isTTY) return () => {};
  process.stdin.setRawMode(true);
  return () => process.stdin.setRawMode(false);
}

export const attachCommand = defineCommand({
  name: 'attach',
  aliases: ['container attach'],
  summary: 'Attach local standard input, output, and error streams to a running container',
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  common: false,
  options: {
    'detach-keys': {
      type: 'string',
      valueName: 'string',
      help: 'Override the key sequence for detaching a container',
    },
    'no-stdin': { type: 'boolean', help: 'Do not attach STDIN' },
    'sig-proxy': { type: 'boolean', help: 'Proxy all received signals to the process (default true)' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const c = await client.get<Inspected>(`/containers/${encodeURIComponent(ctx.args[0])}/json`);
    if (!c.State.Running)
      throw new BerthError('FailedPrecondition', 'You cannot attach to a stopped container, start it first');
    if (c.State.Paused)
      throw new BerthError('FailedPrecondition', 'You cannot attach to a paused container, unpause it first');
    if (c.State.Restarting)
      throw new BerthError(
        'FailedPrecondition',
        'You cannot attach to a restarting container, wait until it is running',
      );
    const tty = !!c.Config.Tty;
    const wantStdin = !ctx.options['no-stdin'];
    if (wantStdin && tty && !process.stdin.isTTY)
      throw new BerthError('InvalidArgument', 'the input device is not a TTY');
    const stdin = wantStdin && !!c.Config.OpenStdin;
    const unproxy = ctx.options['sig-proxy'] !== false && !tty ? proxySignals(client, c.Id) : () => {};
    const restoreTty = rawTerminal(tty && stdin);
    try {
      return await attachAndRun(
        client,
        c.Id,
        {
          stdin: stdin ? process.stdin : undefined,
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          tty,
          streams: { stdin, stdout: true, stderr: true },
        },
        false,
      );
    } finally {
      restoreTty();
      unproxy();
      if (stdin) process.stdin.destroy();
    }
  },
});
