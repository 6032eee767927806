// `berth start [-a] [-i] CONTAINER...`: start containers and print their names;
// with -a (one container), stay attached to its output and exit with its status.
import { invalidArgument } from '../../util/errors.ts';
import { isDaemonError } from '../client.ts';
import { defineCommand } from '../command.ts';
import { attachAndRun } from './container-stream.ts';

interface Inspected {
  Id: string;
  Config: { Tty?: boolean; OpenStdin?: boolean };
}

export const startCommand = defineCommand({
  name: 'start',
  aliases: ['container start'],
  summary: 'Start one or more stopped containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  options: {
    attach: { type: 'boolean', short: 'a', help: 'Attach STDOUT/STDERR and forward signals' },
    interactive: { type: 'boolean', short: 'i', help: "Attach container's STDIN" },
  },
  async run(ctx) {
    const client = await ctx.client();
    if (ctx.options.attach || ctx.options.interactive) {
      if (ctx.args.length > 1)
        throw invalidArgument('you cannot start and attach multiple containers at once');
      const c = await client.get<Inspected>(`/containers/${encodeURIComponent(ctx.args[0])}/json`);
      return attachAndRun(client, c.Id, {
        stdin: ctx.options.interactive && c.Config.OpenStdin ? process.stdin : undefined,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        tty: !!c.Config.Tty,
      });
    }
    const errors: string[] = [];
    for (const ref of ctx.args) {
      try {
        await client.request('POST', `/containers/${encodeURIComponent(ref)}/start`).then((r) => r.resume());
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        if (!isDaemonError(err)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (!errors.length) return 0;
    ctx.stderr.write(`${errors.join('\n')}\nError: failed to start containers: ${ctx.args.join(', ')}\n`);
    return 1;
  },
});
