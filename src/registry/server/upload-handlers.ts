// Pushing blobs: POST starts an upload, or mounts a blob from another repository
// (`mount`, `from`), or takes the whole blob in one request (`digest`); PATCH appends a
// chunk (in order, per `Content-Range` when given); PUT with `digest` finishes, with an
// optional last chunk; GET tells how far an upload is; DELETE cancels it.
import type { Digest } from '../../oci/digest.ts';
import { RegistryError } from '../registry-error.ts';
import type { ChunkRange } from '../upload-store.ts';
import { type Handler, hasBody, type RequestContext, wantDigest, wantName } from './context.ts';
import { sendEmpty } from './respond.ts';

function uploadHeaders(name: string, uuid: string, size: number): Record<string, string> {
  return {
    Location: `/v2/${name}/blobs/uploads/${uuid}`,
    'Docker-Upload-UUID': uuid,
    // distribution's form: the last byte received, and 0-0 before the first.
    Range: `0-${Math.max(0, size - 1)}`,
  };
}

function sendBlobCreated(ctx: RequestContext, name: string, digest: Digest): void {
  sendEmpty(ctx.res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

/** `Content-Range: <start>-<end>` of a chunk, checked against Content-Length; undefined when absent. */
export function chunkRange(ctx: RequestContext): ChunkRange | undefined {
  const header = ctx.req.headers['content-range'];
  if (header === undefined) return undefined;
  const m = /^(?:bytes[= ])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  const length = ctx.req.headers['content-length'];
  if (
    !m ||
    Number(m[2]) < Number(m[1]) ||
    (length !== undefined && Number(length) !== Number(m[2]) - Number(m[1]) + 1)
  ) {
    throw new RegistryError(
      'BLOB_UPLOAD_INVALID',
      `invalid Content-Range "${header}": want <start>-<end> (inclusive) matching Content-Length ${length ?? '(none)'}`,
      { status: 416 },
    );
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

export const startUpload =
  (name: string): Handler =>
  async (ctx) => {
    const { registry, url } = ctx;
    const mount = url.searchParams.get('mount');
    if (mount !== null) {
      const digest = wantDigest(mount, 'mount digest');
      const from = url.searchParams.get('from');
      // Without `from`, any blob of the registry could be reached by its digest alone; that is
      // only allowed when no Authorizer decides who may read which repository.
      const mounted =
        from !== null
          ? await registry.blobs.mount(name, digest, wantName(from))
          : !ctx.guarded && (await registry.blobs.mountAny(name, digest));
      if (mounted) {
        sendBlobCreated(ctx, name, digest);
        return;
      }
    }
    const single = url.searchParams.get('digest');
    if (single !== null) {
      const digest = wantDigest(single, 'digest');
      const uuid = await registry.uploads.start(name);
      try {
        await registry.uploads.complete(name, uuid, digest, ctx.req);
      } catch (err) {
        // a one-request upload that failed leaves nothing to resume: drop it now
        await registry.uploads.cancel(name, uuid).catch(() => {});
        throw err;
      }
      sendBlobCreated(ctx, name, digest);
      return;
    }
    const uuid = await registry.uploads.start(name);
    sendEmpty(ctx.res, 202, uploadHeaders(name, uuid, 0));
  };

export const uploadStatus =
  (name: string, uuid: string): Handler =>
  async (ctx) => {
    const size = await ctx.registry.uploads.status(name, uuid);
    sendEmpty(ctx.res, 204, uploadHeaders(name, uuid, size));
  };

export const patchUpload =
  (name: string, uuid: string): Handler =>
  async (ctx) => {
    const range = chunkRange(ctx);
    const size = await ctx.registry.uploads.append(name, uuid, ctx.req, range);
    sendEmpty(ctx.res, 202, uploadHeaders(name, uuid, size));
  };

export const finishUpload =
  (name: string, uuid: string): Handler =>
  async (ctx) => {
    const digest = wantDigest(ctx.url.searchParams.get('digest'), 'digest');
    const body = hasBody(ctx.req);
    const range = body ? chunkRange(ctx) : undefined;
    await ctx.registry.uploads.complete(name, uuid, digest, body ? ctx.req : undefined, range);
    sendBlobCreated(ctx, name, digest);
  };

export const cancelUpload =
  (name: string, uuid: string): Handler =>
  async (ctx) => {
    await ctx.registry.uploads.cancel(name, uuid);
    sendEmpty(ctx.res, 204);
  };
