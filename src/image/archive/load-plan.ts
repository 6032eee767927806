// From an extracted archive to the images it holds, each fully checked before
// the first one is recorded: the documents parse and validate, every blob is
// there with the size its descriptor says, every layer has a known media type.
//
// Which description wins:
// - index.json (an OCI layout) names manifests by digest, so loading them keeps
//   the manifest digest; names come from `io.containerd.image.name`, else from
//   `org.opencontainers.image.ref.name` when that is a whole reference
//   (`busybox:1.36`, `ghcr.io/a/b:v1`) rather than a bare tag (`latest`).
// - manifest.json (a docker-archive) names files by path. An item whose config
//   and layers are those of an index.json image is that image, and its RepoTags
//   name it too (Docker 25+ and berth write both). Any other item gets an OCI
//   manifest made here: its config, and its layer files with the media type
//   their own first bytes call for.
import { INDEX_FILE, OCI_LAYOUT_FILE } from '../../content/index.ts';
import {
  ANNOTATION_REF_NAME,
  type Descriptor,
  type ImageConfig,
  type Manifest,
} from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import {
  type Compression,
  isConfigType,
  isIndexType,
  isManifestType,
  layerCompression,
  MediaType,
} from '../../oci/media-types.ts';
import { bestMatch, formatPlatform, hostPlatform } from '../../oci/platform.ts';
import { formatReference, parseReference } from '../../oci/reference.ts';
import {
  parseImageConfig,
  parseImageLayout,
  parseManifestDocument,
  validateIndex,
} from '../../oci/validate.ts';
import { BerthError } from '../../util/errors.ts';
import type { ImageStore } from '../image-store.ts';
import type { Lease } from '../lease.ts';
import { ANNOTATION_IMAGE_NAME } from './annotations.ts';
import {
  DOCKER_MANIFEST_FILE,
  type DockerArchiveItem,
  parseDockerManifest,
  REPOSITORIES_FILE,
} from './docker-manifest.ts';
import type { ArchiveFile, ExtractedArchive } from './extract-archive.ts';
import { normalizeMemberPath } from './member-path.ts';

export interface LoadItem {
  /** What the names point at: the manifest, or an index holding this host's manifest. */
  target: Descriptor;
  manifestDesc: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
  /** The image ID. */
  id: Digest;
  /** Full references, each once. */
  names: string[];
  parent?: Digest;
  /** Where in the archive it was described, for messages. */
  where: string;
}

const LAYER_TYPE: Record<Compression, string> = {
  none: MediaType.OciLayer,
  gzip: MediaType.OciLayerGzip,
  zstd: MediaType.OciLayerZstd,
};

const MAX_LINK_HOPS = 16;
const MAX_INDEX_DEPTH = 8;

interface Candidate {
  target: Descriptor;
  manifestDesc: Descriptor;
  names: string[];
  where: string;
  parent?: string;
  /** From a lenient first read, to match manifest.json items; validated later. */
  configDigest?: string;
  layerDigests?: string[];
  /** Claimed by a manifest.json item that describes the same image. */
  covered?: boolean;
}

/** Lookups in the archive, and in the store for blobs an OCI layout leaves out. */
class ArchiveView {
  private readonly digests = new Map<string, number>();

  constructor(
    readonly store: ImageStore,
    readonly archive: ExtractedArchive,
    private readonly lease: Lease,
  ) {
    for (const f of archive.files.values()) this.digests.set(f.digest, f.size);
  }

  /** The file a manifest.json path names, through links. */
  file(path: string, what: string): ArchiveFile {
    let name = normalizeMemberPath(path, `${what}:`);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const file = this.archive.files.get(name);
      if (file) return file;
      if (!this.archive.links.has(name)) {
        throw new BerthError('InvalidArgument', `${what}: ${JSON.stringify(path)} is not in the archive`);
      }
      const next = this.archive.links.get(name);
      if (next === undefined) {
        throw new BerthError(
          'InvalidArgument',
          `${what}: ${JSON.stringify(path)} is a link that points outside the archive`,
        );
      }
      name = next;
    }
    throw new BerthError(
      'InvalidArgument',
      `${what}: ${JSON.stringify(path)} is a link in a loop or a chain too long`,
    );
  }

  /** The size of a blob in the archive or the store; InvalidArgument when it is in neither. */
  async blobSize(d: Descriptor, what: string): Promise<number> {
    this.lease.add(d.digest);
    const size = this.digests.get(d.digest) ?? (await this.storedSize(d.digest));
    if (size === undefined) {
      throw new BerthError('InvalidArgument', `${what}: blob ${d.digest} is not in the archive`);
    }
    if (size !== d.size) {
      throw new BerthError(
        'InvalidArgument',
        `${what}: blob ${d.digest} is ${size} bytes, but its descriptor says ${d.size}`,
      );
    }
    return size;
  }

  private async storedSize(digest: Digest): Promise<number | undefined> {
    return (await this.store.content.has(digest)) ? (await this.store.content.stat(digest)).size : undefined;
  }

  async document(d: Descriptor, what: string): Promise<Buffer> {
    await this.blobSize(d, what);
    return this.store.content.readBytes(d.digest);
  }
}

/**
 * The images an extracted archive holds, checked, in the order the archive
 * lists them (manifest.json first, then index.json images it did not name).
 * Manifests made for docker-archive items are written to the store under `lease`.
 */
export async function planLoad(
  store: ImageStore,
  archive: ExtractedArchive,
  lease: Lease,
): Promise<LoadItem[]> {
  const view = new ArchiveView(store, archive, lease);
  const dockerBytes = archive.documents.get(DOCKER_MANIFEST_FILE);
  const indexBytes = archive.documents.get(INDEX_FILE);
  if (!dockerBytes && !indexBytes) {
    const legacy = archive.documents.has(REPOSITORIES_FILE);
    throw new BerthError(
      'InvalidArgument',
      legacy
        ? 'the archive has only a "repositories" file: that is the docker-archive format of Docker before 1.10, which berth does not load; save the image again with a current tool'
        : 'the archive has neither manifest.json nor index.json: it is not a docker-archive or an OCI image layout',
    );
  }
  const layoutBytes = archive.documents.get(OCI_LAYOUT_FILE);
  if (layoutBytes) parseImageLayout(layoutBytes);

  const candidates = indexBytes ? await indexCandidates(view, indexBytes) : [];
  const chosen: Candidate[] = [];
  const items = dockerBytes ? parseDockerManifest(dockerBytes) : [];
  for (const [i, item] of items.entries()) {
    const where = `${DOCKER_MANIFEST_FILE}: [${i}]`;
    const config = view.file(item.Config, `${where}.Config`);
    const layers = item.Layers.map((l, j) => view.file(l, `${where}.Layers[${j}]`));
    const names = repoTagNames(item, where);
    const same = candidates.find((c) => c.configDigest === config.digest);
    if (same) same.covered = true;
    const layerDigests = layers.map((l) => l.digest);
    if (same && sameList(same.layerDigests, layerDigests)) {
      same.names.push(...names);
      same.parent ??= item.Parent;
      if (!chosen.includes(same)) chosen.push(same);
    } else {
      chosen.push(await dockerCandidate(view, lease, config, layers, names, where, item.Parent));
    }
  }
  for (const c of candidates) if (!c.covered) chosen.push(c);

  if (chosen.length === 0) {
    throw new BerthError(
      'InvalidArgument',
      'the archive holds no image: its manifest.json and index.json list none',
    );
  }
  const out: LoadItem[] = [];
  for (const c of chosen) out.push(await checkCandidate(view, c));
  const ids = new Set(out.map((i) => i.id));
  for (const item of out) {
    // A parent is kept only when it will exist: in this archive or already here.
    if (item.parent && !ids.has(item.parent) && !store.get(item.parent)) item.parent = undefined;
  }
  return out;
}

async function indexCandidates(view: ArchiveView, bytes: Buffer): Promise<Candidate[]> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BerthError('InvalidArgument', `${INDEX_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  const index = validateIndex(json, INDEX_FILE);
  const byDigest = new Map<string, Candidate>();
  for (const [i, d] of index.manifests.entries()) {
    const where = `${INDEX_FILE}: manifests[${i}]`;
    const name = nameFromAnnotations(d.annotations, where);
    const known = byDigest.get(d.digest);
    if (known) {
      if (name) known.names.push(name);
      continue;
    }
    const { target, manifestDesc } = await resolveTarget(view, d, where);
    const raw = looseManifest(await view.document(manifestDesc, where));
    byDigest.set(d.digest, { target, manifestDesc, names: name ? [name] : [], where, ...raw });
  }
  return [...byDigest.values()];
}

/**
 * Walk from an index.json descriptor to what `ImageStore.add` takes: a manifest,
 * or an index with a manifest for this host. The same choice the store makes
 * (bestMatch of the host platform) is made here, so what is checked is what is used.
 */
async function resolveTarget(
  view: ArchiveView,
  desc: Descriptor,
  where: string,
): Promise<{ target: Descriptor; manifestDesc: Descriptor }> {
  let target: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  for (let depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
    if (isManifestType(target.mediaType)) return { target, manifestDesc: target };
    if (!isIndexType(target.mediaType)) {
      throw new BerthError(
        'InvalidArgument',
        `${where}: unknown media type "${target.mediaType}" for ${target.digest}: want an image manifest or index`,
      );
    }
    const doc = parseManifestDocument(await view.document(target, where), target.mediaType);
    if (doc.kind !== 'index')
      throw new BerthError('InvalidArgument', `${where}: ${target.digest} is not an index`);
    const children = doc.doc.manifests;
    const best = bestMatch(hostPlatform(), children);
    if (best) {
      if (!isManifestType(best.mediaType)) {
        throw new BerthError(
          'InvalidArgument',
          `${where}: index ${target.digest} names ${best.digest} for this platform, which is not an image manifest`,
        );
      }
      return { target, manifestDesc: best };
    }
    // An index around one thing with no platform: take that thing itself.
    if (children.length !== 1) {
      throw new BerthError(
        'NotFound',
        `${where}: index ${target.digest} has no manifest for ${formatPlatform(hostPlatform())}`,
      );
    }
    const only = children[0];
    target = { mediaType: only.mediaType, digest: only.digest, size: only.size };
  }
  throw new BerthError('InvalidArgument', `${where}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
}

/** Config and layer digests of a manifest, read without judging it yet. */
function looseManifest(bytes: Buffer): { configDigest?: string; layerDigests?: string[] } {
  try {
    const m = JSON.parse(bytes.toString('utf8')) as {
      config?: { digest?: unknown };
      layers?: { digest?: unknown }[];
    };
    const configDigest = typeof m.config?.digest === 'string' ? m.config.digest : undefined;
    const layerDigests = Array.isArray(m.layers) ? m.layers.map((l) => String(l?.digest)) : undefined;
    return { configDigest, layerDigests };
  } catch {
    return {};
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** An image's name from an index.json descriptor, or undefined (loaded by ID). */
export function nameFromAnnotations(
  annotations: Record<string, string> | undefined,
  where: string,
): string | undefined {
  const full = annotations?.[ANNOTATION_IMAGE_NAME];
  if (full !== undefined) return tagName(full, `${where}.annotations["${ANNOTATION_IMAGE_NAME}"]`);
  const ref = annotations?.[ANNOTATION_REF_NAME];
  // A bare tag ("latest", "1.0") names no repository; only a whole reference names an image.
  if (ref === undefined || !/[:/]/.test(ref)) return undefined;
  try {
    return tagName(ref, where);
  } catch {
    return undefined;
  }
}

/** The full tagged reference of `s`; digest-only references name no tag and give undefined. */
function tagName(s: string, what: string): string | undefined {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(s);
  } catch (err) {
    throw new BerthError('InvalidArgument', `${what}: ${(err as Error).message}: ${JSON.stringify(s)}`);
  }
  if (ref.tag === undefined) return undefined;
  return formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag });
}

function repoTagNames(item: DockerArchiveItem, where: string): string[] {
  return (item.RepoTags ?? []).map((t, j) => {
    const what = `${where}.RepoTags[${j}]`;
    const name = tagName(t, what);
    if (!name || t.includes('@')) {
      throw new BerthError('InvalidArgument', `${what}: ${JSON.stringify(t)} is not a tag (want name:tag)`);
    }
    return name;
  });
}

/** An OCI manifest for a docker-archive item, written to the store. */
async function dockerCandidate(
  view: ArchiveView,
  lease: Lease,
  config: ArchiveFile,
  layers: ArchiveFile[],
  names: string[],
  where: string,
  parent: string | undefined,
): Promise<Candidate> {
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: LAYER_TYPE[l.compression], digest: l.digest, size: l.size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  lease.add(digestOf(bytes));
  const blob = await view.store.content.put(bytes);
  const desc: Descriptor = { mediaType: MediaType.OciManifest, digest: blob.digest, size: blob.size };
  return { target: desc, manifestDesc: desc, names, where, parent };
}

/** Validate one image's documents and blobs; nothing is recorded. */
async function checkCandidate(view: ArchiveView, c: Candidate): Promise<LoadItem> {
  const { where } = c;
  const doc = parseManifestDocument(await view.document(c.manifestDesc, where), c.manifestDesc.mediaType);
  if (doc.kind !== 'manifest') {
    throw new BerthError(
      'InvalidArgument',
      `${where}: ${c.manifestDesc.digest} is an index, not an image manifest`,
    );
  }
  const manifest = doc.doc;
  const cfg = manifest.config;
  if (!isConfigType(cfg.mediaType)) {
    throw new BerthError(
      'InvalidArgument',
      `${where}: manifest ${c.manifestDesc.digest} has config media type "${cfg.mediaType}", which is not an image config`,
    );
  }
  const config = parseImageConfig(await view.document(cfg, `${where} config`));
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new BerthError(
      'InvalidArgument',
      `${where}: image config ${cfg.digest} lists ${config.rootfs.diff_ids.length} layers, but its manifest has ${manifest.layers.length}`,
    );
  }
  for (const [j, layer] of manifest.layers.entries()) {
    if (layerCompression(layer.mediaType) === undefined) {
      throw new BerthError(
        'InvalidArgument',
        `${where}: layer ${j} has unknown media type "${layer.mediaType}"`,
      );
    }
    await view.blobSize(layer, `${where} layer ${j}`);
  }
  return {
    target: c.target,
    manifestDesc: c.manifestDesc,
    manifest,
    config,
    id: cfg.digest,
    names: [...new Set(c.names)],
    parent: c.parent as Digest | undefined,
    where,
  };
}
