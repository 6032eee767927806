// Shared by the layer tests: temporary directories, a full listing of a tree
// (type, mode, owner, size, mtime, link target, device, xattrs, content hash,
// which names share an inode) to compare trees, and small stream helpers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SysHelper } from './sys-helper.ts';

/** A fresh directory under the system temp dir; `cleanup` removes it (call it in `after`). */
export function tempDir(tag: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `berth-layer-${tag}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface SnapshotOptions {
  /** Leave directory mtimes out (they move whenever a child is added). */
  ignoreDirTimes?: boolean;
  /** Compare mtimes in whole seconds (what a tar keeps). */
  seconds?: boolean;
  /** Leave the top directory's own line out. */
  skipRoot?: boolean;
}

/** One line per entry, sorted; equal trees give equal snapshots. */
export async function snapshot(root: string, opts: SnapshotOptions = {}): Promise<string[]> {
  const sys = new SysHelper();
  const lines: string[] = [];
  const inodes = new Map<string, string>();
  const walk = async (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    const st = lstatSync(abs, { bigint: true });
    const type = st.isDirectory()
      ? 'dir'
      : st.isFile()
        ? 'file'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isCharacterDevice()
            ? 'char'
            : st.isBlockDevice()
              ? 'block'
              : st.isFIFO()
                ? 'fifo'
                : 'other';
    const parts = [rel || '.', type, (st.mode & 0o7777n).toString(8), `${st.uid}:${st.gid}`];
    const mtime = opts.seconds ? (st.mtimeNs / 1_000_000_000n).toString() : st.mtimeNs.toString();
    if (!(type === 'dir' && opts.ignoreDirTimes)) parts.push(`mtime=${mtime}`);
    if (type === 'file') {
      parts.push(
        `size=${st.size}`,
        createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16),
      );
    }
    if (type === 'symlink') parts.push(`-> ${readlinkSync(abs)}`);
    if (type === 'char' || type === 'block') parts.push(`rdev=${st.rdev}`);
    if (type !== 'dir' && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      if (!inodes.has(key)) inodes.set(key, rel);
      parts.push(`inode-of=${inodes.get(key)}`);
    }
    const xattrs = await sys.listXattrs(abs);
    for (const [name, value] of [...xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      parts.push(`xattr ${name}=${value.toString('hex')}`);
    }
    if (!(rel === '' && opts.skipRoot)) lines.push(parts.join(' '));
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) await walk(rel ? `${rel}/${name}` : name);
    }
  };
  try {
    await walk('');
  } finally {
    await sys.close();
  }
  return lines;
}

/** Set whole-second times on a path (so a tar round trip keeps them exactly). */
export function setTime(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

/** Run a command (fed `input` if given); its output as bytes. */
export function run(cmd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync(cmd, args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of the bytes, in small pieces, so parsers see data split at awkward places. */
export function streamOf(data: Buffer, piece = 3001): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) pieces.push(data.subarray(i, i + piece));
  return Readable.from(pieces, { objectMode: false });
}

export const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
