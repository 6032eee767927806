// Layer compression: gzip both ways through Node's zlib; zstd reading through
// fzstd (pure JS; Node 20's zlib has no zstd). Writing zstd is not supported.
// Every decompressor reports bad data as InvalidArgument, naming the format.
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip, type Gunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Compression } from '../oci/media-types.ts';
import { BerthError, invalidArgument } from '../util/errors.ts';

export type { Compression };

// Larger pieces than zlib's 16 KiB default: fewer chunks to hash, parse and write.
const CHUNK = 128 * 1024;

/** The compression of a blob from its first bytes (at least 4): gzip 1f 8b, zstd 28 b5 2f fd. */
export function detectCompression(firstBytes: Uint8Array): Compression {
  const b = firstBytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  return 'none';
}

/** A transform that compresses. Deterministic: the gzip header carries no name and no time. */
export function compressStream(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      return createGzip({ chunkSize: CHUNK });
    case 'none':
      return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
    case 'zstd':
      throw new BerthError(
        'NotImplemented',
        'berth cannot write zstd layers yet: Node 20 has no zstd compressor (fzstd only decompresses); use gzip',
      );
    default:
      throw invalidArgument(`unknown compression ${JSON.stringify(kind)}: want gzip, zstd or none`);
  }
}

/** A transform that decompresses; 'auto' decides from the first bytes. */
export function decompressStream(kind: Compression | 'auto'): Transform {
  if (kind !== 'auto' && kind !== 'gzip' && kind !== 'zstd' && kind !== 'none') {
    throw invalidArgument(`unknown compression ${JSON.stringify(kind)}: want auto, gzip, zstd or none`);
  }
  return new Decompressor(kind);
}

/**
 * Buffers the first 4 bytes when asked to detect, then runs the chosen inner
 * decoder. Backpressure holds: a chunk is acknowledged only once the inner
 * decoder has taken it, and Transform stops feeding while our output is full.
 */
class Decompressor extends Transform {
  private kind: Compression | 'auto';
  private head: Buffer[] = [];
  private headBytes = 0;
  private gunzip: Gunzip | undefined;
  private zstd: Decompress | undefined;

  constructor(kind: Compression | 'auto') {
    super({ readableHighWaterMark: 4 * CHUNK });
    this.kind = kind;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    if (this.kind === 'auto') {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < 4) return cb();
      const all = Buffer.concat(this.head);
      this.head = [];
      this.choose(detectCompression(all));
      return this.feed(all, cb);
    }
    if (!this.gunzip && !this.zstd && this.kind !== 'none') this.choose(this.kind);
    this.feed(chunk, cb);
  }

  override _flush(cb: TransformCallback) {
    if (this.kind === 'auto') {
      // Fewer than 4 bytes in all: not compressed (and not a tar either; the reader says so).
      const all = Buffer.concat(this.head);
      this.choose(detectCompression(all));
      if (all.length) this.push(all);
      return cb();
    }
    if (this.gunzip) {
      const g = this.gunzip;
      g.once('end', () => cb());
      g.end();
      return;
    }
    if (this.zstd) {
      try {
        this.zstd.push(new Uint8Array(0), true);
      } catch (err) {
        return cb(zstdError(err));
      }
    }
    cb();
  }

  private choose(kind: Compression) {
    this.kind = kind;
    if (kind === 'gzip') {
      const g = createGunzip({ chunkSize: CHUNK });
      g.on('data', (d: Buffer) => this.push(d));
      g.on('error', (err) => this.destroy(invalidArgument(`layer is not valid gzip data: ${err.message}`)));
      this.gunzip = g;
    } else if (kind === 'zstd') {
      this.zstd = new Decompress((data) => {
        if (data.length) this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      });
    }
  }

  private feed(chunk: Buffer, cb: TransformCallback) {
    if (this.gunzip) {
      if (this.gunzip.write(chunk)) cb();
      else this.gunzip.once('drain', () => cb());
      return;
    }
    if (this.zstd) {
      try {
        this.zstd.push(chunk);
      } catch (err) {
        return cb(zstdError(err));
      }
      return cb();
    }
    cb(null, chunk);
  }
}

const zstdError = (err: unknown) =>
  invalidArgument(`layer is not valid zstd data: ${err instanceof Error ? err.message : String(err)}`);
