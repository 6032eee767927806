// `berth run` and `berth create`: Docker's flags turned into the create request
// (cli/container), the image pulled when missing (as the docker CLI does it,
// client-side: create, and on "No such image" pull and create again), then for
// `run` either the new ID (-d) or attach, start, and the container's exit status.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { BerthError, isBerthError } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import {
  buildCreateRequest,
  CREATE_OPTIONS,
  type CreatePlan,
  RUN_OPTIONS,
  type RunValues,
} from '../container/index.ts';
import { attachAndRun } from './container-stream.ts';
import { pullImage } from './pull.ts';

async function createContainer(ctx: CommandContext, client: Client, plan: CreatePlan): Promise<string> {
  const image = plan.request.Image ?? '';
  const create = () =>
    client.post<{ Id: string; Warnings?: string[] }>('/containers/create', plan.request, {
      name: plan.name,
      platform: plan.platform,
    });
  if (plan.pull === 'always') await pullImage(ctx, client, image, plan.platform, plan.quiet);
  let created: { Id: string; Warnings?: string[] };
  try {
    created = await create();
  } catch (err) {
    if (plan.pull !== 'missing' || !isBerthError(err, 'NotFound') || !/No such image/.test(err.message))
      throw err;
    ctx.stderr.write(`Unable to find image '${image}' locally\n`);
    await pullImage(ctx, client, image, plan.platform, plan.quiet);
    created = await create();
  }
  for (const w of [...plan.warnings, ...(created.Warnings ?? [])]) ctx.stderr.write(`WARNING: ${w}\n`);
  if (plan.cidfile) writeFileSync(plan.cidfile, created.Id, { flag: 'wx' });
  return created.Id;
}

function planOf(ctx: CommandContext, options: RunValues): CreatePlan {
  return buildCreateRequest(options, ctx.args, ctx.env, (p) => readFileSync(p, 'utf8'));
}

export const createCommand = defineCommand({
  name: 'create',
  aliases: ['container create'],
  summary: 'Create a new container',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  stopAtFirstPositional: true,
  options: CREATE_OPTIONS,
  async run(ctx) {
    const plan = planOf(ctx, ctx.options as RunValues);
    const client = await ctx.client();
    ctx.stdout.write(`${await createContainer(ctx, client, plan)}\n`);
    return 0;
  },
});

export const runCommand = defineCommand({
  name: 'run',
  aliases: ['container run'],
  summary: 'Create and run a new container from an image',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  stopAtFirstPositional: true,
  common: true,
  options: RUN_OPTIONS,
  async run(ctx) {
    const plan = planOf(ctx, ctx.options as RunValues);
    if (plan.request.OpenStdin && plan.tty && !process.stdin.isTTY)
      throw new BerthError('InvalidArgument', 'the input device is not a TTY');
    const client = await ctx.client();
    const id = await createContainer(ctx, client, plan);
    if (plan.detach) {
      await client.request('POST', `/containers/${id}/start`).then((r) => r.resume());
      ctx.stdout.write(`${id}\n`);
      return 0;
    }
    const restoreTty = rawTerminal(plan.tty && !!plan.request.OpenStdin);
    try {
      return await attachAndRun(client, id, {
        stdin: plan.request.OpenStdin ? process.stdin : undefined,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        tty: plan.tty,
        started: plan.tty ? () => followTerminalSize(client, id) : undefined,
        streams: {
          stdin: plan.attach.includes('stdin'),
          stdout: plan.attach.includes('stdout'),
          stderr: plan.attach.includes('stderr'),
        },
      });
    } catch (err) {
      if (!isBerthError(err)) throw err;
      // docker's statuses for a command that could not be run: 127 not found, 126 not executable
      ctx.stderr.write(`Error response from daemon: ${err.message}\n`);
      if (/no such file or directory|executable file not found/.test(err.message)) return 127;
      if (/permission denied/.test(err.message)) return 126;
      return 125;
    } finally {
      restoreTty();
    }
  },
});

/** Keep the container's terminal the size of ours, as docker's client does. */
function followTerminalSize(client: Client, id: string): void {
  if (!process.stdout.isTTY) return;
  const send = () =>
    client
      .request('POST', `/containers/${id}/resize`, {
        query: { h: process.stdout.rows, w: process.stdout.columns },
      })
      .then(
        (r) => r.resume(),
        () => {},
      );
  send();
  process.stdout.on('resize', send);
}

/**
 * With -it, the local terminal passes keys through raw and prints the container's output
 * as it comes, as docker's does (its raw mode also turns output processing off, which
 * Node's does not: stty does that part). Returns the undo.
 */
function rawTerminal(on: boolean): () => void {
  if (!on || !process.stdin.isTTY) return () => {};
  process.stdin.setRawMode(true);
  spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  return () => {
    spawnSync('stty', ['opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
    process.stdin.setRawMode(false);
  };
}
