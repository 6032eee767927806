// Content digests: `algorithm:hex`, sha256 and sha512, as OCI image-spec defines
// them. A Digester hashes while a stream passes through, so nothing is buffered.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError } from '../util/errors.ts';

export type Digest = `${'sha256' | 'sha512'}:${string}`;
export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
// The grammar of image-spec's descriptor.md; only registered algorithms are accepted.
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export function isDigest(s: string): s is Digest {
  const m = DIGEST_RE.exec(s);
  if (!m) return false;
  const len = HEX_LENGTH[m[1] as DigestAlgorithm];
  return len !== undefined && m[2].length === len && /^[a-f0-9]+$/.test(m[2]);
}

/** Parse and validate a digest string; `what` names it in the error. */
export function parseDigest(s: string, what = 'digest'): Digest {
  if (!isDigest(s)) {
    throw new BerthError(
      'InvalidArgument',
      `invalid ${what} "${s}": want sha256:<64 hex> or sha512:<128 hex>`,
    );
  }
  return s;
}

export const algorithmOf = (d: Digest) => d.slice(0, d.indexOf(':')) as DigestAlgorithm;
export const hexOf = (d: Digest) => d.slice(d.indexOf(':') + 1);

export function digestOf(data: string | Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` as Digest;
}

/** A pass-through stream that counts and hashes the bytes that go through it. */
export class Digester extends Transform {
  readonly algorithm: DigestAlgorithm;
  size = 0;
  private readonly hash: Hash;
  private result?: Digest;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }

  /** The digest of everything seen; only valid once the stream has ended. */
  digest(): Digest {
    this.result ??= `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
    return this.result;
  }
}

/** Short form used in tables: the first 12 hex characters. */
export const shortId = (d: string) => (d.includes(':') ? d.slice(d.indexOf(':') + 1) : d).slice(0, 12);
