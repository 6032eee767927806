// A container's filesystem over the Docker Engine API: its changes (`docker diff`),
// commit to an image, export as one tar, and the archive endpoint `docker cp` uses
// (HEAD: a path's stat; GET: a tar of it; PUT: a tar extracted into a directory).
// Thin: each reads its parameters, calls the engine and answers in Docker's shape.
import {
  archiveContainerPath,
  encodePathStat,
  extractToContainer,
  PATH_STAT_HEADER,
  statContainerPath,
} from '../../engine/container-archive.ts';
import { containerChanges } from '../../engine/container-changes.ts';
import { commitContainer } from '../../engine/container-commit.ts';
import type { ContainerConfig } from '../../engine/container-config.ts';
import { exportContainer } from '../../engine/container-export.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { RequestContext } from '../request-context.ts';
import { uploadBody } from '../upload-body.ts';

const CONFIG_BODY_LIMIT = 4 * 1024 * 1024;

/** Docker's wording for a missing archive path. */
function archivePath(ctx: RequestContext): string {
  const path = ctx.string('path');
  if (!path) throw invalidArgument('bad parameter: path cannot be empty');
  return path;
}

export const containerFileRoutes: RouteModule = (router, daemon) => {
  const svc = () => daemon.containers.get();

  router.get('/containers/{id}/changes', async (ctx) => containerChanges(await svc(), ctx.params.id));

  router.post('/commit', async (ctx) => {
    const container = ctx.string('container');
    if (!container) throw invalidArgument('bad parameter: container cannot be empty');
    // The body is a Config, possibly wrapped with a HostConfig as in a create request; none means the container's.
    const body = await ctx.readJson<(ContainerConfig & { HostConfig?: unknown }) | null>(CONFIG_BODY_LIMIT);
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
      throw invalidArgument('the body must be a JSON object: the image config to commit');
    const { HostConfig: _h, ...config } = body ?? {};
    const image = await commitContainer(await svc(), container, {
      repo: ctx.string('repo') || undefined,
      tag: ctx.string('tag') || undefined,
      comment: ctx.string('comment') || undefined,
      author: ctx.string('author') || undefined,
      pause: ctx.bool('pause', true),
      changes: ctx.query.getAll('changes'),
      config: body ? config : undefined,
    });
    ctx.json(201, { Id: image.id });
  });

  router.get('/containers/{id}/export', async (ctx) => {
    const tar = await exportContainer(await svc(), ctx.params.id);
    await ctx.stream(tar, 'application/x-tar');
  });

  router.head('/containers/{id}/archive', async (ctx) => {
    const stat = await statContainerPath(await svc(), ctx.params.id, archivePath(ctx));
    ctx.res.writeHead(200, { [PATH_STAT_HEADER]: encodePathStat(stat), 'Content-Type': 'application/x-tar' });
    ctx.res.end();
  });

  router.get('/containers/{id}/archive', async (ctx) => {
    const { stat, stream } = await archiveContainerPath(await svc(), ctx.params.id, archivePath(ctx));
    ctx.res.setHeader(PATH_STAT_HEADER, encodePathStat(stat));
    await ctx.stream(stream, 'application/x-tar');
  });

  router.put('/containers/{id}/archive', async (ctx) => {
    const path = archivePath(ctx);
    // Whatever fails, the upload is read to its end first, or the client sees a broken pipe, not the reason.
    const upload = uploadBody(ctx.req);
    try {
      await extractToContainer(await svc(), ctx.params.id, path, upload.stream, {
        noOverwriteDirNonDir: ctx.bool('noOverwriteDirNonDir'),
        copyUIDGID: ctx.bool('copyUIDGID'),
      });
    } catch (err) {
      await upload.settle();
      throw err;
    }
    ctx.noContent(200);
  });
};
