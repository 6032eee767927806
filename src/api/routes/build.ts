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
// It removes the cache mounts of RUN --mount=type=cache (`<root>/build/cache-mounts`)
// too (src/build/cache/prune.ts).
//
// Build secrets (`berth build --secret`): the Engine API has no parameter for them,
// so berth takes them in a request of its own, `POST /berth/build/secrets` (a JSON
// body `{"Secrets": [{"ID": …, "Data": base64}]}`), which answers with a one-time
// session token; the build names it in the `X-Berth-Build-Secrets` header. They
// stay in the daemon's memory, out of the context, the cache and the logs (the
// design is in src/build/builder/build-secrets.ts). A build naming an unknown or
// expired session fails before it reads its context.
//
// RUN steps go on the default bridge network (`RUN --network=default`, and RUN
// without the flag) when the daemon has one: each gets a namespace and an address
// of its own for the step, taken down after it. `networkmode` (`--network`) sets
// what such steps get instead: `host` or `none` (`default` and `bridge` are the
// bridge); other networks are refused.
import {
  BuildError,
  type BuildNetwork,
  type BuildSecrets,
  buildCacheOf,
  buildImage,
  cacheMountsAt,
  checkBuildPlatform,
  decodeSecretUploads,
  extractContext,
  MAX_SECRET_BYTES,
  pruneBuildCache,
  SECRETS_HEADER,
  SecretSessions,
} from '../../build/index.ts';
import { ensureImage } from '../../distribution/ensure-image.ts';
import type { ContainerService } from '../../engine/container-service.ts';
import { parseReference } from '../../oci/reference.ts';
import { nativeBinaryPath } from '../../runtime/launch/native-binary.ts';
import { defaultSeccompProfile } from '../../runtime/seccomp/default-profile.ts';
import { asBerthError, BerthError, invalidArgument } from '../../util/errors.ts';
import { parseFilterTime } from '../../util/time.ts';
import { buildScratchDir, buildSecretsDir, cacheMountsDir } from '../build-scratch.ts';
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

/** Secrets uploaded and not yet taken by their build, per daemon. */
const sessionsOf = new WeakMap<DaemonContext, SecretSessions>();
function secretSessions(daemon: DaemonContext): SecretSessions {
  let s = sessionsOf.get(daemon);
  if (!s) {
    s = new SecretSessions();
    sessionsOf.set(daemon, s);
  }
  return s;
}

/** The daemon's cache mounts (RUN --mount=type=cache). */
export const cacheMountsOf = (daemon: DaemonContext) => cacheMountsAt(cacheMountsDir(daemon.config));

/** The build's secrets, from the session its header names (taken: a session serves one build). */
function buildSecrets(ctx: RequestContext, daemon: DaemonContext): BuildSecrets | undefined {
  const header = ctx.req.headers[SECRETS_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) return undefined;
  const secrets = secretSessions(daemon).take(token);
  if (!secrets)
    throw invalidArgument(
      'the build secrets session is unknown or has expired: upload the secrets again (POST /berth/build/secrets)',
    );
  return secrets;
}

/** RUN on the daemon's default bridge network, when it has one. */
function buildNetwork(containers: ContainerService): BuildNetwork | undefined {
  const net = containers.networks;
  if (!net) return undefined;
  return {
    async attach(id) {
      const bridge = net.defaultNetwork();
      if (!bridge) return undefined;
      const sandbox = await net.setUp({
        containerId: id,
        names: [],
        networks: [{ network: bridge, aliases: [] }],
        ports: [],
        dns: [],
      });
      return {
        netns: sandbox.netns,
        addresses: sandbox.endpoints.map((e) => e.ip),
        hostGateway: bridge.gateway,
      };
    },
    detach: (id) => net.tearDown(id),
  };
}

async function uploadSecrets(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  // base64 and JSON around every secret at its largest, for a few dozen of them
  const body = await ctx.readJson(64 * Math.ceil((MAX_SECRET_BYTES * 4) / 3) + 64 * 1024);
  const secrets = decodeSecretUploads(body);
  ctx.json(201, { Session: secretSessions(daemon).put(secrets) });
}

/** `networkmode`: the network of RUN steps that name none. */
function defaultRunNetwork(mode: string | undefined): 'host' | 'none' | undefined {
  if (!mode || mode === 'default' || mode === 'bridge') return undefined;
  if (mode === 'host' || mode === 'none') return mode;
  throw new BerthError(
    'NotImplemented',
    `network mode ${JSON.stringify(mode)} is not supported for builds: use default, bridge, host or none`,
  );
}

/** The build's query parameters, checked. */
function buildParams(ctx: RequestContext) {
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
  checkBuildPlatform(ctx.string('platform'), '--platform');
  const defaultNetwork = defaultRunNetwork(ctx.string('networkmode'));
  const noCacheFilter = stageList(ctx.string('nocachefilter'));
  return { tags, buildArgs, labels, defaultNetwork, noCacheFilter, quiet: ctx.bool('q') };
}

async function build(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const store = daemon.images.store;
  const cache = buildCacheOf(daemon.images.db);
  const scratch = buildScratchDir(daemon.config);
  const upload = uploadBody(ctx.req);
  let contextDir: string;
  let secrets: BuildSecrets | undefined;
  let params: ReturnType<typeof buildParams>;
  let containers: ContainerService;
  // A refusal waits for the client to finish sending the context: answering mid-upload
  // would close the connection under it (EPIPE) before it reads the reason.
  try {
    params = buildParams(ctx);
    containers = await daemon.containers.get();
    secrets = buildSecrets(ctx, daemon);
    contextDir = await extractContext(upload.stream, scratch);
  } catch (err) {
    secrets?.wipe();
    await upload.settle();
    throw err;
  }
  const { tags, buildArgs, labels, defaultNetwork, noCacheFilter, quiet } = params;
  const out = new JsonMessageStream(ctx);
  // A client that goes away (Ctrl-C) cancels the build, as Docker's does: its RUN is killed.
  const cancel = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished)
      cancel.abort(new BerthError('Unavailable', 'the build was cancelled: the client went away'));
  };
  ctx.res.on('close', onClose);
  try {
    await buildImage(
      {
        store,
        scratch,
        run: {
          runtime: containers.runtime.berth,
          nativeBinary: nativeBinaryPath(),
          seccompDefault: defaultSeccompProfile(),
          network: buildNetwork(containers),
          ...(defaultNetwork ? { defaultNetwork } : {}),
        },
        image: async (reference, pull) =>
          ensureImage(await distributionOf(daemon), store, reference, pull ? 'always' : 'missing'),
        cache,
        cacheMounts: cacheMountsOf(daemon),
        secretsDir: buildSecretsDir(daemon.config),
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
        secrets,
        signal: cancel.signal,
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
    ctx.res.off('close', onClose);
    secrets?.wipe();
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
    cacheMounts: cacheMountsOf(daemon),
  });
  ctx.json(200, report);
}

export const buildRoutes: RouteModule = (router, daemon) => {
  router.post('/build', (ctx) => build(ctx, daemon));
  router.post('/build/prune', (ctx) => prune(ctx, daemon));
  router.post('/berth/build/secrets', (ctx) => uploadSecrets(ctx, daemon));
};
