// `berth image inspect`, `container inspect`, `volume inspect` and `berth inspect
// NAME...`: the daemon's JSON of each, as a JSON array indented by four spaces,
// or each through --format. Names not found are reported after what was found
// (the array is printed even when empty, as Docker prints `[]`). `inspect` looks
// a name up as a container, then an image, then a volume, then a network, as Docker does.
import { invalidArgument, isBerthError } from '../../util/errors.ts';
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

export interface Found {
  readonly items: unknown[];
  readonly errors: string[];
}

type Kind = 'container' | 'image' | 'volume' | 'network';

const PATHS: Record<Kind, (name: string) => string> = {
  container: (n) => `/containers/${encodeURIComponent(n)}/json`,
  image: (n) => `/images/${imagePath(n)}/json`,
  volume: (n) => `/volumes/${encodeURIComponent(n)}`,
  network: (n) => `/networks/${encodeURIComponent(n)}`,
};

async function inspectObjects(
  client: Client,
  names: readonly string[],
  kinds: readonly Kind[],
  notFound: (name: string, message: string) => string,
  query?: Record<string, string | undefined>,
) {
  const found: Found = { items: [], errors: [] };
  for (const name of names) {
    let last: unknown;
    for (const kind of kinds) {
      try {
        found.items.push(await client.get(PATHS[kind](name), kind === 'container' ? query : undefined));
        last = undefined;
        break;
      } catch (err) {
        last = err;
        if (!isBerthError(err, 'NotFound')) break;
      }
    }
    if (last === undefined) continue;
    if (isBerthError(last, 'NotFound')) found.errors.push(notFound(name, (last as Error).message));
    else if (isDaemonError(last)) found.errors.push(`Error response from daemon: ${last.message}`);
    else throw last;
  }
  return found;
}

/**
 * What every inspect prints: the objects found (a JSON array, or each through the
 * template), then the errors for those not found; exit 1 when there were any, as Docker.
 */
export function printInspected(ctx: CommandContext, found: Found, format: string | undefined): number {
  if (format !== undefined) {
    for (const item of found.items) ctx.stdout.write(formatOne(item, format));
  } else {
    ctx.stdout.write(`${JSON.stringify(found.items, null, 4)}\n`);
  }
  if (!found.errors.length) return 0;
  ctx.stderr.write(`${found.errors.join('\n')}\n`);
  return 1;
}

export const imageInspectCommand = defineCommand({
  name: 'image inspect',
  summary: 'Display detailed information on one or more images',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  options: { format: INSPECT_FORMAT_OPTION },
  async run(ctx) {
    const client = await ctx.client();
    const found = await inspectObjects(
      client,
      ctx.args,
      ['image'],
      (_name, message) => `Error response from daemon: ${message}`,
    );
    return printInspected(ctx, found, ctx.options.format);
  },
});

export const containerInspectCommand = defineCommand({
  name: 'container inspect',
  summary: 'Display detailed information on one or more containers',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  options: {
    format: INSPECT_FORMAT_OPTION,
    size: { type: 'boolean', short: 's', help: 'Display total file sizes' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const found = await inspectObjects(
      client,
      ctx.args,
      ['container'],
      (_name, message) => `Error response from daemon: ${message}`,
      { size: ctx.options.size ? '1' : undefined },
    );
    return printInspected(ctx, found, ctx.options.format);
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
    const kinds: Kind[] = ['container', 'image', 'volume', 'network'];
    if (type !== undefined && !kinds.includes(type as Kind)) {
      if (!OBJECT_TYPES.includes(type)) throw invalidArgument(`"${type}" is not a valid value for --type`);
      throw invalidArgument(`inspecting objects of type ${type} is not supported: berth has no ${type}s`);
    }
    const client = await ctx.client();
    const found = await inspectObjects(
      client,
      ctx.args,
      type ? [type as Kind] : kinds,
      (name) => (type ? `Error: No such ${type}: ${name}` : `Error: No such object: ${name}`),
      { size: ctx.options.size ? '1' : undefined },
    );
    return printInspected(ctx, found, ctx.options.format);
  },
});
