// `docker commit`: a new image from a container's changes. The container's layer
// (the overlay upper directory, or the difference of a vfs copy from the image's) is
// read once as a layer tar, which is gzip-compressed into the content store and, at
// the same time, unpacked on the image's layers, so the new image runs at once. Its
// config is the container's Config (or one given in the request, the container's
// filling its gaps, as Docker merges them) with the `--change` lines applied, and a
// history entry carrying the author and message; its parent is the container's image.
// A running container is paused while its layer is read, unless asked not to be.
// An empty layer is not added (the history entry says empty_layer), as Docker does.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { applyChanges } from '../image/config-changes.ts';
import { goTime } from '../image/config-json.ts';
import type { ImageRecord } from '../image/image-store.ts';
import type { Lease } from '../image/lease.ts';
import { unpackStream } from '../image/unpack.ts';
import { writeImage } from '../image/write-image.ts';
import { compressStream } from '../layer/compression.ts';
import { diffDirectories } from '../layer/diff-directories.ts';
import { diffOverlayUpper } from '../layer/diff-overlay-upper.ts';
import { parseMemberName } from '../layer/member-path.ts';
import { packDirectory } from '../layer/pack-directory.ts';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from '../layer/tar-header.ts';
import { TarReader } from '../layer/tar-reader.ts';
import type { Descriptor, ImageConfig, ContainerConfig as ImageContainerConfig } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { formatReference, parseRepositoryAndTag } from '../oci/reference.ts';
import { BerthError, notFound } from '../util/errors.ts';
import { tee } from '../util/tee.ts';
import { artefactParents, containerLayerDirs, mountpointArtefacts } from './container-changes.ts';
import type { ContainerConfig } from './container-config.ts';
import type { ContainerRecord } from './container-record.ts';
import type { ContainerService } from './container-service.ts';

export interface CommitOptions {
  /** REPOSITORY[:TAG] to name the image; `tag` (when given) replaces the tag in it. */
  repo?: string;
  tag?: string;
  /** The history entry's comment (`-m`). */
  comment?: string;
  /** The image's author (`-a`). */
  author?: string;
  /** Pause a running container while its layer is read (default true). */
  pause?: boolean;
  /** Dockerfile instructions to apply to the config (`-c`). */
  changes?: readonly string[];
  /** A Config to commit instead of the container's (the request body); the container's fills its gaps. */
  config?: ContainerConfig;
}

/** The tar of an empty layer: two zero blocks. */
const EMPTY_LAYER = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** OCI media types for layers a Docker manifest listed: berth writes OCI manifests. */
const OCI_LAYER_TYPE: Record<string, string> = {
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerForeignLayerGzip]: MediaType.OciLayerNondistributableGzip,
  'application/vnd.docker.image.rootfs.diff.tar': MediaType.OciLayer,
};

export async function commitContainer(
  svc: ContainerService,
  ref: string,
  opts: CommitOptions = {},
): Promise<ImageRecord> {
  const record = svc.resolve(ref);
  const names = opts.repo ? [formatReference(parseRepositoryAndTag(opts.repo, opts.tag))] : [];
  const config = commitConfig(record.config, opts.config, opts.changes ?? []);
  const store = svc.images;
  const image = store.get(record.imageId);
  if (!image) throw notFound(`the image of container ${record.id.slice(0, 12)} (${record.imageId}) is gone`);
  const base = await store.readConfig(image);
  const baseLayers = (await store.readManifest(image)).layers.map((l) => ({
    ...l,
    mediaType: OCI_LAYER_TYPE[l.mediaType] ?? l.mediaType,
  }));
  const parent = (await store.topSnapshot(image)) as Digest | undefined;

  let paused = false;
  if ((opts.pause ?? true) && svc.resolve(record.id).state.Status === 'running') {
    await svc.pause(record.id);
    paused = true;
  }
  const lease = store.leases.take();
  try {
    let layer: { descriptor: Descriptor; diffId: Digest } | undefined;
    try {
      layer = await storeLayer(svc, record, parent, lease);
    } finally {
      if (paused) await svc.unpause(record.id).catch(() => {});
    }
    const now = goTime();
    const { created: _c, author: _a, comment: _m, config: _cfg, rootfs, history, ...platform } = base;
    const committed: ImageConfig = {
      ...platform,
      created: now,
      ...(opts.author ? { author: opts.author } : {}),
      config,
      rootfs: { type: 'layers', diff_ids: layer ? [...rootfs.diff_ids, layer.diffId] : rootfs.diff_ids },
      history: [
        ...(history ?? []),
        {
          created: now,
          ...(opts.author ? { author: opts.author } : {}),
          created_by: (record.config.Cmd ?? []).join(' '),
          ...(opts.comment ? { comment: opts.comment } : {}),
          ...(layer ? {} : { empty_layer: true }),
        },
      ],
    };
    delete committed.docker_version;
    return await writeImage(store, committed, layer ? [...baseLayers, layer.descriptor] : baseLayers, {
      names,
      parent: image.id,
    });
  } finally {
    lease.release();
  }
}

/** The container's layer as a tar, without the runtime's own mountpoints. */
async function layerTar(svc: ContainerService, record: ContainerRecord): Promise<Readable> {
  const dirs = await containerLayerDirs(svc, record);
  const [top, lowers] =
    dirs.driver === 'overlay' ? [dirs.upper, dirs.lowers] : [dirs.dir, dirs.parent ? [dirs.parent] : []];
  const tar =
    dirs.driver === 'overlay'
      ? diffOverlayUpper(dirs.upper)
      : dirs.parent
        ? diffDirectories(dirs.parent, dirs.dir)
        : packDirectory(dirs.dir);
  const artefacts = mountpointArtefacts(top, lowers);
  if (!artefacts.size) return tar;
  const out = Readable.from(withoutArtefacts(tar, artefacts, artefactParents(top, lowers, artefacts)), {
    objectMode: false,
  });
  tar.on('error', (err) => out.destroy(err));
  return out;
}

/**
 * The layer without the artefacts, and without the entries of `parents` (directories
 * only there because of them) unless something kept lies below them: a parent's
 * entry waits until the next member says which.
 */
async function* withoutArtefacts(
  tar: Readable,
  artefacts: Set<string>,
  parents: Set<string>,
): AsyncGenerator<Buffer> {
  const reader = new TarReader(tar);
  let waiting: { path: string; header: TarHeader }[] = [];
  const below = (dir: string, path: string) => path.startsWith(`${dir}/`);
  for (let h = await reader.next(); h; h = await reader.next()) {
    const path = `/${parseMemberName(h.name, h.name).rel}`;
    if (artefacts.has(path) || [...artefacts].some((a) => below(a, path))) continue;
    while (waiting.length && !below(waiting[waiting.length - 1].path, path)) waiting.pop();
    if (h.type === 'dir' && parents.has(path)) {
      waiting.push({ path, header: h });
      continue;
    }
    for (const w of waiting) yield encodeHeader(w.header);
    waiting = [];
    yield encodeHeader(h);
    if (h.type !== 'file' || h.size === 0) continue;
    for (let c = await reader.read(); c; c = await reader.read()) yield c;
    const pad = padding(h.size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield END_OF_ARCHIVE;
}

/**
 * Store the layer: compressed into the content store, and unpacked on `parent`. Returns
 * undefined (and keeps nothing) when the container changed nothing.
 */
async function storeLayer(
  svc: ContainerService,
  record: ContainerRecord,
  parent: Digest | undefined,
  lease: Lease,
): Promise<{ descriptor: Descriptor; diffId: Digest } | undefined> {
  const store = svc.images;
  const tar = await layerTar(svc, record);
  const ingest = await store.content.ingest(`commit-${randomUUID()}`);
  try {
    const [toBlob, toUnpack] = tee(tar, 2);
    const gz = toBlob.pipe(compressStream('gzip'));
    toBlob.on('error', (err) => gz.destroy(err));
    const [, applied] = await Promise.all([
      ingest.write(gz),
      unpackStream(store, toUnpack, parent, lease, undefined, 'none'),
    ]).catch((err) => {
      for (const s of [tar, toBlob, toUnpack, gz]) s.destroy(err);
      throw err;
    });
    if (applied.diffId === EMPTY_LAYER) {
      await ingest.abort();
      return undefined;
    }
    lease.add(ingest.digest());
    const blob = await ingest.commit({ digest: ingest.digest() });
    store.recordLayer(blob.digest, applied.diffId, applied.size);
    return { descriptor: { mediaType: MediaType.OciLayerGzip, ...blob }, diffId: applied.diffId };
  } catch (err) {
    await ingest.abort().catch(() => undefined);
    throw err instanceof BerthError
      ? err
      : new BerthError('Internal', `committing container ${record.id.slice(0, 12)}: ${String(err)}`, {
          cause: err,
        });
  }
}

// ------------------------------------------------------------------ the config

const envKey = (e: string) => e.split('=', 1)[0];
const nonEmpty = <T extends object>(o: T | null | undefined): T | undefined =>
  o && Object.keys(o).length ? o : undefined;

/** The fields of a container's Config an image config has. */
function imageFields(c: ContainerConfig): ImageContainerConfig {
  const out: ImageContainerConfig = {
    User: c.User || undefined,
    ExposedPorts: nonEmpty(c.ExposedPorts as ImageContainerConfig['ExposedPorts']),
    Env: c.Env?.length ? [...c.Env] : undefined,
    Entrypoint: c.Entrypoint?.length ? [...c.Entrypoint] : undefined,
    Cmd: c.Cmd?.length ? [...c.Cmd] : undefined,
    Volumes: nonEmpty(c.Volumes as ImageContainerConfig['Volumes']),
    WorkingDir: c.WorkingDir || undefined,
    Labels: nonEmpty(c.Labels),
    StopSignal: c.StopSignal || undefined,
    ArgsEscaped: c.ArgsEscaped || undefined,
    Healthcheck: c.Healthcheck as ImageContainerConfig['Healthcheck'],
    Shell: c.Shell?.length ? [...c.Shell] : undefined,
  };
  for (const k of Object.keys(out) as (keyof ImageContainerConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * Docker's commit config: the given Config (else the container's), the change lines
 * applied in order (ENTRYPOINT clears CMD unless a CMD came before it, as in a
 * Dockerfile), then gaps filled from the container's Config.
 */
export function commitConfig(
  container: ContainerConfig,
  given: ContainerConfig | undefined,
  changes: readonly string[],
): ImageContainerConfig {
  let cfg = imageFields(given ?? container);
  let cmdSet = false;
  for (const line of changes) {
    cfg = applyChanges(cfg, [line]);
    const instruction = /^\s*([A-Za-z]+)/.exec(line)?.[1].toUpperCase();
    if (instruction === 'CMD') cmdSet = true;
    if (instruction === 'ENTRYPOINT' && !cmdSet) delete cfg.Cmd;
  }
  return fillGaps(cfg, imageFields(container));
}

/** Docker's merge: what `user` lacks comes from `base`; ports, labels, volumes and variables are united. */
function fillGaps(user: ImageContainerConfig, base: ImageContainerConfig): ImageContainerConfig {
  const out = { ...user };
  if (!out.User && base.User) out.User = base.User;
  if (base.ExposedPorts) out.ExposedPorts = { ...base.ExposedPorts, ...(out.ExposedPorts ?? {}) };
  if (!out.Env?.length) {
    if (base.Env) out.Env = [...base.Env];
  } else {
    const have = new Set(out.Env.map(envKey));
    for (const e of base.Env ?? []) if (!have.has(envKey(e))) out.Env.push(e);
  }
  if (base.Labels) out.Labels = { ...base.Labels, ...(out.Labels ?? {}) };
  if (!out.Entrypoint?.length) {
    if (!out.Cmd?.length && base.Cmd) out.Cmd = [...base.Cmd];
    if (out.Entrypoint === undefined && base.Entrypoint) out.Entrypoint = [...base.Entrypoint];
  }
  if (!out.Healthcheck && base.Healthcheck) out.Healthcheck = base.Healthcheck;
  if (!out.WorkingDir && base.WorkingDir) out.WorkingDir = base.WorkingDir;
  if (base.Volumes) out.Volumes = { ...(out.Volumes ?? {}), ...base.Volumes };
  if (!out.StopSignal && base.StopSignal) out.StopSignal = base.StopSignal;
  return out;
}
