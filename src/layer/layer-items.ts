// From files on disk to layer items (tar headers), the same way for packing a
// directory and for both kinds of diff, so equal trees give equal bytes:
// no user or group names, no atime or ctime, mtime in whole seconds (clamped to
// SOURCE_DATE_EPOCH when one is given), and a file's second and later names
// (same device and inode) as hardlinks to the first name emitted.
//
// xattrs are packed except overlayfs's own (`trusted.overlay.*`,
// `user.overlay.*`: kernel bookkeeping of the upper directory), SELinux labels
// (`security.selinux`: the host's policy, not the image's) and `system.*` (ACLs,
// which need filesystem support to restore); `security.capability` is kept.
// Sockets cannot be represented in tar and are left out.
import type { BigIntStats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { fromErrno } from '../util/errors.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './member-path.ts';
import type { TarEntryType, TarHeader } from './tar-header.ts';
import type { LayerItem } from './tar-writer.ts';

export interface PackOptions {
  /** Clamp every mtime to at most this many seconds since the epoch (reproducible builds). */
  sourceDateEpoch?: number;
  /** Read and pack xattrs (default true); false skips the helper process entirely. */
  xattrs?: boolean;
}

const S_IFMT = 0o170000;
// (A Map, not an object literal: biome's formatter rewrites octal property keys wrongly.)
const TYPES = new Map<number, TarEntryType>([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o020000, 'char'],
  [0o060000, 'block'],
  [0o010000, 'fifo'],
]);

export const fileTypeOf = (st: BigIntStats): TarEntryType | undefined => TYPES.get(Number(st.mode) & S_IFMT);

export function packableXattrs(all: Map<string, Buffer> | undefined): Map<string, Buffer> | undefined {
  if (!all || all.size === 0) return undefined;
  const kept = new Map<string, Buffer>();
  for (const [name, value] of all) {
    if (/^(trusted|user)\.overlay\./.test(name) || name === 'security.selinux' || name.startsWith('system.'))
      continue;
    kept.set(name, value);
  }
  return kept.size ? kept : undefined;
}

export class ItemBuilder {
  /** `dev:ino` of multiply-linked inodes already emitted → their first name. */
  private readonly firstNames = new Map<string, string>();
  private readonly epoch: number | undefined;

  constructor(opts: PackOptions = {}) {
    if (opts.sourceDateEpoch !== undefined && !Number.isFinite(opts.sourceDateEpoch)) {
      throw new TypeError('sourceDateEpoch must be a number of seconds');
    }
    this.epoch = opts.sourceDateEpoch === undefined ? undefined : Math.floor(opts.sourceDateEpoch);
  }

  /** The item for a file at `rel` (relative, no leading `./`), or undefined for a socket. */
  async item(
    rel: string,
    abs: string,
    st: BigIntStats,
    xattrs?: Map<string, Buffer>,
  ): Promise<LayerItem | undefined> {
    const type = fileTypeOf(st);
    if (!type) return undefined;
    const header: TarHeader = {
      name: type === 'dir' ? `${rel}/` : rel,
      type,
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: 0,
      mtime: this.clamp(floorSeconds(st.mtimeNs)),
      linkname: '',
      devmajor: 0,
      devminor: 0,
      xattrs: packableXattrs(xattrs),
    };
    if (type !== 'dir' && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.firstNames.get(key);
      if (first !== undefined)
        return { header: { ...header, type: 'link', linkname: first, xattrs: undefined } };
      this.firstNames.set(key, rel);
    }
    switch (type) {
      case 'file':
        header.size = Number(st.size);
        return { header, contentPath: abs };
      case 'symlink':
        try {
          header.linkname = await readlink(abs);
        } catch (err) {
          throw fromErrno(err, `reading symlink ${abs}`);
        }
        return { header };
      case 'char':
      case 'block':
        header.devmajor = Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & ~0xfffn));
        header.devminor = Number((st.rdev & 0xffn) | ((st.rdev >> 12n) & ~0xffn));
        return { header };
      default:
        return { header };
    }
  }

  /** `.wh.NAME` in NAME's directory: NAME was deleted. */
  whiteout(rel: string): LayerItem {
    const slash = rel.lastIndexOf('/');
    const name = `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`;
    return { header: this.marker(name) };
  }

  /** `DIR/.wh..wh..opq`: nothing of DIR from lower layers shows through. */
  opaque(dirRel: string): LayerItem {
    return { header: this.marker(dirRel ? `${dirRel}/${OPAQUE_WHITEOUT}` : OPAQUE_WHITEOUT) };
  }

  private marker(name: string): TarHeader {
    return {
      name,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 0,
      mtime: this.clamp(0),
      linkname: '',
      devmajor: 0,
      devminor: 0,
    };
  }

  private clamp(mtime: number): number {
    return this.epoch !== undefined && mtime > this.epoch ? this.epoch : mtime;
  }
}

function floorSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  return Number(ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s);
}

export const joinRel = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);
