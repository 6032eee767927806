// `docker pull`: a tag, a digest, or every tag of a repository, from the
// registry (or, for docker.io, its mirrors first) into the image store.
// Everything a pull writes is held by one image-store lease until the image is
// recorded, so garbage collection never takes it half-way and a failed pull
// leaves only unnamed blobs (swept later) and partial ingests (resumed by the
// next pull). The manifest and index are stored exactly as the registry sent
// them; the image gets `repository@digest` of what the reference resolved to,
// and its tag points at the index when the host's platform was pulled from
// one, else at the platform's manifest.
import type { ImageRecord, ImageStore } from '../image/image-store.ts';
import type { Lease } from '../image/lease.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { formatPlatform, hostPlatform, normalizePlatform, platformMatches } from '../oci/platform.ts';
import {
  familiarName,
  familiarString,
  formatReference,
  type ImageReference,
  parseReferenceLoose,
  repositoryOf,
} from '../oci/reference.ts';
import { parseImageConfig } from '../oci/validate.ts';
import { BerthError } from '../util/errors.ts';
import { type BlobOpener, downloadBlob } from './blob-download.ts';
import { BlobSources } from './blob-sources.ts';
import type { Credentials } from './credentials.ts';
import type { DistributionService } from './distribution-service.ts';
import { foreignOpeners } from './foreign-layers.ts';
import { fetchLayers } from './layer-pipeline.ts';
import { NO_PROGRESS, type ProgressSink } from './progress.ts';
import { errorOf, registryInfoOf } from './registry-errors.ts';
import { RepositoryClient } from './repository-client.ts';
import { type ResolvedImage, resolveManifest } from './resolve-manifest.ts';

export interface PullRequest {
  /** As the user wrote it: `busybox`, `busybox:1.36`, `host:5000/x@sha256:…`. */
  reference: string;
  /** The platform to pick from an index (the host's by default). */
  platform?: Platform;
  credentials?: Credentials;
  /** Pull every tag of the repository (the reference must name neither tag nor digest). */
  allTags?: boolean;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}

export interface PulledImage {
  /** The full reference pulled: `docker.io/library/busybox:latest` or `…@sha256:…`. */
  reference: string;
  /** The digest the reference resolved to in the registry (the index's, when it was one). */
  digest: Digest;
  image: ImageRecord;
  /** The local tag already named this image: nothing was fetched. */
  upToDate: boolean;
}

/** Pull what the request names; the progress ends with Docker's Digest and Status lines. */
export async function pullImage(
  service: DistributionService,
  store: ImageStore,
  req: PullRequest,
): Promise<PulledImage[]> {
  const say = req.onProgress ?? NO_PROGRESS;
  const ref = parseReferenceLoose(req.reference);
  if (req.allTags && (ref.tag || ref.digest)) {
    throw new BerthError('InvalidArgument', "tag can't be used with --all-tags/-a");
  }
  const refs: ImageReference[] = [];
  if (req.allTags) {
    const tags = await listTags(service, ref, req.credentials);
    if (!tags.length) throw new BerthError('NotFound', `no tags found for ${familiarName(ref)}`);
    for (const tag of tags.sort()) refs.push({ ...ref, tag });
  } else {
    refs.push(ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' });
  }
  const pulled: PulledImage[] = [];
  for (const r of refs) pulled.push(await pullOne(service, store, r, req, say));
  const shown = req.allTags ? familiarName(ref) : familiarString(refs[0]);
  say({
    status: pulled.every((p) => p.upToDate)
      ? `Status: Image is up to date for ${shown}`
      : `Status: Downloaded newer image for ${shown}`,
  });
  return pulled;
}

async function listTags(
  service: DistributionService,
  ref: ImageReference,
  creds?: Credentials,
): Promise<string[]> {
  let lastError: unknown;
  for await (const session of service.registries.sessions(ref.domain, 'pull', creds)) {
    try {
      return await new RepositoryClient(session, ref.path, 'pull').tags();
    } catch (err) {
      lastError = err;
      if (!session.endpoint.mirror) break;
    }
  }
  throw pullError(ref, lastError);
}

/** Docker's words for a pull the registry refused. */
function pullError(ref: ImageReference, err: unknown): unknown {
  const info = registryInfoOf(err);
  if (!info) return err;
  if (info.status === 401 || info.status === 403) {
    return errorOf(
      info,
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${info.detail}`,
    );
  }
  if (info.status === 404)
    return errorOf(info, `manifest for ${familiarString(ref)} not found: ${info.detail}`);
  return err;
}

async function pullOne(
  service: DistributionService,
  store: ImageStore,
  ref: ImageReference,
  req: PullRequest,
  say: ProgressSink,
): Promise<PulledImage> {
  const platform = req.platform ? normalizePlatform(req.platform) : hostPlatform();
  let lastError: unknown;
  for await (const session of service.registries.sessions(ref.domain, 'pull', req.credentials)) {
    const repo = new RepositoryClient(session, ref.path, 'pull');
    let resolved: ResolvedImage;
    try {
      resolved = await resolveManifest(repo, (ref.digest ?? ref.tag)!, platform, req.signal);
    } catch (err) {
      lastError = err;
      // A mirror that fails gives way to the next one, and at last to the registry itself.
      if (session.endpoint.mirror && !req.signal?.aborted) continue;
      throw pullError(ref, err);
    }
    return fetchImage(service, store, repo, ref, resolved, req, platform, say);
  }
  throw pullError(ref, lastError);
}

/** The image the local tag (or, for a digest, the repo digest) names, if it is this one. */
function upToDateImage(store: ImageStore, ref: ImageReference, r: ResolvedImage): ImageRecord | undefined {
  const name = ref.tag ? formatReference({ ...ref, digest: undefined }) : undefined;
  const local = name
    ? store.tagOf(name)
      ? store.resolve(name)
      : undefined
    : store.list().find((i) => i.repoDigests.includes(`${repositoryOf(ref)}@${r.top.digest}`));
  return local && local.manifest.digest === r.manifestDescriptor.digest ? local : undefined;
}

async function fetchImage(
  service: DistributionService,
  store: ImageStore,
  repo: RepositoryClient,
  ref: ImageReference,
  r: ResolvedImage,
  req: PullRequest,
  platform: Platform,
  say: ProgressSink,
): Promise<PulledImage> {
  const names = ref.tag ? [formatReference({ ...ref, digest: undefined })] : [];
  const repoDigest = `${repositoryOf(ref)}@${r.top.digest}`;
  const reference = formatReference(ref);
  say({ status: `Pulling from ${ref.path}`, id: ref.tag ?? ref.digest });
  const current = upToDateImage(store, ref, r);
  if (current) {
    const image = current.repoDigests.includes(repoDigest)
      ? current
      : await store.add(current.manifest, { repoDigests: [repoDigest] });
    say({ status: `Digest: ${r.top.digest}` });
    return { reference, digest: r.top.digest, image, upToDate: true };
  }
  const lease = store.leases.take();
  try {
    const manifest = r.manifest.doc;
    for (const d of [r.top.digest, r.manifest.digest, manifest.config.digest]) lease.add(d);
    await store.content.put(r.top.bytes, { digest: r.top.digest });
    if (r.fromIndex) await store.content.put(r.manifest.bytes, { digest: r.manifest.digest });
    await fetchConfig(service, store, repo, manifest.config, lease, req.signal);
    const config = parseImageConfig(await store.content.readBytes(manifest.config.digest));
    if (req.platform && !platformMatches(platform, config)) {
      throw new BerthError(
        'NotFound',
        `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(platform)}, actual: ${formatPlatform(normalizePlatform(config))}`,
      );
    }
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new BerthError(
        'InvalidArgument',
        `image ${reference}: its config lists ${config.rootfs.diff_ids.length} layers but its manifest ${manifest.layers.length}`,
      );
    }
    await fetchLayers({
      store,
      layers: manifest.layers,
      diffIds: config.rootfs.diff_ids,
      lease,
      sources: (layer) => [...foreignOpeners(service.http, layer), registryOpener(repo, layer)],
      limiter: service.downloads,
      attempts: service.config.maxDownloadAttempts,
      retry: service.retry,
      say,
      signal: req.signal,
    });
    // The tag names the index when this host's own manifest was taken from it.
    const tagIndex = r.fromIndex && formatPlatform(platform) === formatPlatform(hostPlatform());
    const target = tagIndex ? r.topDescriptor : r.manifestDescriptor;
    const image = await store.add(target, { names, repoDigests: [repoDigest] });
    BlobSources.of(store.db).record(ref.domain, ref.path, [
      manifest.config.digest,
      ...manifest.layers.filter((l) => !l.urls?.length).map((l) => l.digest),
    ]);
    say({ status: `Digest: ${r.top.digest}` });
    return { reference, digest: r.top.digest, image, upToDate: false };
  } finally {
    lease.release();
  }
}

const registryOpener =
  (repo: RepositoryClient, layer: Descriptor): BlobOpener =>
  (offset, signal) =>
    repo.blob(layer.digest, offset, signal);

async function fetchConfig(
  service: DistributionService,
  store: ImageStore,
  repo: RepositoryClient,
  desc: Descriptor,
  lease: Lease,
  signal?: AbortSignal,
): Promise<void> {
  lease.add(desc.digest);
  await downloadBlob(store.content, desc, [registryOpener(repo, desc)], {
    attempts: service.config.maxDownloadAttempts,
    retry: service.retry,
    signal,
  });
}
