// `docker push`: one tag, or every local tag of a repository, to its registry.
// For each tag the layers go up in parallel (the daemon's upload limit), each
// skipped when the registry has it, mounted when another repository of the
// registry does, and foreign layers left out; then the config, then the
// manifest's exact bytes, so its digest is the one berth knows. A tag that
// names a whole index berth holds (every platform's blobs) pushes the index;
// one whose index berth holds only in part pushes this host's image, as
// Docker does. The image gets `repository@digest`, and the registry is
// remembered as a source of every blob for later mounts.
import type { ImageStore } from '../image/image-store.ts';
import { ANNOTATION_REF_NAME, type Descriptor, type Index, type Manifest } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { isIndexType } from '../oci/media-types.ts';
import {
  familiarName,
  familiarString,
  formatReference,
  type ImageReference,
  parseReferenceLoose,
  repositoryOf,
} from '../oci/reference.ts';
import { parseManifestDocument } from '../oci/validate.ts';
import { BerthError } from '../util/errors.ts';
import { BlobSources } from './blob-sources.ts';
import { uploadBlob } from './blob-upload.ts';
import type { Credentials } from './credentials.ts';
import type { DistributionService } from './distribution-service.ts';
import { skippedOnPush } from './foreign-layers.ts';
import { LayerProgress, NO_PROGRESS, type ProgressSink, shortDigest } from './progress.ts';
import { errorOf, registryInfoOf } from './registry-errors.ts';
import { RepositoryClient } from './repository-client.ts';

export interface PushRequest {
  /** `name[:tag]` as the user wrote it; without a tag, `latest` (or every tag with allTags). */
  reference: string;
  allTags?: boolean;
  credentials?: Credentials;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}

export interface PushedTag {
  /** The full reference pushed. */
  reference: string;
  tag: string;
  digest: Digest;
  size: number;
}

interface PushContext {
  service: DistributionService;
  store: ImageStore;
  repo: RepositoryClient;
  ref: ImageReference;
  say: ProgressSink;
  signal?: AbortSignal;
  /** Every blob the registry holds now, for the source table. */
  blobs: Digest[];
}

/** The full references of the local tags to push. */
function localTags(store: ImageStore, ref: ImageReference, allTags: boolean): string[] {
  if (ref.tag || !allTags) {
    const full = formatReference({ ...ref, tag: ref.tag ?? 'latest' });
    if (!store.tagOf(full)) {
      throw new BerthError(
        'NotFound',
        `An image does not exist locally with the tag: ${familiarString(parseReferenceLoose(full))}`,
      );
    }
    return [full];
  }
  const prefix = `${repositoryOf(ref)}:`;
  const tags = [...new Set(store.list().flatMap((i) => i.tags.filter((t) => t.startsWith(prefix))))].sort();
  if (!tags.length)
    throw new BerthError('NotFound', `An image does not exist locally with the tag: ${familiarName(ref)}`);
  return tags;
}

/** Docker's words when the registry refuses a push. */
function pushError(err: unknown): unknown {
  const info = registryInfoOf(err);
  return info && (info.status === 401 || info.status === 403) ? errorOf(info, info.detail) : err;
}

export async function pushImage(
  service: DistributionService,
  store: ImageStore,
  req: PushRequest,
): Promise<PushedTag[]> {
  const ref = parseReferenceLoose(req.reference);
  if (ref.digest) throw new BerthError('InvalidArgument', `cannot push a digest reference: ${req.reference}`);
  const tags = localTags(store, ref, req.allTags ?? false);
  const say = req.onProgress ?? NO_PROGRESS;
  say({ status: `The push refers to repository [${repositoryOf(ref)}]` });
  try {
    const session = await service.registries.open(ref.domain, 'push', req.credentials);
    const repo = new RepositoryClient(session, ref.path, 'pull,push');
    const pushed: PushedTag[] = [];
    for (const full of tags) {
      const ctx: PushContext = { service, store, repo, ref, say, signal: req.signal, blobs: [] };
      pushed.push(await pushTag(ctx, full));
      BlobSources.of(store.db).record(ref.domain, ref.path, ctx.blobs);
    }
    return pushed;
  } catch (err) {
    throw pushError(err);
  }
}

/** The descriptor a tag names: its entry in the layout's index.json. */
async function tagTarget(store: ImageStore, full: string): Promise<Descriptor | undefined> {
  const index = await store.content.readIndex();
  return index.manifests.find((d) => d.annotations?.[ANNOTATION_REF_NAME] === full);
}

async function pushTag(ctx: PushContext, full: string): Promise<PushedTag> {
  const { store } = ctx;
  const tag = parseReferenceLoose(full).tag!;
  const image = store.resolve(full);
  const target = (await tagTarget(store, full)) ?? image.manifest;
  let top = image.manifest;
  if (isIndexType(target.mediaType)) {
    const index = parseManifestDocument(await store.content.readBytes(target.digest), target.mediaType)
      .doc as Index;
    if (await holdsAll(ctx, index)) {
      for (const m of index.manifests) await pushManifest(ctx, m, m.digest);
      top = target;
    }
  }
  const digest = await pushManifest(ctx, top, tag);
  ctx.say({ status: `${tag}: digest: ${digest} size: ${top.size}` });
  ctx.say({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: top.size } });
  await store.add(image.manifest, { repoDigests: [`${repositoryOf(ctx.ref)}@${digest}`] });
  return { reference: full, tag, digest, size: top.size };
}

/** Whether every manifest of the index and every blob they name is here. */
async function holdsAll(ctx: PushContext, index: Index): Promise<boolean> {
  const { content } = ctx.store;
  for (const m of index.manifests) {
    if (!(await content.has(m.digest))) return false;
    const doc = parseManifestDocument(await content.readBytes(m.digest), m.mediaType);
    if (doc.kind !== 'manifest') return false;
    for (const b of [doc.doc.config, ...doc.doc.layers]) {
      if (
        !skippedOnPush(b, ctx.ref.domain, ctx.service.config.allowNondistributable) &&
        !(await content.has(b.digest))
      ) {
        return false;
      }
    }
  }
  return true;
}

/** Push a manifest's blobs, then its bytes under `reference` (a tag or its digest). */
async function pushManifest(ctx: PushContext, desc: Descriptor, reference: string): Promise<Digest> {
  const bytes = await ctx.store.content.readBytes(desc.digest);
  const doc = parseManifestDocument(bytes, desc.mediaType);
  if (doc.kind === 'manifest') await pushBlobs(ctx, doc.doc);
  const digest = await ctx.repo.putManifest(reference, doc.mediaType, bytes);
  if (digest !== desc.digest) {
    throw new BerthError('DigestMismatch', `the registry stored manifest ${desc.digest} as ${digest}`);
  }
  return digest;
}

async function pushBlobs(ctx: PushContext, manifest: Manifest): Promise<void> {
  const { service, store, ref } = ctx;
  const sources = BlobSources.of(store.db);
  const cancel = new AbortController();
  ctx.signal?.addEventListener('abort', () => cancel.abort(), { once: true });
  let firstError: unknown;
  const layers = [...new Map(manifest.layers.map((l) => [l.digest, l])).values()].reverse();
  const progress = new Map(layers.map((l) => [l.digest, new LayerProgress(ctx.say, shortDigest(l.digest))]));
  for (const p of progress.values()) p.status('Preparing');
  const upload = (blob: Descriptor, lp?: LayerProgress) =>
    service.uploads.run(
      async () => {
        if (lp && skippedOnPush(blob, ref.domain, service.config.allowNondistributable)) {
          lp.status('Skipped foreign layer');
          return;
        }
        const outcome = await uploadBlob(ctx.repo, store.content, blob, {
          mountFrom: sources.candidates(blob.digest, ref.domain, ref.path),
          monolithicMax: service.monolithicMax,
          chunkSize: service.chunkSize,
          attempts: service.retry.attempts,
          retry: service.retry,
          onBytes: lp ? (current, total) => lp.bytes('Pushing', current, total) : undefined,
          signal: cancel.signal,
        });
        ctx.blobs.push(blob.digest);
        if (!lp) return;
        if (outcome.kind === 'exists') lp.status('Layer already exists');
        else if (outcome.kind === 'mounted') lp.status(`Mounted from ${outcome.from}`);
        else {
          lp.bytes('Pushing', blob.size, blob.size, true);
          lp.status('Pushed');
        }
      },
      () => lp?.status('Waiting'),
    );
  const all = [...layers.map((l) => upload(l, progress.get(l.digest))), upload(manifest.config)].map((p) =>
    p.catch((err) => {
      firstError ??= err;
      cancel.abort();
    }),
  );
  await Promise.all(all);
  if (firstError !== undefined) throw firstError;
}
