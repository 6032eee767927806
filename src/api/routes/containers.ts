// The container endpoints of the Docker Engine API: create, list, inspect, start,
// stop, restart, kill, wait, remove, pause, unpause, rename. Thin: each reads its
// parameters, calls the container service and answers in Docker's shape.

import { compileContainerFilters, parseFiltersParam } from '../../cli/container/index.ts';
import type { ContainerCreateRequest } from '../../engine/container-config.ts';
import { ZERO_TIME } from '../../engine/container-record.ts';
import type { WaitCondition } from '../../engine/container-service.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { DaemonContext, RouteModule } from '../daemon-context.ts';
import type { RequestContext } from '../request-context.ts';
import { containerStreamRoutes } from './container-streams.ts';
import { containerInspect, containerSummary } from './container-views.ts';

const CREATE_BODY_LIMIT = 4 * 1024 * 1024;

async function create(ctx: RequestContext, daemon: DaemonContext) {
  const body = await ctx.readJson<ContainerCreateRequest>(CREATE_BODY_LIMIT);
  if (!body || typeof body !== 'object')
    throw invalidArgument('the body must be a JSON object: the container config');
  const svc = await daemon.containers.get();
  const created = await svc.create(body, ctx.string('name'));
  ctx.json(201, created);
}

function stopTimeout(ctx: RequestContext): number | undefined {
  const t = ctx.string('t') ?? ctx.string('timeout');
  if (t === undefined) return undefined;
  const n = Number(t);
  if (!Number.isInteger(n)) throw invalidArgument(`invalid stop timeout: ${t}`);
  return n;
}

export const containerRoutes: RouteModule = (router, daemon) => {
  const svc = () => daemon.containers.get();
  router.post('/containers/create', (ctx) => create(ctx, daemon));
  router.get('/containers/json', async (ctx) => {
    const s = await svc();
    const images = daemon.images.store;
    const matcher = compileContainerFilters(parseFiltersParam(ctx.query.get('filters') ?? undefined), {
      resolveImage: (ref) => {
        try {
          return [images.resolve(ref).id];
        } catch {
          return undefined;
        }
      },
      resolveContainer: (ref) => {
        try {
          const r = s.resolve(ref);
          return { Id: r.id, Created: Math.floor(Date.parse(r.created) / 1000) };
        } catch {
          return undefined;
        }
      },
    });
    const limit = ctx.int('limit', -1);
    const all = ctx.bool('all') || limit > 0 || matcher.impliesAll;
    const now = Date.now();
    let list = s
      .list()
      .filter((r) => all || ['running', 'paused', 'restarting'].includes(r.state.Status))
      .filter((r) =>
        matcher.match({
          ...containerSummary(r, now),
          ExitCode: r.state.ExitCode,
          Started: r.state.StartedAt !== ZERO_TIME,
          Health: r.state.health?.Status ?? 'none',
        }),
      )
      .map((r) => containerSummary(r, now));
    if (limit > 0) list = list.slice(0, limit);
    return list;
  });
  router.get('/containers/{id}/json', async (ctx) => {
    const s = await svc();
    const r = s.resolve(ctx.params.id);
    return containerInspect(r, await s.inspectPaths(r));
  });
  router.post('/containers/{id}/start', async (ctx) => {
    const started = await (await svc()).start(ctx.params.id);
    ctx.noContent(started ? 204 : 304);
  });
  router.post('/containers/{id}/stop', async (ctx) => {
    const stopped = await (await svc()).stop(ctx.params.id, {
      timeout: stopTimeout(ctx),
      signal: ctx.string('signal'),
    });
    ctx.noContent(stopped ? 204 : 304);
  });
  router.post('/containers/{id}/restart', async (ctx) => {
    const s = await svc();
    await s.stop(ctx.params.id, { timeout: stopTimeout(ctx), signal: ctx.string('signal') });
    await s.start(ctx.params.id);
    ctx.noContent(204);
  });
  router.post('/containers/{id}/kill', async (ctx) => {
    await (await svc()).kill(ctx.params.id, ctx.string('signal') || 'SIGKILL');
    ctx.noContent(204);
  });
  router.post('/containers/{id}/wait', async (ctx) => {
    const condition = (ctx.string('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition))
      throw invalidArgument(`invalid condition: "${condition}"`);
    const s = await svc();
    const waiting = s.wait(ctx.params.id, condition);
    // Docker answers the headers at once, so a client knows its wait is registered before it starts the container.
    const res = ctx.startStream('application/json');
    res.end(`${JSON.stringify(await waiting)}\n`);
  });
  router.delete('/containers/{id}', async (ctx) => {
    await (await svc()).remove(ctx.params.id, { force: ctx.bool('force'), volumes: ctx.bool('v') });
    ctx.noContent(204);
  });
  router.post('/containers/{id}/pause', async (ctx) => {
    await (await svc()).pause(ctx.params.id);
    ctx.noContent(204);
  });
  router.post('/containers/{id}/unpause', async (ctx) => {
    await (await svc()).unpause(ctx.params.id);
    ctx.noContent(204);
  });
  router.post('/containers/{id}/rename', async (ctx) => {
    const name = ctx.string('name');
    if (!name) throw invalidArgument('name is required: the new name');
    (await svc()).rename(ctx.params.id, name);
    ctx.noContent(204);
  });
  router.post('/containers/{id}/resize', async (ctx) => {
    const h = ctx.int('h', 0);
    const w = ctx.int('w', 0);
    await (await svc()).resize(ctx.params.id, h, w);
    ctx.noContent(200);
  });
  containerStreamRoutes(router, daemon);
};
