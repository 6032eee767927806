// The tar header format (POSIX ustar plus PAX extended records, and reading GNU
// long names), both ways, binary-safe. berth codes tar itself rather than going
// through tar-stream because layers carry binary xattr values in PAX records
// (`SCHILY.xattr.security.capability` is a binary struct): tar-stream decodes and
// encodes PAX values as UTF-8 strings, which corrupts them, and it cannot tell a
// tar that stops at a member boundary from a complete one.
//
// Writing is deterministic: no uname/gname, no atime/ctime, a fixed name for the
// PAX header block, PAX records in sorted key order, ustar fields whenever they
// can hold the value exactly.

import { invalidArgument } from '../util/errors.ts';

export const BLOCK = 512;

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  /** As stored; a directory's name ends with `/` when written by berth. */
  name: string;
  type: TarEntryType;
  /** Permission and special bits (0o7777), no file type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content; 0 for everything but regular files. */
  size: number;
  /** Seconds since the epoch; fractional only when a PAX record said so. */
  mtime: number;
  /** Symlink target, or the member a hardlink points to. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes (PAX `SCHILY.xattr.*`), raw values. */
  xattrs?: Map<string, Buffer>;
}

/** A header block as read, before PAX and GNU long-name records are applied. */
export interface RawHeader extends TarHeader {
  /** The raw typeflag character; metadata types ('x', 'g', 'L', 'K') are not entries. */
  flag: string;
}

const TYPE_FLAG: Record<TarEntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

const FLAG_TYPE: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file everywhere that matters
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Typeflags that carry metadata for the next header rather than an entry of their own. */
export const META_FLAGS = new Set(['x', 'g', 'L', 'K']);

const USTAR_MAGIC = Buffer.from('ustar\x0000', 'latin1');
const OCTAL_LIMIT_8 = 0o7777777; // largest value of an 8-byte octal field
const OCTAL_LIMIT_12 = 0o77777777777; // largest value of a 12-byte octal field

// ---------------------------------------------------------------- writing

/** The header block(s) for one entry: a PAX header first when ustar cannot hold the values. */
export function encodeHeader(h: TarHeader): Buffer {
  const pax = new Map<string, Buffer>();
  const split = splitUstarName(h.name);
  if (!split) pax.set('path', Buffer.from(h.name, 'utf8'));
  if (h.linkname && (!isAscii(h.linkname) || h.linkname.length > 100)) {
    pax.set('linkpath', Buffer.from(h.linkname, 'utf8'));
  }
  if (h.uid > OCTAL_LIMIT_8 || h.uid < 0) pax.set('uid', Buffer.from(String(h.uid)));
  if (h.gid > OCTAL_LIMIT_8 || h.gid < 0) pax.set('gid', Buffer.from(String(h.gid)));
  if (h.size > OCTAL_LIMIT_12) pax.set('size', Buffer.from(String(h.size)));
  const wholeMtime = Math.floor(h.mtime);
  if (wholeMtime !== h.mtime || h.mtime < 0 || h.mtime > OCTAL_LIMIT_12) {
    pax.set('mtime', Buffer.from(formatPaxTime(h.mtime)));
  }
  if (h.xattrs) {
    for (const [name, value] of h.xattrs) pax.set(`SCHILY.xattr.${name}`, value);
  }

  const block = ustarBlock({
    name: split ? split.name : asciiPrefix(h.name, 100),
    prefix: split ? split.prefix : '',
    flag: TYPE_FLAG[h.type],
    mode: h.mode & 0o7777,
    uid: clampOctal(h.uid, OCTAL_LIMIT_8),
    gid: clampOctal(h.gid, OCTAL_LIMIT_8),
    size: clampOctal(h.size, OCTAL_LIMIT_12),
    mtime: clampOctal(wholeMtime, OCTAL_LIMIT_12),
    linkname: pax.has('linkpath') ? asciiPrefix(h.linkname, 100) : h.linkname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  });
  if (pax.size === 0) return block;

  const records = encodePaxRecords(pax);
  const paxBlock = ustarBlock({
    name: 'PaxHeader',
    prefix: '',
    flag: 'x',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxBlock, records, Buffer.alloc(padding(records.length)), block]);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Zero bytes that round `size` up to a whole block. */
export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

interface UstarFields {
  name: string;
  prefix: string;
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function ustarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, 'latin1');
  writeOctal(b, 100, 8, f.mode);
  writeOctal(b, 108, 8, f.uid);
  writeOctal(b, 116, 8, f.gid);
  writeOctal(b, 124, 12, f.size);
  writeOctal(b, 136, 12, f.mtime);
  b.write(f.flag, 156, 1, 'latin1');
  b.write(f.linkname, 157, 100, 'latin1');
  USTAR_MAGIC.copy(b, 257);
  writeNumber(b, 329, 8, f.devmajor);
  writeNumber(b, 337, 8, f.devminor);
  b.write(f.prefix, 345, 155, 'latin1');
  b.fill(0x20, 148, 156);
  writeOctal(b, 148, 7, checksum(b));
  return b;
}

/** ustar's name/prefix split, or undefined when the name needs a PAX `path` record. */
function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return { name, prefix: '' };
  // The split point must be a slash that leaves at most 155 bytes before it and 100 after.
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    if (i > 155) break;
    if (name.length - i - 1 <= 100 && i > 0 && i < name.length - 1) {
      return { prefix: name.slice(0, i), name: name.slice(i + 1) };
    }
  }
  return undefined;
}

const isAscii = (s: string) => /^[\x01-\x7f]*$/.test(s);
const asciiPrefix = (s: string, n: number) => s.replace(/[^\x01-\x7f]/g, '_').slice(0, n);
const clampOctal = (v: number, limit: number) => (v < 0 ? 0 : Math.min(v, limit));

function writeOctal(b: Buffer, off: number, len: number, value: number) {
  b.write(value.toString(8).padStart(len - 1, '0'), off, len - 1, 'latin1');
}

/** Octal when it fits, GNU base-256 otherwise (device numbers have no PAX record). */
function writeNumber(b: Buffer, off: number, len: number, value: number) {
  if (value <= OCTAL_LIMIT_8) return writeOctal(b, off, len, value);
  let v = value;
  for (let i = off + len - 1; i > off; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  b[off] = 0x80;
}

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i];
  return sum;
}

function formatPaxTime(t: number): string {
  const s = t.toFixed(9).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** PAX records `"<len> <key>=<value>\n"`, sorted by key, values as raw bytes. */
export function encodePaxRecords(records: Map<string, Buffer>): Buffer {
  const keys = [...records.keys()].sort(compareBytes);
  const parts: Buffer[] = [];
  for (const key of keys) {
    const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), records.get(key)!, Buffer.from('\n')]);
    // The length prefix counts its own digits.
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len), 'latin1'), body);
  }
  return Buffer.concat(parts);
}

/** Order strings by their UTF-8 bytes, as tar names are compared. */
export function compareBytes(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---------------------------------------------------------------- reading

export const isZeroBlock = (b: Buffer) => {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
};

/**
 * Decode one 512-byte header block. Throws InvalidArgument when the block is not a
 * tar header (bad checksum): the stream is not a tar, or it is corrupt there.
 */
export function decodeHeader(b: Buffer, where: string): RawHeader {
  const stored = parseOctal(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) {
    throw invalidArgument(
      `layer is not a valid tar archive: the header ${where} has a bad checksum ` +
        '(the data is corrupt, or it is compressed in a way berth did not detect)',
    );
  }
  const flag = String.fromCharCode(b[156]);
  const isUstar = b.toString('latin1', 257, 263) === 'ustar\0';
  let name = decodeName(b, 0, 100, where);
  if (isUstar && b[345] !== 0) name = `${decodeName(b, 345, 155, where)}/${name}`;
  let type = FLAG_TYPE[flag];
  // Pre-POSIX tars mark directories only with a trailing slash.
  if (type === 'file' && name.endsWith('/')) type = 'dir';
  if (!type && !META_FLAGS.has(flag)) {
    throw invalidArgument(
      `layer member ${JSON.stringify(name)} has tar type ${JSON.stringify(flag)}, which berth does not support ` +
        '(only files, directories, links, devices and fifos belong in an image layer)',
    );
  }
  return {
    flag,
    name,
    type: type ?? 'file',
    mode: parseNumber(b, 100, 8) & 0o7777,
    uid: parseNumber(b, 108, 8),
    gid: parseNumber(b, 116, 8),
    size: parseNumber(b, 124, 12),
    mtime: parseNumber(b, 136, 12),
    linkname: decodeName(b, 157, 100, where),
    devmajor: parseNumber(b, 329, 8),
    devminor: parseNumber(b, 337, 8),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A NUL-terminated name field; names must be UTF-8 (berth's paths are strings). */
function decodeName(b: Buffer, off: number, len: number, where: string): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return decodeUtf8(b.subarray(off, end), where);
}

export function decodeUtf8(bytes: Buffer, where: string): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      try {
        return utf8.decode(bytes);
      } catch {
        throw invalidArgument(`layer member name ${where} is not valid UTF-8; berth cannot represent it`);
      }
    }
  }
  return bytes.toString('latin1');
}

function parseOctal(b: Buffer, off: number, len: number): number {
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(b: Buffer, off: number, len: number): number {
  if ((b[off] & 0x80) === 0) return parseOctal(b, off, len);
  const negative = (b[off] & 0x40) !== 0;
  let v = b[off] & 0x3f;
  for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
  return negative ? v - 2 ** (8 * len - 2) : v;
}

/** PAX records as raw key → value bytes (values may be binary: xattrs). */
export function decodePaxRecords(buf: Buffer, where: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // some writers pad the record block with NULs
    const space = buf.indexOf(0x20, off);
    const len = Number.parseInt(buf.toString('latin1', off, space), 10);
    if (
      space === -1 ||
      !Number.isSafeInteger(len) ||
      len <= 0 ||
      off + len > buf.length ||
      buf[off + len - 1] !== 0x0a
    ) {
      throw invalidArgument(`layer has a malformed PAX extended header ${where}`);
    }
    const record = buf.subarray(space + 1, off + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw invalidArgument(`layer has a malformed PAX record ${where}`);
    out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    off += len;
  }
  return out;
}

/** Overlay PAX records (global ones first, then the entry's own) onto a raw header. */
export function applyPax(h: RawHeader, pax: Map<string, Buffer>, where: string): void {
  for (const [key, value] of pax) {
    switch (key) {
      case 'path':
        h.name = decodeUtf8(value, where);
        break;
      case 'linkpath':
        h.linkname = decodeUtf8(value, where);
        break;
      case 'size':
      case 'uid':
      case 'gid': {
        const n = Number(value.toString('latin1'));
        if (!Number.isSafeInteger(n) || n < 0)
          throw invalidArgument(`layer has a bad PAX ${key} record ${where}`);
        h[key] = n;
        break;
      }
      case 'mtime': {
        const n = Number(value.toString('latin1'));
        if (!Number.isFinite(n)) throw invalidArgument(`layer has a bad PAX mtime record ${where}`);
        h.mtime = n;
        break;
      }
      default:
        if (key.startsWith('SCHILY.xattr.')) {
          h.xattrs ??= new Map();
          h.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
        } else if (key.startsWith('GNU.sparse.')) {
          throw invalidArgument(`layer member ${where} is a GNU sparse file, which berth does not support`);
        }
    }
  }
}
