// A docker-archive names no media types, so a layer file's own first bytes
// decide whether the manifest made for it says tar, tar+gzip or tar+zstd. The
// bytes are caught as the file streams into the store, so nothing is read twice.
import { Transform, type TransformCallback } from 'node:stream';
import { detectCompression } from '../../layer/index.ts';
import type { Compression } from '../../oci/media-types.ts';

/** The longest magic number detectCompression looks at (zstd's). */
const SNIFF_LENGTH = 4;

/** A pass-through stream that keeps the first bytes that go through it. */
export class HeadSniffer extends Transform {
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    if (this.head.length < SNIFF_LENGTH) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_LENGTH - this.head.length)]);
    }
    cb(null, chunk);
  }

  /** The compression the first bytes show; valid once the stream has ended. */
  compression(): Compression {
    return detectCompression(this.head);
  }
}
