// Blobs: GET (whole, or one byte range with `Range: bytes=a-b`) and HEAD, and DELETE,
// which removes the repository's link; the bytes go when gc finds nothing else using them.
import { pipeline } from 'node:stream/promises';
import { type Handler, wantDigest } from './context.ts';
import { deletesDisabled } from './manifest-handlers.ts';
import { sendEmpty } from './respond.ts';

/**
 * A single `bytes=` range against `size`, inclusive; undefined for the whole blob, null
 * when it cannot be satisfied (answered 416 with the blob's size, as HTTP has it).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | null {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? null : { start, end };
}

export const getBlob =
  (name: string, digestText: string): Handler =>
  async (ctx) => {
    const { registry, req, res } = ctx;
    const digest = wantDigest(digestText, 'digest');
    const size = await registry.blobs.stat(name, digest);
    const range = parseRange(req.headers.range, size);
    if (range === null) {
      sendEmpty(res, 416, { 'Content-Range': `bytes */${size}` });
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      ETag: `"${digest}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'max-age=31536000',
    };
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    if (req.method === 'HEAD' || size === 0) {
      sendEmpty(res, range ? 206 : 200, headers);
      return;
    }
    const stream = await registry.blobs.read(digest, start, end);
    res.writeHead(range ? 206 : 200, headers);
    await pipeline(stream, res);
  };

export const deleteBlob =
  (name: string, digestText: string): Handler =>
  async (ctx) => {
    if (!ctx.registry.deleteEnabled) throw deletesDisabled();
    const digest = wantDigest(digestText, 'digest');
    await ctx.registry.blobs.unlink(name, digest);
    sendEmpty(ctx.res, 202, { 'Docker-Content-Digest': digest });
  };
