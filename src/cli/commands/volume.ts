// `berth volume create|ls|inspect|rm|prune`: volumes as `docker volume` handles
// them, with its output: the name on create and rm, the DRIVER/VOLUME NAME table
// (names in natural order), JSON arrays for inspect, `Deleted Volumes:` and the
// space reclaimed for prune (after a y/N question unless -f). Commands that take
// several volumes go on past a failure, print every error at the end and exit 1.
import { invalidArgument } from '../../util/errors.ts';
import { filtersParam, isDaemonError } from '../client.ts';
import { defineCommand } from '../command.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { humanSizeDigits } from './image-format.ts';
import { INSPECT_FORMAT_OPTION, printInspected } from './inspect.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';

/** A volume of the Engine API, as GET /volumes and /system/df give it. */
export interface VolumeJson {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Scope?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

/** Docker's template fields of a volume, in the order `--format json` prints them. */
export interface VolumeRow {
  Availability: string;
  Driver: string;
  Group: string;
  Labels: string;
  Links: string;
  Mountpoint: string;
  Name: string;
  Scope: string;
  Size: string;
  Status: string;
}

const NA = 'N/A';

export function volumeRow(v: VolumeJson): VolumeRow {
  const labels = v.Labels ?? {};
  return {
    Availability: NA,
    Driver: v.Driver,
    Group: NA,
    Labels: Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(','),
    Links: v.UsageData ? String(v.UsageData.RefCount) : NA,
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope ?? 'local',
    Size: v.UsageData ? humanSizeDigits(v.UsageData.Size, 4) : NA,
    Status: NA,
  };
}

export const VOLUME_HEADERS = {
  Driver: 'DRIVER',
  Name: 'VOLUME NAME',
  Links: 'LINKS',
  Size: 'SIZE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Scope: 'SCOPE',
};

/** Go's sortorder.NaturalLess: runs of digits compare as numbers, everything else byte by byte. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

/** `key=value` (or a bare `key`, with an empty value) flags into a map. */
function keyValues(flags: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq < 0) out[f] = '';
    else out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

const volumePath = (name: string) => `/volumes/${encodeURIComponent(name)}`;

export const volumeCreateCommand = defineCommand({
  name: 'volume create',
  summary: 'Create a volume',
  usage: '[OPTIONS] [VOLUME]',
  args: { max: 1 },
  options: {
    driver: {
      type: 'string',
      short: 'd',
      valueName: 'string',
      help: 'Specify volume driver name (default "local")',
    },
    label: { type: 'string', multiple: true, valueName: 'list', help: 'Set metadata for a volume' },
    name: { type: 'string', valueName: 'string', help: 'Specify volume name', hidden: true },
    opt: {
      type: 'string',
      short: 'o',
      multiple: true,
      valueName: 'map',
      help: 'Set driver specific options',
    },
  },
  async run(ctx) {
    let name = ctx.options.name;
    if (ctx.args.length === 1) {
      if (name)
        throw invalidArgument(
          'conflicting options: cannot specify a volume-name through both --name and as a positional arg',
        );
      name = ctx.args[0];
    }
    const client = await ctx.client();
    const volume = await client.post<VolumeJson>('/volumes/create', {
      Name: name ?? '',
      Driver: ctx.options.driver ?? 'local',
      DriverOpts: keyValues(ctx.options.opt),
      Labels: keyValues(ctx.options.label),
    });
    ctx.stdout.write(`${volume.Name}\n`);
    return 0;
  },
});

export const volumeLsCommand = defineCommand({
  name: 'volume ls',
  aliases: ['volume list'],
  summary: 'List volumes',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'filter',
      help: "Provide filter values (e.g. 'dangling=true')",
    },
    format: LIST_FORMAT_OPTION,
    quiet: { type: 'boolean', short: 'q', help: 'Only display volume names' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const list = await client.get<{ Volumes: VolumeJson[] | null; Warnings: string[] | null }>('/volumes', {
      filters: filtersParam(ctx.options.filter),
    });
    for (const w of list.Warnings ?? []) ctx.stderr.write(`${w}\n`);
    const rows = (list.Volumes ?? []).map(volumeRow).sort((a, b) => naturalCompare(a.Name, b.Name));
    let format = ctx.options.format?.trim() ?? '';
    // -q picks the names unless a template of one's own was asked for, as Docker does
    if (format === '' || format === 'table') format = ctx.options.quiet ? '{{.Name}}' : '';
    ctx.stdout.write(
      formatList(rows, { format, defaultTable: '{{.Driver}}\t{{.Name}}', headers: VOLUME_HEADERS }),
    );
    return 0;
  },
});

export const volumeInspectCommand = defineCommand({
  name: 'volume inspect',
  summary: 'Display detailed information on one or more volumes',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  options: { format: INSPECT_FORMAT_OPTION },
  async run(ctx) {
    const client = await ctx.client();
    const items: unknown[] = [];
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        items.push(await client.get(volumePath(name)));
      } catch (err) {
        if (!isDaemonError(err)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    return printInspected(ctx, { items, errors }, ctx.options.format);
  },
});

export const volumeRmCommand = defineCommand({
  name: 'volume rm',
  aliases: ['volume remove'],
  summary: 'Remove one or more volumes',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  options: {
    force: { type: 'boolean', short: 'f', help: 'Force the removal of one or more volumes' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        await client.delete(volumePath(name), { force: ctx.options.force ? '1' : undefined });
        ctx.stdout.write(`${name}\n`);
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

const ANONYMOUS_WARNING =
  'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
const ALL_WARNING =
  'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

export interface VolumePruneReport {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** `Deleted Volumes:` and the names, with the blank line Docker ends it with; empty when none. */
export function deletedVolumesText(report: VolumePruneReport): string {
  const names = report.VolumesDeleted ?? [];
  if (!names.length) return '';
  return `Deleted Volumes:\n${names.map((n) => `${n}\n`).join('')}\n`;
}

export const volumePruneCommand = defineCommand({
  name: 'volume prune',
  summary: 'Remove unused local volumes',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    all: { type: 'boolean', short: 'a', help: 'Remove all unused volumes, not just anonymous ones' },
    ...pruneOptions('label=<label>'),
  },
  async run(ctx) {
    const filters = [...(ctx.options.filter ?? [])];
    if (ctx.options.all) {
      if (filters.some((f) => f.trim().toLowerCase().startsWith('all=')))
        throw invalidArgument(
          `conflicting options: cannot specify both --all and --filter ${filters.find((f) => f.trim().toLowerCase().startsWith('all='))}`,
        );
      filters.push('all=true');
    }
    const warning = ctx.options.all ? ALL_WARNING : ANONYMOUS_WARNING;
    if (!ctx.options.force && !(await confirm(warning, process.stdin, ctx.stdout))) return 0;
    const client = await ctx.client();
    const report = await client.post<VolumePruneReport>('/volumes/prune', undefined, {
      filters: filtersParam(filters),
    });
    const text = deletedVolumesText(report);
    ctx.stdout.write(text);
    ctx.stdout.write(`Total reclaimed space: ${humanSizeDigits(text ? report.SpaceReclaimed : 0, 4)}\n`);
    return 0;
  },
});
