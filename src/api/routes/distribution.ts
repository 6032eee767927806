// The registry endpoints of the Docker Engine API: pull (POST /images/create
// with fromImage; the same route with fromSrc is import, handed to
// image-import.ts), push (POST /images/{name}/push) and login (POST /auth).
// Credentials come as Docker's clients send them, base64url JSON in
// X-Registry-Auth. Pull and push answer Docker's JSON progress stream; an
// error before the first message is an ordinary HTTP error, as dockerd's.
// The registry client (src/distribution) is made on first use from the
// daemon's root, which is where it reads its settings (daemon.json).

import { type Credentials, decodeRegistryAuth } from '../../distribution/credentials.ts';
import { DistributionService } from '../../distribution/distribution-service.ts';
import { login } from '../../distribution/login.ts';
import { pullImage } from '../../distribution/pull.ts';
import { pushImage } from '../../distribution/push.ts';
import { isDigest } from '../../oci/digest.ts';
import { parsePlatform } from '../../oci/platform.ts';
import { formatReference, parseReferenceLoose, withTag } from '../../oci/reference.ts';
import { asBerthError, invalidArgument, isBerthError } from '../../util/errors.ts';
import type { DaemonContext, RouteModule } from '../daemon-context.ts';
import { JsonMessageStream } from '../json-messages.ts';
import type { RequestContext } from '../request-context.ts';
import { createImage } from './image-import.ts';

const services = new WeakMap<DaemonContext, Promise<DistributionService>>();

/** The daemon's registry client, made once. */
export function distributionOf(daemon: DaemonContext): Promise<DistributionService> {
  let service = services.get(daemon);
  if (!service) {
    service = DistributionService.create({
      root: daemon.config.root,
      onRetry: (r) =>
        daemon.log.info('retrying a registry request', {
          url: r.url.toString(),
          attempt: r.attempt,
          delayMs: r.delayMs,
          reason: r.reason,
        }),
    });
    service.catch(() => services.delete(daemon));
    services.set(daemon, service);
  }
  return service;
}

function credentialsOf(ctx: RequestContext): Credentials | undefined {
  const h = ctx.req.headers['x-registry-auth'];
  return decodeRegistryAuth(Array.isArray(h) ? h[0] : h);
}

/** Cancel the work when the client goes away before the answer ends. */
function abortOnClose(ctx: RequestContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.on('close', () => {
    if (!ctx.res.writableEnded) controller.abort();
  });
  return controller.signal;
}

/** Run a streamed registry operation: errors before the first message are HTTP errors. */
async function streamed(
  ctx: RequestContext,
  work: (out: JsonMessageStream) => Promise<unknown>,
): Promise<void> {
  const out = new JsonMessageStream(ctx);
  try {
    await work(out);
  } catch (err) {
    if (!out.started) throw err;
    out.error(err);
  }
  out.end();
}

/** `fromImage` with `tag` applied as dockerd applies it: a digest, or a tag replacing any in the name. */
export function pullReference(fromImage: string, tag: string | undefined): string {
  const ref = parseReferenceLoose(fromImage);
  if (!tag) return formatReference(ref);
  if (isDigest(tag)) return formatReference({ domain: ref.domain, path: ref.path, digest: tag });
  return formatReference(withTag(ref, tag));
}

async function pull(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const fromImage = ctx.string('fromImage')!;
  const reference = pullReference(fromImage, ctx.string('tag'));
  const parsed = parseReferenceLoose(reference);
  const spec = ctx.string('platform');
  const platform = spec ? parsePlatform(spec) : undefined;
  const credentials = credentialsOf(ctx);
  const service = await distributionOf(daemon);
  const signal = abortOnClose(ctx);
  await streamed(ctx, (out) =>
    pullImage(service, daemon.images.store, {
      reference,
      platform,
      credentials,
      allTags: !parsed.tag && !parsed.digest,
      onProgress: (m) => out.write(m),
      signal,
    }),
  );
}

async function push(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const name = ctx.params.name;
  if (name.trim() === '') throw invalidArgument('image name cannot be blank');
  const tag = ctx.string('tag');
  const ref = parseReferenceLoose(name);
  const reference = formatReference(tag ? withTag(ref, tag) : ref);
  const credentials = credentialsOf(ctx);
  const service = await distributionOf(daemon);
  const signal = abortOnClose(ctx);
  await streamed(ctx, (out) =>
    pushImage(service, daemon.images.store, {
      reference,
      allTags: !tag && !ref.tag,
      credentials,
      onProgress: (m) => out.write(m),
      signal,
    }),
  );
}

interface AuthBody {
  username?: unknown;
  password?: unknown;
  serveraddress?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

function authCredentials(body: AuthBody | undefined): Credentials {
  if (!body || typeof body !== 'object')
    throw invalidArgument('POST /auth needs a JSON body with the credentials');
  const out: Credentials = {};
  for (const key of ['username', 'password', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    const v = body[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw invalidArgument(`POST /auth: ${key} must be a string`);
    out[key] = v;
  }
  return out;
}

async function auth(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  const credentials = authCredentials(await ctx.readJson<AuthBody>());
  const service = await distributionOf(daemon);
  try {
    const result = await login(service, credentials);
    ctx.json(200, { Status: result.status, IdentityToken: result.identityToken });
  } catch (err) {
    // dockerd answers a refused login with 401, which clients tell apart from other failures.
    if (!isBerthError(err, 'PermissionDenied')) throw err;
    ctx.json(401, { message: asBerthError(err).message });
  }
}

export const distributionRoutes: RouteModule = (router, daemon) => {
  router.post('/images/create', (ctx) =>
    ctx.string('fromImage') ? pull(ctx, daemon) : createImage(ctx, daemon),
  );
  router.post('/images/{name:.*}/push', (ctx) => push(ctx, daemon));
  router.post('/auth', (ctx) => auth(ctx, daemon));
};
