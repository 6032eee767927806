// The image endpoints of the Docker Engine API: list, inspect, history, tag,
// remove, import (POST /images/create), save (GET /images/get), load, prune.
// Thin: each reads its parameters, calls the image store and answers in
// Docker's shape (image-views.ts).

import { loadArchive } from '../../image/archive/load.ts';
import { saveImages } from '../../image/archive/save.ts';
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import { familiarName, formatReference, parseRepositoryAndTag } from '../../oci/reference.ts';
import { invalidArgument, isBerthError } from '../../util/errors.ts';
import { compareApiVersions } from '../api-version.ts';
import type { DaemonContext, RouteModule } from '../daemon-context.ts';
import { JsonMessageStream } from '../json-messages.ts';
import type { Filters } from '../query.ts';
import type { RequestContext } from '../request-context.ts';
import { uploadBody } from '../upload-body.ts';
import { listFilter } from './image-filters.ts';
import { createImage } from './image-import.ts';
import { layersOfImages, layerUseCounts, pruneImages, sharedSize } from './image-usage.ts';
import { familiar, type ImageSummary, imageHistory, imageInspect, imageSummary } from './image-views.ts';

export interface ListOptions {
  readonly all: boolean;
  /** Compute SharedSize (else -1). */
  readonly sharedSize: boolean;
  /** Count the containers of each image (else -1). */
  readonly containers: boolean;
}

/** The summaries GET /images/json and GET /system/df list, newest first. */
export async function listImages(
  store: ImageStore,
  filters: Filters,
  opts: ListOptions,
  apiVersion: string,
): Promise<ImageSummary[]> {
  const images = store.list();
  const parents = new Set(images.map((i) => i.parent).filter((p) => p !== undefined));
  const filter = listFilter(store, filters, { all: opts.all, hasChildren: (i) => parents.has(i.id) });
  const layers = opts.sharedSize ? await layersOfImages(store, images) : undefined;
  const counts = layers && layerUseCounts(layers);
  const listed = await Promise.all(
    images.map(async (image) => {
      // An image removed while the list is made is left out, not an error.
      const config = await store.readConfig(image).catch((err) => {
        if (isBerthError(err, 'NotFound')) return undefined;
        throw err;
      });
      if (!config) return undefined;
      const refs = filter(image, config.config?.Labels);
      if (!refs) return undefined;
      return {
        image,
        summary: imageSummary(image, config, apiVersion, {
          tags: refs.tags,
          digests: refs.digests,
          sharedSize: layers && counts ? sharedSize(layers.get(image.id) ?? [], counts) : -1,
          containers: opts.containers ? store.users.containersUsing(image.id).length : -1,
        }),
      };
    }),
  );
  return listed
    .filter((x): x is { image: ImageRecord; summary: ImageSummary } => x !== undefined)
    .sort((a, b) => b.summary.Created - a.summary.Created || b.image.added - a.image.added)
    .map((x) => x.summary);
}

function tagImage(ctx: RequestContext, store: ImageStore): Promise<void> {
  const repo = ctx.string('repo');
  if (!repo) throw invalidArgument('repo is required: the repository to tag the image into');
  const ref = parseRepositoryAndTag(repo, ctx.string('tag'));
  if (familiarName(ref) === 'sha256') {
    throw invalidArgument('refusing to create an ambiguous tag using digest algorithm as name');
  }
  return store.tag(ctx.params.name, formatReference(ref)).then(() => ctx.noContent(201));
}

async function removeImage(ctx: RequestContext, store: ImageStore) {
  const name = ctx.params.name;
  if (name.trim() === '') throw invalidArgument('image name cannot be blank');
  const report = await store.remove(name, { force: ctx.bool('force'), noPrune: ctx.bool('noprune') });
  return report.map((r) => ('Untagged' in r ? { Untagged: familiar(r.Untagged) } : r));
}

function saveTar(ctx: RequestContext, store: ImageStore, names: string[]): Promise<void> {
  return ctx.stream(saveImages(store, names), 'application/x-tar');
}

/** Docker's load: always a 200 message stream; a refused archive is an error message in it. */
async function loadImages(ctx: RequestContext, store: ImageStore): Promise<void> {
  const out = new JsonMessageStream(ctx);
  const upload = uploadBody(ctx.req);
  try {
    await loadArchive(store, upload.stream, { onProgress: (line) => out.stream(`${line}\n`) });
  } catch (err) {
    await upload.settle();
    out.error(err);
  }
  out.end();
}

export const imageRoutes: RouteModule = (router, daemon: DaemonContext) => {
  const store = () => daemon.images.store;
  router.get('/images/json', (ctx) =>
    listImages(
      store(),
      ctx.filters(),
      {
        all: ctx.bool('all'),
        sharedSize: compareApiVersions(ctx.apiVersion, '1.42') >= 0 && ctx.bool('shared-size'),
        containers: false,
      },
      ctx.apiVersion,
    ),
  );
  router.post('/images/create', (ctx) => createImage(ctx, daemon));
  router.post('/images/load', (ctx) => loadImages(ctx, store()));
  router.post('/images/prune', (ctx) => pruneImages(store(), ctx.filters()));
  router.get('/images/get', (ctx) => saveTar(ctx, store(), ctx.query.getAll('names')));
  router.get('/images/{name:.*}/get', (ctx) => saveTar(ctx, store(), [ctx.params.name]));
  router.get('/images/{name:.*}/history', (ctx) => imageHistory(store(), store().resolve(ctx.params.name)));
  router.get('/images/{name:.*}/json', (ctx) =>
    imageInspect(store(), store().resolve(ctx.params.name), ctx.apiVersion),
  );
  router.post('/images/{name:.*}/tag', (ctx) => tagImage(ctx, store()));
  router.delete('/images/{name:.*}', (ctx) => removeImage(ctx, store()));
};
