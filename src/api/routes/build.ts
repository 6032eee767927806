// POST /build: Docker's classic builder endpoint. The body is the build context as
// a tar (plain or compressed); it is unpacked safely into a scratch directory,
// built from (src/build/builder), and removed. The answer is the classic
// builder's JSON stream: `stream` lines of progress and RUN output, `aux` with the
// image ID, and a failure as an error message (with a RUN's exit code as `code`).
//
// The build cache (src/build/cache) is the daemon's: `nocache=1` turns its
// lookups off for the build. Docker's API has no parameter for BuildKit's
// `--no-cache-filter`; berth takes `nocachefilter`, a JSON array of stage names
// (or a comma-separated list), which `berth build --no-cache-filter` sends.
// POST /build/prune removes records (all=1: every one; else those no image was
// built through) with Docker's filters `until` (and its older name `unused-for`)
// and `id`; others, as label filters `system prune` passes on, are ignored as
// Docker ignores them; `keep-storage` (or its newer names `reserved-space` and
// `max-used-space`) keeps that many bytes of the most recently used records.
import { join } from 'node:path';
import { BuildError, buildCacheOf, buildImage, extractContext, pruneBuildCache } from '../../build/index.ts';
import { ensureImage } from '../../distribution/ensure-image.ts';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { nativeBinaryPath } from '../../runtime/launch/native-binary.ts';
import { defaultSeccompProfile } from '../../runtime/seccomp/default-profile.ts';
import { asBerthError, BerthError, invalidArgument } from '../../util/errors.ts';
import { parseFilterTime } from '../../util/time.ts';
import type { DaemonContext, RouteModule } from '../daemon-context.ts';
import { JsonMessageStream } from '../json-messages.ts';
import type { RequestContext } from '../request-context.ts';
import { uploadBody } from '../upload-body.ts';
import { distributionOf } from './distribution.ts';

function jsonParam<T>(ctx: RequestContext, name: string): T | undefined {
  const raw = ctx.string(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw invalidArgument(`the ${name} parameter is not valid JSON: ${raw}`);
  }
}

/** `nocachefilter`: a JSON array of stage names, or names separated by commas. */
function stageList(raw: string | undefined): string[] {
  if (!raw) return [];
  if (raw.trim().startsWith('[')) {
    const list = jsonList(raw);
    if (!list)
      throw invalidArgument(`the nocachefilter parameter must be a JSON array of stage names: ${raw}`);
    return list;
  }
  return raw
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

function jsonList(raw: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function checkPlatform(spec: string | undefined): void {
  if (!spec) return;
  const want = formatPlatform(normalizePlatform(parsePlatform(spec)));
  const host = formatPlatform(hostPlatform());
  if (want !== host)
    throw new BerthError(
      'NotImplemented',
      `building for platform ${want} is not supported: berth builds for ${host}`,
    );
}

async function build(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const tags = ctx.query.getAll('t');
  for (const t of tags) {
    try {
      parseReference(t);
    } catch (err) {
      throw invalidArgument(`invalid tag ${JSON.stringify(t)}: ${(err as Error).message}`);
    }
  }
  const buildArgs = jsonParam<Record<string, string | null>>(ctx, 'buildargs') ?? {};
  const labels = jsonParam<Record<string, string>>(ctx, 'labels') ?? {};
  checkPlatform(ctx.string('platform'));
  const quiet = ctx.bool('q');
  const noCacheFilter = stageList(ctx.string('nocachefilter'));
  const store = daemon.images.store;
  const cache = buildCacheOf(daemon.images.db);
  const containers = await daemon.containers.get();
  const scratch = join(daemon.config.root, 'build');
  const upload = uploadBody(ctx.req);
  let contextDir: string;
  try {
    contextDir = await extractContext(upload.stream, scratch);
  } catch (err) {
    await upload.settle();
    throw err;
  }
  const out = new JsonMessageStream(ctx);
  try {
    await buildImage(
      {
        store,
        scratch,
        run: {
          runtime: containers.runtime.berth,
          nativeBinary: nativeBinaryPath(),
          seccompDefault: defaultSeccompProfile(),
        },
        image: async (reference, pull) =>
          ensureImage(await distributionOf(daemon), store, reference, pull ? 'always' : 'missing'),
        cache,
      },
      {
        contextDir,
        dockerfile: ctx.string('dockerfile') || 'Dockerfile',
        tags,
        buildArgs,
        target: ctx.string('target') || undefined,
        pull: ctx.bool('pull'),
        labels,
        noCache: ctx.bool('nocache'),
        noCacheFilter,
      },
      {
        // -q: nothing but the image ID, as Docker's daemon answers a quiet build.
        stream: (text) => {
          if (!quiet) out.stream(text);
        },
        aux: (value) => {
          out.write({ aux: value });
          if (quiet) out.stream(`${(value as { ID: string }).ID}\n`);
        },
      },
    );
  } catch (err) {
    const message = asBerthError(err).message;
    const code = err instanceof BuildError ? err.exitCode : undefined;
    out.write({ errorDetail: { ...(code ? { code } : {}), message } as { message: string }, error: message });
  } finally {
    const { rm } = await import('node:fs/promises');
    await rm(contextDir, { recursive: true, force: true }).catch(() => {});
  }
  out.end();
}

async function prune(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const filters = ctx.filters();
  const until = [...filters.get('until'), ...filters.get('unused-for')].map((v) =>
    Number(parseFilterTime(v, 'until') / 1_000_000n),
  );
  const keep = ['keep-storage', 'reserved-space', 'max-used-space']
    .map((name) => ctx.int(name, 0))
    .find((n) => n > 0);
  const store = daemon.images.store;
  const report = await pruneBuildCache(buildCacheOf(daemon.images.db), store, {
    all: ctx.bool('all'),
    until: until.length ? Math.min(...until) : undefined,
    ids: filters.get('id'),
    keepBytes: keep,
  });
  ctx.json(200, report);
}

export const buildRoutes: RouteModule = (router, daemon) => {
  router.post('/build', (ctx) => build(ctx, daemon));
  router.post('/build/prune', (ctx) => prune(ctx, daemon));
};
