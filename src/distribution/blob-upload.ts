// Uploading one blob from the content store to a repository, doing as little
// as it can: nothing when the registry has it already (HEAD), a
// cross-repository mount when another repository of the registry is known to
// have it, else an upload: one PUT with the whole body for a small blob, PATCH
// chunks with Content-Range for a large one, then the closing PUT with its
// digest, which the registry checks. A failed upload starts over in a new
// session, up to the attempt limit.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentStore } from '../content/content-store.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { BerthError, isBerthError } from '../util/errors.ts';
import { backoffMs, type RetryPolicy } from './backoff.ts';
import { discard, header } from './http-client.ts';
import { registryError } from './registry-errors.ts';
import type { RepositoryClient } from './repository-client.ts';

export type UploadOutcome = { kind: 'exists' } | { kind: 'mounted'; from: string } | { kind: 'pushed' };

export interface UploadOptions {
  /** Repositories of the same registry to try mounting from, in order. */
  mountFrom: readonly string[];
  monolithicMax: number;
  chunkSize: number;
  attempts: number;
  retry: RetryPolicy;
  onBytes?(current: number, total: number): void;
  signal?: AbortSignal;
}

/** `length` bytes of a blob from `offset`, counted as they go. */
function slice(
  content: ContentStore,
  desc: Descriptor,
  offset: number,
  length: number,
  onBytes?: (n: number) => void,
): Readable {
  async function* bytes() {
    let left = length;
    const source = content.read(desc.digest, offset);
    try {
      for await (const chunk of source) {
        const c = chunk as Buffer;
        const part = c.length > left ? c.subarray(0, left) : c;
        left -= part.length;
        onBytes?.(part.length);
        yield part;
        if (left === 0) break;
      }
    } finally {
      source.destroy();
    }
    if (left > 0) throw new BerthError('Internal', `blob ${desc.digest} ended ${left} bytes early`);
  }
  return Readable.from(bytes());
}

function withDigest(location: URL, desc: Descriptor): URL {
  const url = new URL(location);
  url.searchParams.set('digest', desc.digest);
  return url;
}

async function uploadInSession(
  repo: RepositoryClient,
  content: ContentStore,
  desc: Descriptor,
  location: URL,
  opts: UploadOptions,
): Promise<void> {
  // Bytes sent of the whole blob, counted from where a body starts.
  const count = (base: number) => {
    let n = 0;
    return (k: number) => {
      n += k;
      opts.onBytes?.(base + n, desc.size);
    };
  };
  const octets = { 'Content-Type': 'application/octet-stream' };
  if (desc.size <= opts.monolithicMax) {
    const res = await repo.session.send(
      {
        method: 'PUT',
        url: withDigest(location, desc),
        headers: { ...octets, 'Content-Length': String(desc.size) },
        body: () => slice(content, desc, 0, desc.size, count(0)),
        signal: opts.signal,
      },
      repo.scopes,
    );
    if (res.status !== 201) throw await registryError(res, `uploading blob ${desc.digest}`);
    await discard(res);
    return;
  }
  let url = location;
  for (let offset = 0; offset < desc.size; offset += opts.chunkSize) {
    const length = Math.min(opts.chunkSize, desc.size - offset);
    const res = await repo.session.send(
      {
        method: 'PATCH',
        url,
        headers: {
          ...octets,
          'Content-Range': `${offset}-${offset + length - 1}`,
          'Content-Length': String(length),
        },
        body: () => slice(content, desc, offset, length, count(offset)),
        // The registry may have kept part of a failed chunk: the whole upload starts over instead.
        retry: false,
        signal: opts.signal,
      },
      repo.scopes,
    );
    if (res.status !== 202) throw await registryError(res, `uploading blob ${desc.digest}`);
    const next = header(res, 'location');
    await discard(res);
    if (next) url = repo.session.url(next);
  }
  const res = await repo.session.send(
    { method: 'PUT', url: withDigest(url, desc), headers: { 'Content-Length': '0' }, signal: opts.signal },
    repo.scopes,
  );
  if (res.status !== 201) throw await registryError(res, `finishing the upload of blob ${desc.digest}`);
  await discard(res);
}

export async function uploadBlob(
  repo: RepositoryClient,
  content: ContentStore,
  desc: Descriptor,
  opts: UploadOptions,
): Promise<UploadOutcome> {
  if (await repo.hasBlob(desc.digest)) return { kind: 'exists' };
  let location: URL | undefined;
  for (const from of opts.mountFrom) {
    const started = await repo.startUpload({ digest: desc.digest, from }).catch(() => undefined);
    if (started?.mounted) return { kind: 'mounted', from };
    if (started) {
      // Not mounted, but the registry opened an upload session instead: use it.
      location = started.location;
      break;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const at = location ?? (await repo.openUpload());
      location = undefined;
      await uploadInSession(repo, content, desc, at, opts);
      return { kind: 'pushed' };
    } catch (err) {
      const retryable = isBerthError(err, 'Unavailable') && !opts.signal?.aborted;
      if (!retryable || attempt >= opts.attempts) throw err;
      await sleep(backoffMs(opts.retry, attempt), undefined, { signal: opts.signal });
    }
  }
}
