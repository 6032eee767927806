// `berth image inspect IMAGE...` and `berth inspect NAME...`: the daemon's
// JSON of each, as a JSON array indented by four spaces, or each through
// --format. Names not found are reported after what was found (the array is
// printed even when empty, as Docker prints `[]`). `inspect` looks names up as
// images only, until berth has containers, networks and volumes.
import { EXIT_BERTH_FAILED, invalidArgument, isBerthError } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { isDaemonError } from '../client.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { formatOne } from '../output/format.ts';
import { imagePath } from './image-format.ts';

export const INSPECT_FORMAT_OPTION = {
  type: 'string',
  short: 'f',
  valueName: 'string',
  help: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template",
} as const;

interface Found {
  readonly items: unknown[];
  readonly errors: string[];
}

async function inspectImages(
  client: Client,
  names: readonly string[],
  notFound: (name: string, message: string) => string,
) {
  const found: Found = { items: [], errors: [] };
  for (const name of names) {
    try {
      found.items.push(await client.get(`/images/${imagePath(name)}/json`));
    } catch (err) {
      if (isBerthError(err, 'NotFound')) found.errors.push(notFound(name, err.message));
      else if (isDaemonError(err)) found.errors.push(`Error response from daemon: ${err.message}`);
      else throw err;
    }
  }
  return found;
}

function print(ctx: CommandContext, found: Found, format: string | undefined): number {
  if (format !== undefined) {
    for (const item of found.items) ctx.stdout.write(formatOne(item, format));
  } else {
    ctx.stdout.write(`${JSON.stringify(found.items, null, 4)}\n`);
  }
  if (!found.errors.length) return 0;
  ctx.stderr.write(`${found.errors.join('\n')}\n`);
  return EXIT_BERTH_FAILED;
}

export const imageInspectCommand = defineCommand({
  name: 'image inspect',
  summary: 'Display detailed information on one or more images',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  options: { format: INSPECT_FORMAT_OPTION },
  async run(ctx) {
    const client = await ctx.client();
    const found = await inspectImages(
      client,
      ctx.args,
      (_name, message) => `Error response from daemon: ${message}`,
    );
    return print(ctx, found, ctx.options.format);
  },
});

const OBJECT_TYPES = [
  'config',
  'container',
  'image',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'task',
  'volume',
];

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'Return low-level information on berth objects',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  args: { min: 1 },
  options: {
    format: INSPECT_FORMAT_OPTION,
    size: { type: 'boolean', short: 's', help: 'Display total file sizes if the type is container' },
    type: { type: 'string', valueName: 'string', help: 'Only inspect objects of the given type' },
  },
  async run(ctx) {
    const type = ctx.options.type;
    if (type !== undefined && type !== 'image') {
      if (!OBJECT_TYPES.includes(type)) throw invalidArgument(`"${type}" is not a valid value for --type`);
      throw invalidArgument(`inspecting objects of type ${type} is not supported yet: berth inspects images`);
    }
    const client = await ctx.client();
    const found = await inspectImages(client, ctx.args, (name) =>
      type === 'image' ? `Error: No such image: ${name}` : `Error: No such object: ${name}`,
    );
    return print(ctx, found, ctx.options.format);
  },
});
