// POST /build: Docker's classic builder endpoint. The body is the build context as
// a tar (plain or compressed); it is unpacked safely into a scratch directory,
// built from (src/build/builder), and removed. The answer is the classic
// builder's JSON stream: `stream` lines of progress and RUN output, `aux` with the
// image ID, and a failure as an error message (with a RUN's exit code as `code`).
import { join } from 'node:path';
import { BuildError, buildImage, extractContext } from '../../build/index.ts';
import { ensureImage } from '../../distribution/ensure-image.ts';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { nativeBinaryPath } from '../../runtime/launch/native-binary.ts';
import { defaultSeccompProfile } from '../../runtime/seccomp/default-profile.ts';
import { asBerthError, BerthError, invalidArgument } from '../../util/errors.ts';
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
  const store = daemon.images.store;
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
      },
      {
        contextDir,
        dockerfile: ctx.string('dockerfile') || 'Dockerfile',
        tags,
        buildArgs,
        target: ctx.string('target') || undefined,
        pull: ctx.bool('pull'),
        labels,
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

export const buildRoutes: RouteModule = (router, daemon) => {
  router.post('/build', (ctx) => build(ctx, daemon));
  // The classic builder keeps no cache store of its own yet: pruning it frees nothing.
  router.post('/build/prune', (ctx) => ctx.json(200, { CachesDeleted: [], SpaceReclaimed: 0 }));
};
