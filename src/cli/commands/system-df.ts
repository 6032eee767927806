// `berth system df`: disk usage by kind (images, containers, local volumes,
// build cache), and with -v each image, as `docker system df` shows it.
// Containers, volumes and the build cache are empty until berth has them.
import { defineCommand } from '../command.ts';
import { formatList } from '../output/format.ts';
import { alignTabbed } from '../output/table.ts';
import { Template } from '../output/template.ts';
import { humanSize } from '../output/units.ts';
import {
  humanSizeDigits,
  IMAGE_HEADERS,
  type ImageSummary,
  imageRows,
  isDangling,
  splitTag,
} from './image-format.ts';

interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: unknown[] | null;
  Volumes?: unknown[] | null;
  BuildCache?: unknown[] | null;
}

const DF_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const DF_HEADERS = {
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Size: 'SIZE',
  Reclaimable: 'RECLAIMABLE',
};
const VERBOSE_IMAGES =
  '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';

const size4 = (n: number) => humanSizeDigits(n, 4);

/** The summary rows, with Docker's reclaimable sums (in-use images count only their unique size). */
function summaryRows(du: DiskUsage) {
  const images = du.Images ?? [];
  const total = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images)
    if (i.Containers > 0 && i.Size !== -1 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  const reclaimable = total - used;
  const empty = (type: string, count: number) => ({
    Active: '0',
    Reclaimable: '0B',
    Size: '0B',
    TotalCount: String(count),
    Type: type,
  });
  return [
    {
      Active: String(images.filter((i) => i.Containers > 0).length),
      Reclaimable:
        total > 0
          ? `${size4(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)`
          : size4(reclaimable),
      Size: size4(total),
      TotalCount: String(images.length),
      Type: 'Images',
    },
    empty('Containers', du.Containers?.length ?? 0),
    empty('Local Volumes', du.Volumes?.length ?? 0),
    empty('Build Cache', du.BuildCache?.length ?? 0),
  ];
}

/** One row per image with its first tag, as Docker's verbose df lists images. */
function verboseImageRows(du: DiskUsage, trunc: boolean) {
  return (du.Images ?? []).map((img) => {
    const first = !isDangling(img) ? img.RepoTags?.[0] : undefined;
    const parts = first ? splitTag(first) : undefined;
    const [row] = imageRows({ ...img, RepoTags: [], RepoDigests: [] }, { digests: false, trunc });
    return {
      ...row,
      Digest: '',
      Repository: parts?.[0] ?? '<none>',
      Tag: parts?.[1] ?? '<none>',
      Containers: String(Math.max(0, img.Containers)),
    };
  });
}

function table(template: string, headers: Record<string, string>, rows: readonly object[]): string {
  const t = new Template(template);
  let text = `${t.execute(headers)}\n`;
  for (const r of rows) text += `${t.execute(r)}\n`;
  return alignTabbed(text);
}

export const systemDfCommand = defineCommand({
  name: 'system df',
  summary: 'Show berth disk usage',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    format: {
      type: 'string',
      valueName: 'string',
      help: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template",
    },
    verbose: { type: 'boolean', short: 'v', help: 'Show detailed information on space usage' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const du = await client.get<DiskUsage>('/system/df');
    const format = ctx.options.format?.trim() ?? '';
    if (!ctx.options.verbose) {
      ctx.stdout.write(formatList(summaryRows(du), { format, defaultTable: DF_TABLE, headers: DF_HEADERS }));
      return 0;
    }
    if (format === 'json') {
      const images = verboseImageRows(du, false);
      ctx.stdout.write(
        `${JSON.stringify({ Images: images, Containers: [], Volumes: [], BuildCache: [] })}\n`,
      );
      return 0;
    }
    const images = verboseImageRows(du, true);
    let out = 'Images space usage:\n\n';
    out += table(VERBOSE_IMAGES, { ...IMAGE_HEADERS, Containers: 'CONTAINERS' }, images);
    out += '\nContainers space usage:\n\n';
    out += table('CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES', {}, []);
    out += '\nLocal Volumes space usage:\n\n';
    out += table('VOLUME NAME\tLINKS\tSIZE', {}, []);
    out += `\nBuild cache usage: ${humanSize(0)}\n\n`;
    out += table('CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED', {}, []);
    ctx.stdout.write(out);
    return 0;
  },
});
