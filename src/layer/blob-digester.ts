// The digest of a layer blob as it passes, for a layer whose compression is
// detected from its first bytes. A plain tar's blob digest is its diff ID, which
// is hashed anyway after decompression: hashing it here too would read every
// byte twice, so this hashes only once its first bytes show a compressed blob.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Digest } from '../oci/digest.ts';
import { detectCompression } from './compression.ts';

export class BlobDigester extends Transform {
  size = 0;
  private hash: Hash | undefined;
  private head: Buffer[] | undefined = [];
  private headBytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.size += chunk.length;
    if (this.head) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= 4) this.decide();
    } else this.hash?.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback) {
    if (this.head) this.decide();
    cb();
  }

  /** Whether the blob is compressed (known once 4 bytes, or the whole blob, went by). */
  get compressed(): boolean {
    return this.hash !== undefined;
  }

  /** The blob's digest when it was compressed; undefined for a plain tar (use the diff ID). */
  digest(): Digest | undefined {
    return this.hash ? (`sha256:${this.hash.digest('hex')}` as Digest) : undefined;
  }

  private decide(): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = undefined;
    if (detectCompression(head) !== 'none') this.hash = createHash('sha256').update(head);
  }
}
