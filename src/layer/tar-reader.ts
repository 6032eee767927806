// A pull-based tar reader over a stream of chunks: `next()` gives the next
// member's header (PAX and GNU long names applied), `read()` gives its content a
// piece at a time, without copying (pieces are views of the incoming chunks).
// The archive must end with its end-of-archive block: a stream that stops early,
// even on a member boundary, is reported as truncated.
import { invalidArgument } from '../util/errors.ts';
import {
  applyPax,
  BLOCK,
  decodeHeader,
  decodePaxRecords,
  decodeUtf8,
  isZeroBlock,
  padding,
  type TarHeader,
} from './tar-header.ts';

const EMPTY = Buffer.alloc(0);
// Metadata records (PAX, GNU long names) are small; a huge one is an attack or garbage.
const MAX_META_SIZE = 1 << 20;

export class TarReader {
  private readonly source: AsyncIterator<Buffer>;
  private chunk: Buffer = EMPTY;
  private off = 0;
  private sourceDone = false;
  /** Content bytes of the current member not yet handed out. */
  private remaining = 0;
  /** Padding after the current member's content. */
  private pad = 0;
  private finished = false;
  private globalPax: Map<string, Buffer> | undefined;
  /** Bytes consumed, for error messages. */
  private offset = 0;
  /** The last member's name, for error messages. */
  private lastName: string | undefined;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** The next member, or null after the end-of-archive block. */
  async next(): Promise<TarHeader | null> {
    if (this.finished) return null;
    await this.skip(this.remaining + this.pad);
    this.remaining = 0;
    this.pad = 0;

    let pax: Map<string, Buffer> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const where = this.where();
      const block = await this.take(BLOCK);
      if (!block) {
        throw invalidArgument(
          this.offset === 0
            ? 'layer is empty: it holds no tar archive'
            : `layer is truncated: it ends ${where} without the tar end-of-archive block`,
        );
      }
      if (isZeroBlock(block)) {
        if (pax || longName || longLink)
          throw invalidArgument(`layer is truncated: metadata ${where} has no member`);
        this.finished = true;
        await this.drain();
        return null;
      }
      const h = decodeHeader(block, where);
      if (h.flag === 'x' || h.flag === 'g' || h.flag === 'L' || h.flag === 'K') {
        if (h.size > MAX_META_SIZE)
          throw invalidArgument(`layer has an oversized tar metadata record ${where}`);
        const body = await this.take(h.size + padding(h.size));
        if (!body) throw invalidArgument(`layer is truncated inside a tar metadata record ${where}`);
        const data = body.subarray(0, h.size);
        if (h.flag === 'x') pax = decodePaxRecords(data, where);
        else if (h.flag === 'g') this.globalPax = decodePaxRecords(data, where);
        else {
          const nul = data.indexOf(0);
          const text = decodeUtf8(data.subarray(0, nul === -1 ? data.length : nul), where);
          if (h.flag === 'L') longName = text;
          else longLink = text;
        }
        continue;
      }
      if (longName !== undefined) h.name = longName;
      if (longLink !== undefined) h.linkname = longLink;
      if (this.globalPax) applyPax(h, this.globalPax, where);
      if (pax) applyPax(h, pax, where);
      // Only regular files have data blocks; for every other type the size field is
      // ignored, as Go's archive/tar (which reads Docker's layers) ignores it.
      if (h.type !== 'file') h.size = 0;
      this.remaining = h.size;
      this.pad = padding(h.size);
      this.lastName = h.name;
      const { flag: _flag, ...header } = h;
      return header;
    }
  }

  /** The next piece of the current member's content, or null when it is all read. */
  async read(): Promise<Buffer | null> {
    if (this.remaining === 0) return null;
    if (this.off === this.chunk.length && !(await this.pull())) {
      throw invalidArgument(
        `layer is truncated: it ends inside the content of member ${JSON.stringify(this.lastName)}`,
      );
    }
    const n = Math.min(this.remaining, this.chunk.length - this.off);
    const piece = this.chunk.subarray(this.off, this.off + n);
    this.off += n;
    this.remaining -= n;
    this.offset += n;
    return piece;
  }

  private where(): string {
    return this.lastName === undefined
      ? `at byte ${this.offset}`
      : `at byte ${this.offset} (after member ${JSON.stringify(this.lastName)})`;
  }

  private async pull(): Promise<boolean> {
    if (this.sourceDone) return false;
    for (;;) {
      const r = await this.source.next();
      if (r.done) {
        this.sourceDone = true;
        return false;
      }
      if (r.value.length === 0) continue;
      this.chunk = r.value;
      this.off = 0;
      return true;
    }
  }

  /** Exactly n bytes (a view when they sit in one chunk), or null if the stream ends first. */
  private async take(n: number): Promise<Buffer | null> {
    if (this.chunk.length - this.off >= n) {
      const b = this.chunk.subarray(this.off, this.off + n);
      this.off += n;
      this.offset += n;
      return b;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      if (this.off === this.chunk.length && !(await this.pull())) return null;
      const k = Math.min(n - got, this.chunk.length - this.off);
      this.chunk.copy(out, got, this.off, this.off + k);
      this.off += k;
      got += k;
    }
    this.offset += n;
    return out;
  }

  private async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.off === this.chunk.length && !(await this.pull())) {
        throw invalidArgument(`layer is truncated: it ends inside member ${JSON.stringify(this.lastName)}`);
      }
      const k = Math.min(n, this.chunk.length - this.off);
      this.off += k;
      this.offset += k;
      n -= k;
    }
  }

  /** Read to the end of the stream: the rest (usually zeros) still counts in the layer's digest. */
  private async drain(): Promise<void> {
    this.chunk = EMPTY;
    this.off = 0;
    while (await this.pull()) this.chunk = EMPTY;
  }
}
