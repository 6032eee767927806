// GET /system/df: disk usage by kind. Images come from the image store, with
// their shared sizes and container counts; containers with the size of their
// writable layer (SizeRw) and of their whole root filesystem (SizeRootFs); volumes
// with their size and how many containers refer to them (UsageData); the build
// cache's step records and cache mounts (build/cache/disk-usage.ts). `type` (API
// 1.42) asks for some kinds only; the others are left out of the answer.

import { buildCacheEntries, buildCacheOf } from '../../build/cache/index.ts';
import { invalidArgument } from '../../util/errors.ts';
import { compareApiVersions } from '../api-version.ts';
import type { RouteModule } from '../daemon-context.ts';
import { Filters } from '../query.ts';
import { cacheMountsOf } from './build.ts';
import { containerSizeRw } from './container-admin.ts';
import { containerSummary } from './container-views.ts';
import { layersOfImages, layersSize } from './image-usage.ts';
import { listImages } from './images.ts';
import { volumeWithUsage } from './volumes.ts';

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
    if (wants('container')) {
      const svc = await daemon.containers.get();
      const store = daemon.images.store;
      const records = svc.list();
      const used = new Set(records.map((r) => r.imageId));
      const layers = await layersOfImages(
        store,
        store.list().filter((i) => used.has(i.id)),
      );
      const imageSize = (id: string) => (layers.get(id) ?? []).reduce((n, l) => n + l.size, 0);
      const now = Date.now();
      out.Containers = await Promise.all(
        records.map(async (r) => {
          const sizeRw = await containerSizeRw(svc, r);
          return { ...containerSummary(r, now), SizeRw: sizeRw, SizeRootFs: sizeRw + imageSize(r.imageId) };
        }),
      );
    }
    if (wants('volume')) {
      const svc = await daemon.containers.get();
      out.Volumes = await Promise.all(daemon.containers.volumes.list().map((v) => volumeWithUsage(v, svc)));
    }
    if (wants('build-cache')) {
      const { db, store } = daemon.images;
      out.BuildCache = await buildCacheEntries(buildCacheOf(db), store, cacheMountsOf(daemon));
    }
    return out;
  });
};
