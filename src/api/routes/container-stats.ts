// A container's resource use and processes over the Engine API: `stats` (one document,
// or one a second as JSON lines while the client listens) and `top` (the host's ps,
// kept to the container's processes, as {Titles, Processes}).
import { containerStats } from '../../engine/container-stats.ts';
import { containerTop } from '../../engine/container-top.ts';
import type { RouteModule } from '../daemon-context.ts';

export const containerStatsRoutes: RouteModule = (router, daemon) => {
  router.get('/containers/{id}/stats', async (ctx) => {
    const svc = await daemon.containers.get();
    const stream = ctx.bool('stream', true);
    const oneShot = ctx.bool('one-shot');
    svc.resolve(ctx.params.id); // a missing container is a 404 before the stream starts
    const abort = new AbortController();
    const docs = containerStats(svc, ctx.params.id, { stream, oneShot, signal: abort.signal });
    const res = ctx.startStream('application/json');
    res.on('close', () => abort.abort());
    for await (const doc of docs) {
      if (res.destroyed) break;
      res.write(`${JSON.stringify(doc)}\n`);
    }
    res.end();
  });

  router.get('/containers/{id}/top', async (ctx) =>
    containerTop(await daemon.containers.get(), ctx.params.id, ctx.string('ps_args') ?? ''),
  );
};
