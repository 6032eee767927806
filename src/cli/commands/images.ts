// `berth images` (`image ls`): the images, one row per repository and tag, as
// `docker images` lists them. A REPOSITORY[:TAG] argument is a reference filter.
import { filtersParam } from '../client.ts';
import { defineCommand } from '../command.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { IMAGE_HEADERS, type ImageSummary, imageRows } from './image-format.ts';

export const IMAGES_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
const IMAGES_TABLE_DIGESTS = '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

/** The format to render with, as Docker picks it from --format, -q and --digests. */
function chooseFormat(format: string | undefined, quiet: boolean, digests: boolean): string {
  const f = format?.trim() ?? '';
  if (f === '' || f === 'table') {
    if (quiet) return '{{.ID}}';
    return `table ${digests ? IMAGES_TABLE_DIGESTS : IMAGES_TABLE}`;
  }
  if (f.startsWith('table ') && digests && !f.includes('{{.Digest}}')) return `${f}\t{{.Digest}}`;
  return f;
}

export const imagesCommand = defineCommand({
  name: 'images',
  aliases: ['image ls', 'image list'],
  summary: 'List images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  args: { max: 1 },
  common: true,
  options: {
    all: { type: 'boolean', short: 'a', help: 'Show all images (default hides intermediate images)' },
    digests: { type: 'boolean', help: 'Show digests' },
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'filter',
      help: 'Filter output based on conditions provided',
    },
    format: LIST_FORMAT_OPTION,
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
  },
  async run(ctx) {
    const o = ctx.options;
    const filters = [...(o.filter ?? []), ...ctx.args.map((a) => `reference=${a}`)];
    const client = await ctx.client();
    const images = await client.get<ImageSummary[]>('/images/json', {
      all: o.all ? '1' : undefined,
      filters: filtersParam(filters),
    });
    const digests = o.digests ?? false;
    const rows = images.flatMap((img) => imageRows(img, { digests, trunc: !o['no-trunc'] }));
    const format = chooseFormat(o.format, o.quiet ?? false, digests);
    ctx.stdout.write(formatList(rows, { format, defaultTable: IMAGES_TABLE, headers: IMAGE_HEADERS }));
    return 0;
  },
});
