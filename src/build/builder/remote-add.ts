// ADD of an http(s) URL, as Docker's classic builder does it: the body is
// streamed to a file of a scratch directory (never held in memory) and hashed
// while it streams; the file is named after the last segment of the URL's path
// (percent-decoded, query left out; a redirect does not rename it), has mode
// 0600 and the mtime of the response's Last-Modified (the Unix epoch without
// one), and is not unpacked even when it is an archive (unless --unpack=true).
// `--checksum=sha256:…` (or sha384/sha512) is verified before anything is
// written into the image: a mismatch fails the step naming the URL and both
// digests. Git sources (BuildKit's `ADD https://host/repo.git`, `git@…`) are
// refused: berth has no git source.
//
// No proxy is used, whatever the environment says: the download is the
// daemon's, from the daemon's network.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, utimes } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BerthError, invalidArgument } from '../../util/errors.ts';

const MAX_REDIRECTS = 10;
/** A download that sends nothing for this long fails. */
const IDLE_TIMEOUT_MS = 120_000;

/** A git repository as BuildKit reads an ADD source (classic's `git://`, `git@`, and URLs ending in .git). */
export function isGitSource(src: string): boolean {
  return (
    /^git:\/\//i.test(src) ||
    /^ssh:\/\//i.test(src) ||
    /^[\w.-]+@[\w.-]+:/.test(src) ||
    /^https?:\/\/[^#?]+\.git(\/?)(#.*)?$/i.test(src)
  );
}

/** An http(s) URL ADD downloads. */
export const isHttpSource = (src: string): boolean => /^https?:\/\//i.test(src) && !isGitSource(src);

/** Any `scheme://` source: a URL of some kind, never a context path. */
export const isUrlLike = (src: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(src);

/** The file name a download gets: the last segment of the URL's path; undefined when it has none. */
export function remoteFileName(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  const name = decoded.split('/').filter(Boolean).at(-1);
  return name === undefined || name === '.' || name === '..' ? undefined : name;
}

export type ChecksumAlgorithm = 'sha256' | 'sha384' | 'sha512';
const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  hex: string;
}

export const formatChecksum = (c: Checksum): string => `${c.algorithm}:${c.hex}`;

/** `--checksum=ALGORITHM:HEX`. */
export function parseChecksum(spec: string): Checksum {
  const m = /^(sha256|sha384|sha512):([0-9a-f]+)$/.exec(spec);
  const algorithm = m?.[1] as ChecksumAlgorithm | undefined;
  if (!m || !algorithm || m[2].length !== HEX_LENGTH[algorithm])
    throw invalidArgument(
      `invalid checksum ${JSON.stringify(spec)}: use sha256:<64 hex digits> (or sha384, sha512)`,
    );
  return { algorithm, hex: m[2] };
}

export interface DownloadedFile {
  url: string;
  /** The directory holding the file: the copy's source root. */
  dir: string;
  /** The file's name in `dir`. */
  name: string;
  /** sha256 of the content, `sha256:…`. */
  digest: string;
  size: number;
  /** From Last-Modified; the epoch without one. */
  mtime: Date;
}

export interface DownloadOptions {
  /** The name the file gets in `dir`. */
  name: string;
  checksum?: Checksum;
  /** For messages: the instruction (`ADD`). */
  what?: string;
  idleTimeoutMs?: number;
}

/** Download `url` into `dir` (created), verifying the checksum when given. */
export async function downloadRemote(
  url: string,
  dir: string,
  opts: DownloadOptions,
): Promise<DownloadedFile> {
  const what = opts.what ?? 'ADD';
  const idle = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  await mkdir(dir, { recursive: true });
  const path = join(dir, opts.name);
  const res = await get(new URL(url), url, what, idle, 0);
  const sha256 = createHash('sha256');
  const extra: Hash | undefined =
    opts.checksum && opts.checksum.algorithm !== 'sha256' ? createHash(opts.checksum.algorithm) : undefined;
  let size = 0;
  try {
    await pipeline(
      res,
      async function* (body: AsyncIterable<Buffer>) {
        for await (const chunk of body) {
          sha256.update(chunk);
          extra?.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
    const expected = Number(res.headers['content-length']);
    if (res.headers['content-length'] !== undefined && Number.isFinite(expected) && expected !== size)
      throw new Error(`the body ended after ${size} of ${expected} bytes`);
  } catch (err) {
    await rm(path, { force: true });
    if (err instanceof BerthError) throw err;
    throw new BerthError('Unavailable', `${what} ${url}: download failed: ${(err as Error).message}`);
  }
  const hex = sha256.digest('hex');
  if (opts.checksum) {
    const got = { algorithm: opts.checksum.algorithm, hex: extra ? extra.digest('hex') : hex };
    if (got.hex !== opts.checksum.hex) {
      await rm(path, { force: true });
      throw new BerthError(
        'DigestMismatch',
        `${what} ${url}: checksum mismatch: expected ${formatChecksum(opts.checksum)}, but the downloaded content is ${formatChecksum(got)}`,
      );
    }
  }
  const lastModified = Date.parse(String(res.headers['last-modified'] ?? ''));
  const mtime = new Date(Number.isNaN(lastModified) ? 0 : lastModified);
  await utimes(path, mtime, mtime);
  return { url, dir, name: opts.name, digest: `sha256:${hex}`, size, mtime };
}

/** GET `url`, following redirects (to http and https only); resolves with a 2xx response. */
function get(
  url: URL,
  original: string,
  what: string,
  idleMs: number,
  hops: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(invalidArgument(`${what} ${original}: redirected to ${url.href}, which is not an http(s) URL`));
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { headers: { 'Accept-Encoding': 'identity', 'User-Agent': 'berth' } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (hops >= MAX_REDIRECTS) {
          reject(
            new BerthError('Unavailable', `${what} ${original}: stopped after ${MAX_REDIRECTS} redirects`),
          );
          return;
        }
        get(new URL(location, url), original, what, idleMs, hops + 1).then(resolve, reject);
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        reject(
          new BerthError(
            status === 404 ? 'NotFound' : 'Unavailable',
            `${what} failed: failed to GET ${original} with status ${status} ${res.statusMessage ?? ''}`.trimEnd(),
          ),
        );
        return;
      }
      resolve(res);
    });
    req.setTimeout(idleMs, () =>
      req.destroy(new Error(`nothing received for ${Math.round(idleMs / 1000)} seconds`)),
    );
    req.on('error', (err) =>
      reject(new BerthError('Unavailable', `${what} ${original}: download failed: ${err.message}`)),
    );
    req.end();
  });
}
