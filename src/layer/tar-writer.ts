// Turns a sequence of layer items (a header, and for regular files the path to
// read the content from) into tar bytes. Small pieces are gathered into larger
// chunks; file content is read a piece at a time, never whole.
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BerthError, fromErrno } from '../util/errors.ts';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from './tar-header.ts';

export interface LayerItem {
  header: TarHeader;
  /** Where a regular file's content is read from; `header.size` bytes exactly. */
  contentPath?: string;
}

const GATHER = 64 * 1024;
const READ_PIECE = 1024 * 1024;

/** A tar stream of the items, with the end-of-archive blocks. */
export function tarStream(items: AsyncIterable<LayerItem>): Readable {
  return Readable.from(tarChunks(items), { objectMode: false });
}

async function* tarChunks(items: AsyncIterable<LayerItem>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const out = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  const add = (b: Buffer) => {
    pending.push(b);
    pendingBytes += b.length;
  };

  for await (const item of items) {
    add(encodeHeader(item.header));
    const size = item.header.type === 'file' ? item.header.size : 0;
    if (size > 0) {
      if (!item.contentPath)
        throw new BerthError('Internal', `layer item ${item.header.name} has no content`);
      for await (const piece of readContent(item.contentPath, size, item.header.name)) {
        if (pendingBytes + piece.length > GATHER && pendingBytes > 0) yield flush();
        if (piece.length >= GATHER) yield piece;
        else add(piece);
      }
      const pad = padding(size);
      if (pad) add(END_OF_ARCHIVE.subarray(0, pad));
    }
    if (pendingBytes >= GATHER) yield flush();
  }
  add(END_OF_ARCHIVE);
  yield flush();
}

/** Exactly `size` bytes of a file, in pieces; a file that shrank while packing is an error. */
async function* readContent(path: string, size: number, name: string): AsyncGenerator<Buffer> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fromErrno(err, `reading ${path} for layer member ${name}`);
  }
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, READ_PIECE));
      const { bytesRead } = await fh.read(buf, 0, buf.length, size - left);
      if (bytesRead === 0) {
        throw new BerthError(
          'Conflict',
          `${path} shrank while it was being packed (layer member ${name}); stop whatever writes it and retry`,
        );
      }
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
