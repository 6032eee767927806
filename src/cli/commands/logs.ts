// `berth logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`: the
// container's output from its json-file log, stdout to stdout and stderr to stderr.
import { unixSecondsArg } from '../../util/time.ts';
import { defineCommand } from '../command.ts';
import { demultiplex } from './container-stream.ts';

export const logsCommand = defineCommand({
  name: 'logs',
  aliases: ['container logs'],
  summary: 'Fetch the logs of a container',
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  options: {
    details: { type: 'boolean', help: 'Show extra details provided to logs' },
    follow: { type: 'boolean', short: 'f', help: 'Follow log output' },
    since: {
      type: 'string',
      valueName: 'string',
      help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    tail: {
      type: 'string',
      short: 'n',
      valueName: 'string',
      help: 'Number of lines to show from the end of the logs',
    },
    timestamps: { type: 'boolean', short: 't', help: 'Show timestamps' },
    until: {
      type: 'string',
      valueName: 'string',
      help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
  },
  async run(ctx) {
    const client = await ctx.client();
    const ref = encodeURIComponent(ctx.args[0]);
    const c = await client.get<{ Config: { Tty?: boolean } }>(`/containers/${ref}/json`);
    const now = Date.now();
    const res = await client.request('GET', `/containers/${ref}/logs`, {
      query: {
        stdout: 1,
        stderr: 1,
        follow: ctx.options.follow ? 1 : undefined,
        tail: ctx.options.tail ?? 'all',
        timestamps: ctx.options.timestamps ? 1 : undefined,
        since: ctx.options.since === undefined ? undefined : unixSecondsArg(ctx.options.since, 'since', now),
        until: ctx.options.until === undefined ? undefined : unixSecondsArg(ctx.options.until, 'until', now),
      },
    });
    await demultiplex(res, ctx.stdout, ctx.stderr, !!c.Config.Tty);
    return 0;
  },
});
