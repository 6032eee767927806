// `berth ps` output from `GET /containers/json`, as `docker ps` prints it: the
// default table (CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS, NAMES,
// and SIZE with -s), `-q`, `--no-trunc`, `--format table ...`, `--format json`
// (one object per line, Docker's keys, Go's escaping), `--format raw` and any Go
// template over Docker's fields (`.ID .Image .Command .CreatedAt .RunningFor
// .Ports .State .Status .Size .Names .Labels .Label "key" .Mounts .LocalVolumes
// .Networks .Platform`). The clock is a parameter, so output is exact in tests.
import { familiarName, parseReferenceLoose } from '../../oci/reference.ts';
import { ellipsis, goTime, truncateId } from '../commands/image-format.ts';
import { alignTabbed } from '../output/table.ts';
import { Template } from '../output/template.ts';
import { humanSize, timeAgo } from '../output/units.ts';
import { goJson, goQuote } from './go-values.ts';
import { type ContainerPort, displayablePorts } from './ps-ports.ts';

/** An item of `GET /containers/json`: the fields `ps` reads. */
export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[] | null;
  readonly Image?: string;
  readonly ImageID?: string;
  readonly ImageManifestDescriptor?: { platform?: PlatformJson | null } | null;
  readonly Command?: string;
  /** Unix seconds. */
  readonly Created: number;
  readonly Ports?: readonly ContainerPort[] | null;
  readonly SizeRw?: number;
  readonly SizeRootFs?: number;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly State?: string;
  readonly Status?: string;
  readonly NetworkSettings?: { readonly Networks?: Readonly<Record<string, unknown>> | null } | null;
  readonly Mounts?: readonly ContainerMountSummary[] | null;
}

export interface ContainerMountSummary {
  readonly Type?: string;
  readonly Name?: string;
  readonly Source?: string;
  readonly Destination?: string;
  readonly Driver?: string;
}

export interface PlatformJson {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
}

/** Docker's template fields of a `ps` row, in the order `--format json` prints them. */
export interface PsRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  /** `linux/arm64/v8` in templates; the platform object in `--format json`. */
  Platform: string | null;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
}

export const PS_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
};

export const PS_TABLE =
  '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

// Docker writes `{{- pad .Labels 1 0}}`: its pad leaves an empty value empty, berth's
// template pad does not, so the same output is spelled with `if`.
const RAW_FORMAT =
  'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n' +
  'state:{{if .State}} {{.State}}{{end}}\nstatus:{{if .Status}} {{.Status}}{{end}}\nnames: {{.Names}}\n' +
  'labels:{{if .Labels}} {{.Labels}}{{end}}\nports:{{if .Ports}} {{.Ports}}{{end}}\n';

// `.Label "key"` is a method in Docker's templates; berth's templates have
// fields, so it is rewritten to an index into this hidden map.
const LABEL_MAP = '__labelValues';
const PLATFORM_JSON = '__platformJson';
const LABEL_CALL = /\.Label\s+("(?:[^"\\]|\\.)*"|`[^`]*`)/g;

export interface PsRenderOptions {
  /** `--format`; empty or absent for the default table. */
  readonly format?: string;
  readonly quiet?: boolean;
  /** `-s`, or a size the request asked for. */
  readonly size?: boolean;
  readonly noTrunc?: boolean;
  /** The clock, for CREATED ("5 minutes ago"). */
  readonly now: number | Date;
}

export interface PsOutput {
  readonly text: string;
  /** For stderr, as `WARNING: ...` lines. */
  readonly warnings: string[];
}

/** `docker.io/library/busybox@sha256:…` → `busybox`; `a:1@sha256:…` → `a:1`; an ID → its short form. */
function displayImage(c: ContainerSummary, trunc: boolean): string {
  const image = c.Image ?? '';
  if (image === '') return '<no image>';
  if (!trunc) return image;
  const short = truncateId(c.ImageID ?? '');
  if (short !== '' && short === truncateId(image)) return short;
  try {
    const ref = parseReferenceLoose(image);
    return ref.tag !== undefined ? `${familiarName(ref)}:${ref.tag}` : familiarName(ref);
  } catch {
    return image;
  }
}

function displayNames(names: readonly string[], trunc: boolean): string {
  const stripped = names.map((n) => n.slice(1));
  if (trunc) {
    const own = stripped.find((n) => !n.includes('/'));
    if (own !== undefined) return own;
  }
  return stripped.join(',');
}

const sortedKeys = (o: object): string[] => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const platformString = (p: PlatformJson): string =>
  [p.os, p.architecture, p.variant].filter((x): x is string => Boolean(x)).join('/');

/** One container's row of Docker's `ps` fields. */
export function psRow(c: ContainerSummary, opts: { trunc: boolean; now: number | Date }): PsRow {
  const { trunc } = opts;
  const labels = c.Labels ?? {};
  const created = new Date(c.Created * 1000);
  const sizeRw = humanSize(c.SizeRw ?? 0);
  const platform = c.ImageManifestDescriptor?.platform ?? null;
  const row: PsRow = {
    Command: goQuote(trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? '')),
    CreatedAt: goTime(created),
    ID: trunc ? truncateId(c.Id) : c.Id,
    Image: displayImage(c, trunc),
    Labels: sortedKeys(labels)
      .map((k) => `${k}=${labels[k]}`)
      .join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Mounts: (c.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source || '';
        return trunc ? ellipsis(name, 15) : name;
      })
      .join(','),
    Names: displayNames(c.Names ?? [], trunc),
    Networks: sortedKeys(c.NetworkSettings?.Networks ?? {}).join(','),
    Platform: platform ? platformString(platform) : null,
    Ports: displayablePorts(c.Ports),
    RunningFor: timeAgo(created, opts.now),
    Size: (c.SizeRootFs ?? 0) > 0 ? `${sizeRw} (virtual ${humanSize(c.SizeRootFs!)})` : sizeRw,
    State: c.State ?? '',
    Status: c.Status ?? '',
  };
  Object.defineProperty(row, LABEL_MAP, { value: labelLookup(labels), enumerable: false });
  Object.defineProperty(row, PLATFORM_JSON, { value: platform, enumerable: false });
  return row;
}

/** A map that answers "" for a missing key, as Docker's `.Label` does. */
function labelLookup(labels: Readonly<Record<string, string>>): Record<string, string> {
  const value = (key: string) => (Object.hasOwn(labels, key) ? labels[key]! : '');
  return new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? value(key) : undefined),
    has: () => true,
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string'
        ? { value: value(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/** The header row's data: each field reads as its column's header; `.Label "a.b-c"` as `b c`. */
function headerData(): Record<string, unknown> {
  const labelHeader = (name: string) => (name.split('.').at(-1) ?? '').replace(/[-_]/g, ' ');
  const labels = new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? labelHeader(key) : undefined),
    has: () => true,
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string'
        ? { value: labelHeader(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
  const header = (key: string): unknown =>
    key === LABEL_MAP ? labels : (PS_HEADERS[key] ?? key.toUpperCase());
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (typeof key === 'string' ? header(key) : undefined),
    has: () => true,
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string'
        ? { value: header(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/** The template Docker would use for these options, and any warning it gives. */
export function psFormat(opts: { format?: string; quiet?: boolean; size?: boolean }): {
  format: string;
  warnings: string[];
} {
  const format = opts.format ?? '';
  const warnings: string[] = [];
  if (opts.quiet) {
    if (format !== '') warnings.push('Ignoring custom format, because both --format and --quiet are set.');
    return { format: '{{.ID}}', warnings };
  }
  if (format === '' || format === 'table') {
    return { format: `table ${PS_TABLE}${opts.size ? '\t{{.Size}}' : ''}`, warnings };
  }
  if (format === 'raw') return { format: `${RAW_FORMAT}${opts.size ? 'size: {{.Size}}\n' : ''}`, warnings };
  return { format, warnings };
}

const prepare = (body: string): string =>
  body
    .replace(/^ +| +$/g, '')
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n')
    .replace(LABEL_CALL, `(index .${LABEL_MAP} $1)`);

/** Everything `ps` prints to stdout for `containers`, and its warnings. */
export function renderPs(containers: readonly ContainerSummary[], opts: PsRenderOptions): PsOutput {
  const { format, warnings } = psFormat(opts);
  const rows = containers.map((c) => psRow(c, { trunc: !opts.noTrunc, now: opts.now }));
  if (format === 'json') {
    const text = rows
      .map((r) => `${goJson({ ...r, Platform: (r as unknown as Record<string, unknown>)[PLATFORM_JSON] })}\n`)
      .join('');
    return { text, warnings };
  }
  if (format.startsWith('table')) {
    const t = new Template(prepare(format.slice('table'.length)));
    let text = `${t.execute(headerData())}\n`;
    for (const r of rows) text += `${t.execute(r)}\n`;
    return { text: alignTabbed(text), warnings };
  }
  const t = new Template(prepare(format));
  return { text: rows.map((r) => `${t.execute(r)}\n`).join(''), warnings };
}

export interface PsFlags {
  readonly all?: boolean;
  /** `-n`: the last N containers (any state); -1 or absent for no limit. */
  readonly last?: number;
  /** `-l`: the latest container. */
  readonly latest?: boolean;
  /** `-s`; false when `--size=false` was given explicitly. */
  readonly size?: boolean;
  readonly quiet?: boolean;
  readonly format?: string;
  /** The `filters` parameter (see psFiltersParam). */
  readonly filters?: string;
}

/** The query of `GET /containers/json` for `ps` flags, as Docker's CLI builds it. */
export function psQuery(f: PsFlags): Record<string, string | undefined> {
  let limit = f.last ?? -1;
  if (f.latest && limit === -1) limit = 1;
  // A template that reads .Size asks for sizes, unless -q or an explicit --size=false.
  const size = f.size === true || (f.size === undefined && !f.quiet && /\.Size\b/.test(f.format ?? ''));
  return {
    all: f.all ? '1' : undefined,
    limit: limit > 0 ? String(limit) : undefined,
    size: size ? '1' : undefined,
    filters: f.filters,
  };
}
