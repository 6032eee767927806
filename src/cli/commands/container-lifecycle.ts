// `stop`, `kill`, `restart`, `pause`, `unpause`, `rm`: one request per container
// named, each name printed as given once done. Like Docker, a failure does not stop
// the others; every error is printed at the end and the exit status is 1.

import type { Client } from '../client.ts';
import { isDaemonError } from '../client.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';

async function eachContainer(
  ctx: CommandContext,
  act: (client: Client, ref: string) => Promise<unknown>,
): Promise<number> {
  const client = await ctx.client();
  const errors: string[] = [];
  for (const ref of ctx.args) {
    try {
      await act(client, ref);
      ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      if (!isDaemonError(err)) throw err;
      errors.push(`Error response from daemon: ${err.message}`);
    }
  }
  if (!errors.length) return 0;
  ctx.stderr.write(`${errors.join('\n')}\n`);
  return 1;
}

const path = (ref: string, verb: string) => `/containers/${encodeURIComponent(ref)}/${verb}`;
const drain = (p: Promise<{ resume(): unknown }>) => p.then((r) => r.resume());

const STOP_OPTIONS = {
  time: {
    type: 'string',
    short: 't',
    valueName: 'int',
    help: 'Seconds to wait before killing the container',
  },
  timeout: { type: 'string', valueName: 'int', help: 'Seconds to wait before killing the container' },
  signal: { type: 'string', short: 's', valueName: 'string', help: 'Signal to send to the container' },
} as const;

/** `stop` and `restart` take the same options and differ in the verb. */
const stopLike = (verb: 'stop' | 'restart', summary: string) =>
  defineCommand({
    name: verb,
    aliases: [`container ${verb}`],
    summary,
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    args: { min: 1 },
    options: STOP_OPTIONS,
    run: (ctx) =>
      eachContainer(ctx, (c, ref) =>
        drain(
          c.request('POST', path(ref, verb), {
            query: { t: ctx.options.time ?? ctx.options.timeout, signal: ctx.options.signal },
          }),
        ),
      ),
  });

export const stopCommand = stopLike('stop', 'Stop one or more running containers');
export const restartCommand = stopLike('restart', 'Restart one or more containers');

export const killCommand = defineCommand({
  name: 'kill',
  aliases: ['container kill'],
  summary: 'Kill one or more running containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  options: {
    signal: { type: 'string', short: 's', valueName: 'string', help: 'Signal to send to the container' },
  },
  run: (ctx) =>
    eachContainer(ctx, (c, ref) =>
      drain(c.request('POST', path(ref, 'kill'), { query: { signal: ctx.options.signal } })),
    ),
});

export const pauseCommand = defineCommand({
  name: 'pause',
  aliases: ['container pause'],
  summary: 'Pause all processes within one or more containers',
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  run: (ctx) => eachContainer(ctx, (c, ref) => drain(c.request('POST', path(ref, 'pause')))),
});

export const unpauseCommand = defineCommand({
  name: 'unpause',
  aliases: ['container unpause'],
  summary: 'Unpause all processes within one or more containers',
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  run: (ctx) => eachContainer(ctx, (c, ref) => drain(c.request('POST', path(ref, 'unpause')))),
});

export const rmCommand = defineCommand({
  name: 'rm',
  aliases: ['container rm', 'container remove'],
  summary: 'Remove one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  options: {
    force: { type: 'boolean', short: 'f', help: 'Force the removal of a running container (uses SIGKILL)' },
    volumes: { type: 'boolean', short: 'v', help: 'Remove anonymous volumes associated with the container' },
  },
  run: (ctx) =>
    eachContainer(ctx, (c, ref) =>
      drain(
        c.request('DELETE', `/containers/${encodeURIComponent(ref)}`, {
          query: { force: ctx.options.force ? 1 : undefined, v: ctx.options.volumes ? 1 : undefined },
        }),
      ),
    ),
});

export const renameCommand = defineCommand({
  name: 'rename',
  aliases: ['container rename'],
  summary: 'Rename a container',
  usage: 'CONTAINER NEW_NAME',
  args: { min: 2, max: 2 },
  async run(ctx) {
    const client = await ctx.client();
    const [ref, name] = ctx.args;
    await drain(client.request('POST', path(ref, 'rename'), { query: { name } }));
    return 0;
  },
});

export const waitCommand = defineCommand({
  name: 'wait',
  aliases: ['container wait'],
  summary: 'Block until one or more containers stop, then print their exit codes',
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  async run(ctx) {
    const client = await ctx.client();
    const errors: string[] = [];
    for (const ref of ctx.args) {
      try {
        const r = await client.post<{ StatusCode: number }>(path(ref, 'wait'));
        ctx.stdout.write(`${r.StatusCode}\n`);
      } catch (err) {
        if (!isDaemonError(err)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (!errors.length) return 0;
    ctx.stderr.write(`${errors.join('\n')}\n`);
    return 1;
  },
});
