// `berth system df`: disk usage by kind (images, containers, local volumes,
// build cache), and with -v each image, container and volume, as `docker system
// df` shows it.
import { defineCommand } from '../command.ts';
import { goJson } from '../container/go-values.ts';
import { type ContainerSummary, psRow } from '../container/ps-format.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { alignTabbed } from '../output/table.ts';
import { Template } from '../output/template.ts';
import { humanSize, timeAgo } from '../output/units.ts';
import {
  humanSizeDigits,
  IMAGE_HEADERS,
  type ImageSummary,
  imageRows,
  isDangling,
  splitTag,
} from './image-format.ts';
import { VOLUME_HEADERS, type VolumeJson, volumeRow } from './volume.ts';

interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: VolumeJson[] | null;
  BuildCache?: BuildCacheJson[] | null;
}

interface BuildCacheJson {
  ID: string;
  Parent?: string;
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
}

const DF_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const DF_HEADERS = {
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Size: 'SIZE',
  Reclaimable: 'RECLAIMABLE',
};
const VERBOSE_CONTAINERS =
  '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const CONTAINER_HEADERS = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  LocalVolumes: 'LOCAL VOLUMES',
  Size: 'SIZE',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Names: 'NAMES',
};
const VERBOSE_IMAGES =
  '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';

const size4 = (n: number) => humanSizeDigits(n, 4);

/** Docker's RECLAIMABLE: the size, and its share of the total when there is any. */
const reclaimableText = (reclaimable: number, total: number) =>
  total > 0 ? `${size4(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)` : size4(reclaimable);

const ACTIVE_STATES = ['running', 'paused', 'restarting'];

function containersRow(du: DiskUsage) {
  const list = du.Containers ?? [];
  let total = 0;
  let reclaimable = 0;
  for (const c of list) {
    total += c.SizeRw ?? 0;
    if (!ACTIVE_STATES.includes(c.State ?? '')) reclaimable += c.SizeRw ?? 0;
  }
  return {
    Active: String(list.filter((c) => ACTIVE_STATES.includes(c.State ?? '')).length),
    Reclaimable: reclaimableText(reclaimable, total),
    Size: size4(total),
    TotalCount: String(list.length),
    Type: 'Containers',
  };
}

function volumesRow(du: DiskUsage) {
  const list = du.Volumes ?? [];
  let total = 0;
  let reclaimable = 0;
  for (const v of list) {
    const size = v.UsageData?.Size ?? -1;
    if (size === -1) continue;
    total += size;
    if ((v.UsageData?.RefCount ?? 0) === 0) reclaimable += size;
  }
  return {
    Active: String(list.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length),
    Reclaimable: reclaimableText(reclaimable, total),
    Size: size4(total),
    TotalCount: String(list.length),
    Type: 'Local Volumes',
  };
}

/** The build cache's size as Docker's CLI counts it: entries whose bytes nothing else holds. */
const buildCacheBytes = (du: DiskUsage) =>
  (du.BuildCache ?? []).reduce((n, bc) => (bc.Shared ? n : n + bc.Size), 0);

function buildCacheRow(du: DiskUsage) {
  const list = du.BuildCache ?? [];
  const inUse = list.reduce((n, bc) => (bc.InUse && !bc.Shared ? n + bc.Size : n), 0);
  return {
    Active: String(list.filter((bc) => bc.InUse).length),
    Reclaimable: size4(buildCacheBytes(du) - inUse),
    Size: size4(buildCacheBytes(du)),
    TotalCount: String(list.length),
    Type: 'Build Cache',
  };
}

/** An entry of `df -v`'s build cache table; an entry in use has its ID starred. */
function buildCacheVerboseRow(bc: BuildCacheJson, trunc: boolean, now: number) {
  const id = trunc ? bc.ID.replace(/^sha256:/, '').slice(0, 12) : bc.ID;
  return {
    ID: bc.InUse ? `${id}*` : id,
    CacheType: bc.Type,
    Description: bc.Description,
    Size: humanSize(bc.Size),
    CreatedSince: timeAgo(Date.parse(bc.CreatedAt), now),
    LastUsedSince: bc.LastUsedAt ? timeAgo(Date.parse(bc.LastUsedAt), now) : '',
    UsageCount: String(bc.UsageCount),
    Shared: String(bc.Shared),
  };
}

/** The summary rows, with Docker's reclaimable sums (in-use images count only their unique size). */
function summaryRows(du: DiskUsage) {
  const images = du.Images ?? [];
  const total = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images)
    if (i.Containers > 0 && i.Size !== -1 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  const reclaimable = total - used;
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
    containersRow(du),
    volumesRow(du),
    buildCacheRow(du),
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
    format: LIST_FORMAT_OPTION,
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
    const now = Date.now();
    // the layer alone: Docker leaves the virtual size out of df
    const containerRows = (trunc: boolean) =>
      (du.Containers ?? []).map((c) => psRow({ ...c, SizeRootFs: 0 }, { trunc, now }));
    const volumeRows = (du.Volumes ?? []).map(volumeRow);
    if (format === 'json') {
      const images = verboseImageRows(du, false);
      ctx.stdout.write(
        `${goJson({
          Images: images,
          Containers: containerRows(false),
          Volumes: volumeRows,
          BuildCache: (du.BuildCache ?? []).map((bc) => buildCacheVerboseRow(bc, false, now)),
        })}\n`,
      );
      return 0;
    }
    const images = verboseImageRows(du, true);
    let out = 'Images space usage:\n\n';
    out += table(VERBOSE_IMAGES, { ...IMAGE_HEADERS, Containers: 'CONTAINERS' }, images);
    out += '\nContainers space usage:\n\n';
    out += table(VERBOSE_CONTAINERS, CONTAINER_HEADERS, containerRows(true));
    out += '\nLocal Volumes space usage:\n\n';
    out += table('{{.Name}}\t{{.Links}}\t{{.Size}}', VOLUME_HEADERS, volumeRows);
    out += `\nBuild cache usage: ${size4(buildCacheBytes(du))}\n\n`;
    out += table(
      '{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}',
      {
        ID: 'CACHE ID',
        CacheType: 'CACHE TYPE',
        Size: 'SIZE',
        CreatedSince: 'CREATED',
        LastUsedSince: 'LAST USED',
        UsageCount: 'USAGE',
        Shared: 'SHARED',
      },
      (du.BuildCache ?? []).map((bc) => buildCacheVerboseRow(bc, true, now)),
    );
    ctx.stdout.write(out);
    return 0;
  },
});
