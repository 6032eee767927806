// GET /system/df: disk usage by kind. Images come from the image store, with
// their shared sizes and container counts; containers, volumes and the build
// cache are empty until berth has them. `type` (API 1.42) asks for some kinds
// only; the others are left out of the answer.

import { invalidArgument } from '../../util/errors.ts';
import { compareApiVersions } from '../api-version.ts';
import type { RouteModule } from '../daemon-context.ts';
import { Filters } from '../query.ts';
import { layersOfImages, layersSize } from './image-usage.ts';
import { listImages } from './images.ts';

const KINDS = ['container', 'image', 'volume', 'build-cache'] as const;

export const systemDfRoutes: RouteModule = (router, daemon) => {
  router.get('/system/df', async (ctx) => {
    const asked = compareApiVersions(ctx.apiVersion, '1.42') >= 0 ? ctx.query.getAll('type') : [];
    for (const t of asked) {
      if (!(KINDS as readonly string[]).includes(t)) {
        throw invalidArgument(`unknown object type "${t}": use ${KINDS.join(', ')}`);
      }
    }
    const wants = (kind: (typeof KINDS)[number]) => asked.length === 0 || asked.includes(kind);
    const out: Record<string, unknown> = {};
    if (wants('image')) {
      const store = daemon.images.store;
      out.LayersSize = layersSize(await layersOfImages(store, store.list()));
      out.Images = await listImages(
        store,
        new Filters(),
        { all: false, sharedSize: true, containers: true },
        ctx.apiVersion,
      );
    }
    if (wants('container')) out.Containers = [];
    if (wants('volume')) out.Volumes = [];
    if (wants('build-cache')) out.BuildCache = [];
    return out;
  });
};
