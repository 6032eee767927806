// POST /images/create with fromSrc: `docker import`. The root filesystem comes
// in the request body (fromSrc=-) or from an http(s) URL the daemon downloads,
// streamed straight into the image store. The answer is Docker's JSON message
// stream, ending with the new image's ID as a status. Pulling (fromImage) is
// the registry client's (routes/distribution.ts), which passes imports on here.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { applyChanges } from '../../image/config-changes.ts';
import { importRootfs } from '../../image/import-rootfs.ts';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from '../../oci/platform.ts';
import { formatReference, parseRepositoryAndTag } from '../../oci/reference.ts';
import { BerthError, type ErrorCode, invalidArgument } from '../../util/errors.ts';
import type { DaemonContext } from '../daemon-context.ts';
import { JsonMessageStream } from '../json-messages.ts';
import type { RequestContext } from '../request-context.ts';
import { uploadBody } from '../upload-body.ts';

/** What the answer of a failed download says, as Docker words it, and its error code. */
async function downloadError(url: string, res: Response): Promise<BerthError> {
  const body = (await res.text().catch(() => '')).trim().slice(0, 1024);
  const message = `failed to GET ${url} with status ${res.status} ${res.statusText}: ${body}`;
  const code: ErrorCode =
    res.status === 404
      ? 'NotFound'
      : res.status === 400
        ? 'InvalidArgument'
        : res.status === 401 || res.status === 403
          ? 'PermissionDenied'
          : 'Internal';
  return new BerthError(code, message);
}

/** The URL of fromSrc: Docker reads a bare `host/path` as http. */
function sourceUrl(src: string): URL {
  const withScheme = src.includes('://') ? src : `http://${src}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidArgument(`fromSrc "${src}" is neither "-" nor a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(`fromSrc "${src}": only http and https URLs can be imported from`);
  }
  return url;
}

async function download(url: URL): Promise<Readable> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new BerthError('Internal', `Get "${url}": ${cause}`);
  }
  if (!res.ok) throw await downloadError(url.toString(), res);
  if (!res.body) return Readable.from([]);
  return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
}

/** berth imports for the host's platform only; another platform is refused rather than mislabelled. */
function checkPlatform(spec: string | undefined): void {
  if (!spec) return;
  const want = normalizePlatform(parsePlatform(spec));
  const host = hostPlatform();
  if (formatPlatform(want) !== formatPlatform(host)) {
    throw new BerthError(
      'NotImplemented',
      `importing for platform ${formatPlatform(want)} is not implemented yet: berth imports images for the host platform, ${formatPlatform(host)}`,
    );
  }
}

export async function createImage(ctx: RequestContext, daemon: DaemonContext): Promise<void> {
  // Whatever fails, the client's upload is read to its end before the answer,
  // or the client would see a broken pipe instead of the reason.
  const upload = uploadBody(ctx.req);
  try {
    await create(ctx, daemon, upload.stream);
  } catch (err) {
    await upload.settle();
    throw err;
  }
}

async function create(ctx: RequestContext, daemon: DaemonContext, body: Readable): Promise<void> {
  const src = ctx.string('fromSrc');
  if (!src) throw invalidArgument('POST /images/create needs fromImage (pull) or fromSrc (import)');
  const repo = ctx.string('repo') ?? '';
  const name = repo ? formatReference(parseRepositoryAndTag(repo, ctx.string('tag'))) : undefined;
  checkPlatform(ctx.string('platform'));
  const changes = ctx.query.getAll('changes');
  applyChanges({}, changes); // a bad --change fails before anything is read or downloaded
  const message = ctx.string('message') || undefined;
  const store = daemon.images.store;
  const out = new JsonMessageStream(ctx);

  if (src === '-') {
    const image = await importRootfs(store, body, { name, changes, message, source: '-' });
    out.status(image.id);
    out.end();
    return;
  }

  const url = sourceUrl(src);
  const tarball = await download(url);
  out.status(`Downloading from ${url}`);
  try {
    const image = await importRootfs(store, tarball, { name, changes, message, source: src });
    out.status(image.id);
  } catch (err) {
    tarball.destroy();
    out.error(err);
  }
  out.end();
}
