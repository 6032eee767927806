// Downloading one blob into the content store: streamed into an ingest named
// by the blob's digest (hashed as it is written), its digest and size checked
// at commit, so a wrong or short blob never becomes visible. A dropped
// connection is resumed with `Range` from what the ingest already holds, here
// up to the attempt limit, and on the next pull after that, since the ingest
// keeps its data when the download gives up. A source that ignores the range
// (200 instead of 206) starts the blob over. Sources are tried in order:
// a foreign layer's URLs first, then the registry.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentStore, Expected, Ingest } from '../content/content-store.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { BerthError, isBerthError } from '../util/errors.ts';
import { backoffMs, type RetryPolicy } from './backoff.ts';
import { discard, type HttpResponse, header } from './http-client.ts';

/** Opens a blob's body from an offset (a 200 or 206 answer). */
export type BlobOpener = (offset: number, signal?: AbortSignal) => Promise<HttpResponse>;

export interface DownloadOptions {
  /** Tries per source before giving up (Docker's max-download-attempts). */
  attempts: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Bytes held so far of `total`. */
  onBytes?(current: number, total: number): void;
  /** All bytes are there; the digest is being checked. */
  onVerifying?(): void;
}

/** The ingest ref of a pulled blob: the same for every pull, so a later one resumes it. */
export const pullIngestRef = (digest: string) => `pull-${digest}`;

/** A pull's ingest: the next pull of its blob resumes it, so it outlives a crash. */
export const isPullIngestRef = (ref: string) => ref.startsWith('pull-');

/** Open the blob's ingest, waiting while another pull holds it; undefined once the blob is there. */
async function openIngest(
  content: ContentStore,
  desc: Descriptor,
  signal?: AbortSignal,
): Promise<Ingest | undefined> {
  const expected: Expected = { digest: desc.digest, size: desc.size };
  for (let tries = 0; ; tries++) {
    if (await content.has(desc.digest)) return undefined;
    try {
      return await content.ingest(pullIngestRef(desc.digest), expected);
    } catch (err) {
      // Partial data longer than the blob was thrown away: start again.
      if (isBerthError(err, 'DigestMismatch') && tries < 2) continue;
      if (!isBerthError(err, 'Conflict')) throw err;
    }
    await sleep(200, undefined, { signal });
  }
}

/** Where a 206 answer starts, from its Content-Range. */
function rangeStart(res: HttpResponse): number {
  const m = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
  return m ? Number(m[1]) : 0;
}

class TransferError extends Error {}

/** Stream one answer's body into the ingest; a broken or short body is a TransferError. */
async function receive(
  res: HttpResponse,
  ingest: Ingest,
  total: number,
  opts: DownloadOptions,
): Promise<void> {
  let broken: Error | undefined;
  res.body.once('error', (err) => {
    broken = err;
  });
  res.body.once('aborted', () => {
    broken ??= new Error('the connection was closed before the whole blob arrived');
  });
  const start = ingest.offset;
  let seen = 0;
  async function* counted() {
    for await (const chunk of res.body) {
      seen += (chunk as Buffer).length;
      opts.onBytes?.(start + seen, total);
      yield chunk as Buffer;
    }
  }
  try {
    await ingest.write(Readable.from(counted()));
  } catch (err) {
    if (broken) throw new TransferError(broken.message);
    throw err;
  }
  if (ingest.offset < total)
    throw new TransferError(`the body ended after ${ingest.offset} of ${total} bytes`);
}

/**
 * Fetch `desc` into the content store unless it is there. Returns false when
 * it already was (or another pull put it there meanwhile).
 */
export async function downloadBlob(
  content: ContentStore,
  desc: Descriptor,
  sources: readonly BlobOpener[],
  opts: DownloadOptions,
): Promise<boolean> {
  let ingest = await openIngest(content, desc, opts.signal);
  if (!ingest) return false;
  try {
    let lastError: unknown;
    let source = 0;
    let attempt = 0;
    while (ingest.offset < desc.size) {
      if (source >= sources.length) {
        throw lastError ?? new BerthError('Unavailable', `blob ${desc.digest}: nowhere to download it from`);
      }
      attempt++;
      let res: HttpResponse;
      try {
        res = await sources[source](ingest.offset, opts.signal);
      } catch (err) {
        lastError = err;
        if (opts.signal?.aborted) throw err;
        // A source that refuses (a URL gone, a 404) gives way to the next one.
        source++;
        attempt = 0;
        continue;
      }
      const start = res.status === 206 ? rangeStart(res) : 0;
      if (start !== ingest.offset) {
        if (start !== 0) {
          await discard(res);
          throw new BerthError(
            'Unavailable',
            `blob ${desc.digest}: asked for bytes from ${ingest.offset}, got them from ${start}`,
          );
        }
        await ingest.abort();
        ingest = (await openIngest(content, desc, opts.signal)) as Ingest;
        if (!ingest) return false;
      }
      const before = ingest.offset;
      try {
        await receive(res, ingest, desc.size, opts);
        break;
      } catch (err) {
        if (!(err instanceof TransferError) || opts.signal?.aborted) throw err;
        lastError = new BerthError('Unavailable', `downloading blob ${desc.digest}: ${err.message}`);
        // A try that got somewhere does not count against the limit.
        if (ingest.offset > before) attempt = 1;
        if (attempt >= opts.attempts) throw lastError;
        await sleep(backoffMs(opts.retry, attempt), undefined, { signal: opts.signal });
      }
    }
    opts.onVerifying?.();
    await ingest.commit({ digest: desc.digest, size: desc.size });
    return true;
  } catch (err) {
    // Keep what arrived: the next pull resumes from there (a refused blob is gone already).
    await ingest.close().catch(() => undefined);
    throw err;
  }
}
