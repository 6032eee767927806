// Images in the JSON shapes of the Docker Engine API: the summary of
// GET /images/json, the ImageInspect of GET /images/{name}/json and the history
// entries of GET /images/{name}/history, with the differences between API
// versions 1.41 and 1.47 that clients notice.
//
// GraphDriver: berth reports `overlay2` with the image's layer directories,
// `UpperDir` (the top layer) and `LowerDir` (the layers under it, top first,
// colon-separated, absent for a one-layer image). Docker also reports
// `MergedDir` and `WorkDir`, which exist in berth only for a container's
// layer, so they are left out. vfs reports no data, as Docker's vfs does.
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import type { ContainerConfig, ImageConfig } from '../../oci/descriptor.ts';
import { familiarString, parseReference } from '../../oci/reference.ts';
import { compareApiVersions } from '../api-version.ts';
import { dockerDriverName } from '../image-service.ts';

/** Go's zero time as Docker prints it, for times an image does not have. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const before = (apiVersion: string, version: string) => compareApiVersions(apiVersion, version) < 0;

/** `docker.io/library/busybox:latest` → `busybox:latest`; anything unparsable as it is. */
export function familiar(full: string): string {
  try {
    return familiarString(parseReference(full));
  } catch {
    return full;
  }
}

/** An image's creation time in Unix seconds (0 when its config has none). */
export function createdSeconds(image: ImageRecord): number {
  const ms = image.created ? Date.parse(image.created) : Number.NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[];
  RepoTags: string[];
  SharedSize: number;
  Size: number;
  VirtualSize?: number;
}

export interface SummaryOptions {
  /** The references to list (all of the image's when undefined): a reference filter narrows them. */
  readonly tags?: readonly string[];
  readonly digests?: readonly string[];
  /** -1 when not computed, as Docker sends it. */
  readonly sharedSize?: number;
  readonly containers?: number;
}

export function imageSummary(
  image: ImageRecord,
  config: ImageConfig,
  apiVersion: string,
  opts: SummaryOptions = {},
): ImageSummary {
  let tags = (opts.tags ?? image.tags).map(familiar);
  let digests = (opts.digests ?? image.repoDigests).map(familiar);
  // Before API 1.43 an untagged image was listed as <none>:<none>.
  if (before(apiVersion, '1.43') && tags.length === 0 && digests.length === 0) {
    tags = ['<none>:<none>'];
    digests = ['<none>@<none>'];
  }
  const labels = config.config?.Labels;
  const summary: ImageSummary = {
    Containers: opts.containers ?? -1,
    Created: createdSeconds(image),
    Id: image.id,
    Labels: labels && Object.keys(labels).length ? { ...labels } : null,
    ParentId: image.parent ?? '',
    RepoDigests: digests,
    RepoTags: tags,
    SharedSize: opts.sharedSize ?? -1,
    Size: image.size,
  };
  if (before(apiVersion, '1.44')) summary.VirtualSize = image.size;
  return summary;
}

/** Docker's container config: every field, with Docker's empty values, and the image's own. */
export function fullContainerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Hostname: '',
    Domainname: '',
    User: c?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (c?.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = c.ExposedPorts;
  Object.assign(out, {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c?.Env ?? null,
    Cmd: c?.Cmd ?? null,
  });
  if (c?.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c?.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, {
    Image: '',
    Volumes: c?.Volumes ?? null,
    WorkingDir: c?.WorkingDir ?? '',
    Entrypoint: c?.Entrypoint ?? null,
    OnBuild: c?.OnBuild ?? null,
    Labels: c?.Labels ?? null,
  });
  if (c?.StopSignal) out.StopSignal = c.StopSignal;
  if (c?.Shell?.length) out.Shell = c.Shell;
  return out;
}

export interface GraphDriver {
  Name: string;
  Data: Record<string, string> | null;
}

/** Where the image's layers are on disk, from the mounts its top snapshot would have. */
export async function graphDriver(store: ImageStore, image: ImageRecord): Promise<GraphDriver> {
  const name = dockerDriverName(store.snapshots.driver);
  if (store.snapshots.driver !== 'overlay') return { Name: name, Data: null };
  const top = (await store.chainOf(image)).at(-1);
  if (!top || !store.snapshots.stat(top)) return { Name: name, Data: null };
  const [mount] = await store.snapshots.mounts(top);
  if (!mount) return { Name: name, Data: null };
  if (mount.type === 'bind') return { Name: name, Data: { UpperDir: mount.source } };
  const option = (key: string) => mount.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  const data: Record<string, string> = {};
  const lower = option('lowerdir');
  const upper = option('upperdir');
  if (lower) data.LowerDir = lower;
  if (upper) data.UpperDir = upper;
  return { Name: name, Data: data };
}

/**
 * When the image was last tagged. The image store keeps this per tag but has no
 * accessor for it yet, so it is read from the store's tags table here; any
 * failure reads as never (Docker's zero time).
 */
export function lastTagTime(store: ImageStore, image: ImageRecord): string {
  try {
    const row = store.db.prepare('SELECT max(updated) AS t FROM tags WHERE image_id = ?').get(image.id) as
      | { t: number | null }
      | undefined;
    return row?.t ? new Date(row.t).toISOString() : ZERO_TIME;
  } catch {
    return ZERO_TIME;
  }
}

/** The comment of the image: the config's own, else (as Docker's containerd store does) its last history entry's. */
const commentOf = (config: ImageConfig): string => config.comment ?? config.history?.at(-1)?.comment ?? '';

export async function imageInspect(
  store: ImageStore,
  image: ImageRecord,
  apiVersion: string,
): Promise<Record<string, unknown>> {
  const config = await store.readConfig(image);
  const out: Record<string, unknown> = {
    Id: image.id,
    RepoTags: image.tags.map(familiar),
    RepoDigests: image.repoDigests.map(familiar),
    Parent: image.parent ?? '',
    Comment: commentOf(config),
    Created: config.created ?? (before(apiVersion, '1.44') ? ZERO_TIME : ''),
  };
  if (!out.Created) delete out.Created;
  if (before(apiVersion, '1.45')) {
    out.Container = '';
    out.ContainerConfig = fullContainerConfig(undefined);
  }
  Object.assign(out, {
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: fullContainerConfig(config.config),
    Architecture: config.architecture,
  });
  if (config.variant) out.Variant = config.variant;
  out.Os = config.os;
  if (config['os.version']) out.OsVersion = config['os.version'];
  out.Size = image.size;
  if (before(apiVersion, '1.44')) out.VirtualSize = image.size;
  out.GraphDriver = await graphDriver(store, image);
  out.RootFS = { Type: config.rootfs.type, Layers: [...config.rootfs.diff_ids] };
  out.Metadata = { LastTagTime: lastTagTime(store, image) };
  return out;
}

export interface HistoryItem {
  Comment: string;
  Created: number;
  CreatedBy: string;
  Id: string;
  Size: number;
  Tags: string[] | null;
}

/**
 * The image's history, newest first. Entries that made a layer carry that
 * layer's uncompressed size; the newest entry carries the image's ID and tags,
 * and each older one its parent's while the image has parents here (commit and
 * build record them), `<missing>` beyond.
 */
export async function imageHistory(store: ImageStore, image: ImageRecord): Promise<HistoryItem[]> {
  const [config, manifest] = await Promise.all([store.readConfig(image), store.readManifest(image)]);
  const items: HistoryItem[] = [];
  let layer = 0;
  for (const h of config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const desc = manifest.layers[layer++];
      size = desc ? (store.layerInfo(desc.digest)?.size ?? desc.size) : 0;
    }
    const ms = h.created ? Date.parse(h.created) : Number.NaN;
    items.unshift({
      Comment: h.comment ?? '',
      Created: Number.isNaN(ms) ? 0 : Math.floor(ms / 1000),
      CreatedBy: h.created_by ?? '',
      Id: '<missing>',
      Size: size,
      Tags: null,
    });
  }
  let current: ImageRecord | undefined = image;
  for (const item of items) {
    if (!current) break;
    item.Id = current.id;
    item.Tags = current.tags.length ? current.tags.map(familiar) : null;
    current = current.parent ? store.get(current.parent) : undefined;
  }
  return items;
}
