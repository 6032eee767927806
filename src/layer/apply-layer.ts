// Applying a layer tar onto a directory, safely and all-or-nothing.
//
// Whiteouts: 'apply' deletes for real (a flattened rootfs, the vfs way);
// 'overlay' writes overlayfs whiteouts (a 0/0 character device for `.wh.NAME`,
// `trusted.overlay.opaque=y` for `.wh..wh..opq`) so the directory can be an
// overlay lower layer. Either way a whiteout hides only what was there before
// this layer, never what the layer itself wrote, wherever it sits in the tar
// (image-spec layer.md).
//
// Safety: nothing is written outside the target, and nothing is ever written
// through a symlink. Member names are normalized (member-path.ts: leading `/`
// dropped, `..` refused). Every parent directory of a member is checked with
// lstat, inside the target, and a symlink there refuses the layer, whether it
// points in or out: honest layers never need to write through one, and in
// overlay mode a symlink from a lower layer is not even present. The final
// component is never followed either: files are created O_EXCL|O_NOFOLLOW and
// whatever was at the name is replaced. A hardlink's target is resolved the same
// way and must already exist. A symlink's own target is data and may be anything.
// A refused, truncated or corrupt layer rolls back through the undo journal
// (undo-journal.ts), so the target ends exactly as it was (directory times are
// restored to within a microsecond: Node's utimes takes seconds as a double).
//
// Speed: the layer streams through two hashes and the decompressor (zlib
// inflates on libuv's threadpool, in parallel with everything else), and the
// members are written with synchronous calls on the main thread, in order: one
// lstat per new directory (then cached), and open, write, utimes, close per
// file; chown and chmod only when the owner or mode would not already be right.
// Measured against a write queue on the threadpool (16 or 1 files in flight),
// this was faster on both tmpfs and ext4: the per-file calls are short, and the
// hops to and from the threadpool cost more than they overlap. Directory modes
// and times are set at the end, after their children. mknod and xattrs go
// through the helper of sys-helper.ts, only for members that need them.
import {
  type BigIntStats,
  chmodSync,
  closeSync,
  fchmodSync,
  fchownSync,
  constants as fsConstants,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, Digester } from '../oci/digest.ts';
import { BerthError, errnoOf, fromErrno, invalidArgument, isBerthError } from '../util/errors.ts';
import { BlobDigester } from './blob-digester.ts';
import { type Compression, decompressStream } from './compression.ts';
import {
  type MemberPath,
  OPAQUE_WHITEOUT,
  parentOf,
  parseMemberName,
  refused,
  WHITEOUT_PREFIX,
} from './member-path.ts';
import { SysHelper } from './sys-helper.ts';
import type { TarHeader } from './tar-header.ts';
import { TarReader } from './tar-reader.ts';
import { UndoJournal } from './undo-journal.ts';

export type WhiteoutMode = 'apply' | 'overlay';

export interface ApplyOptions {
  whiteouts: WhiteoutMode;
  /** Default 'auto': decided from the first bytes. */
  compression?: Compression | 'auto';
}

export interface ApplyResult {
  /** Digest of the uncompressed tar, to check against the image config's diff_ids. */
  diffId: Digest;
  /** Uncompressed bytes. */
  size: number;
  /** Digest of the bytes as they came in. */
  compressedDigest: Digest;
  compressedSize: number;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_ISGID = 0o2000;
// libuv adds O_CLOEXEC itself.
const CREATE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
/** Content is written in batches of about this size (usually a whole small file at once). */
const WRITE_BATCH = 1024 * 1024;

/** Apply a layer (compressed or not) onto `target`; all or nothing. */
export async function applyLayer(source: Readable, target: string, opts: ApplyOptions): Promise<ApplyResult> {
  if (opts?.whiteouts !== 'apply' && opts?.whiteouts !== 'overlay') {
    throw invalidArgument(`whiteouts must be 'apply' or 'overlay', not ${JSON.stringify(opts?.whiteouts)}`);
  }
  const root = resolveTarget(target);
  const compression = opts.compression ?? 'auto';
  // An uncompressed layer's two digests are one: hash it once (BlobDigester, when detected).
  const raw =
    compression === 'none' ? undefined : compression === 'auto' ? new BlobDigester() : new Digester();
  const tar = new Digester();
  const applier = new LayerApplier(root, opts.whiteouts);
  const apply = async (src: AsyncIterable<Buffer>) => {
    await applier.apply(new TarReader(src));
  };
  try {
    if (raw) await pipeline(source, raw, decompressStream(compression), tar, apply);
    else await pipeline(source, tar, apply);
    await applier.finish();
  } catch (err) {
    await applier.rollback(err);
  } finally {
    await applier.close();
  }
  const diffId = tar.digest();
  return {
    diffId,
    size: tar.size,
    compressedDigest: raw?.digest() ?? diffId,
    compressedSize: raw ? raw.size : tar.size,
  };
}

function resolveTarget(target: string): string {
  let root: string;
  try {
    root = realpathSync(target);
  } catch (err) {
    throw fromErrno(err, `layer target ${target}`);
  }
  if (!lstatSync(root).isDirectory()) throw invalidArgument(`layer target ${target} is not a directory`);
  return root;
}

interface DirState {
  /** Made by this application: everything inside it is the layer's own. */
  created: boolean;
  /** New entries inherit the group (and dirs the bit): ownership must then be set explicitly. */
  setgid: boolean;
  /** Existing directories: how they were, for undo. */
  st?: BigIntStats;
  /** Undo already holds this directory's metadata. */
  saved: boolean;
  /** The layer put something in it (or it is one of the layer's directories). */
  used: boolean;
}

class LayerApplier {
  /** Real directories inside the target that members have been checked against. */
  private readonly dirs = new Map<string, DirState>();
  /** Entries this layer created inside directories that already existed. */
  private readonly owned = new Set<string>();
  /** Directory members, whose metadata is set once all their children are in. */
  private readonly dirFinal = new Map<string, TarHeader>();
  private readonly journal: UndoJournal;
  private readonly sys = new SysHelper();
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;
  private readonly umask = process.umask();

  constructor(
    private readonly root: string,
    private readonly mode: WhiteoutMode,
  ) {
    this.journal = new UndoJournal(root);
    const st = lstatSync(root, { bigint: true });
    this.dirs.set('', {
      created: false,
      setgid: (Number(st.mode) & S_ISGID) !== 0,
      st,
      saved: false,
      used: true,
    });
  }

  async apply(reader: TarReader): Promise<void> {
    for (let h = await reader.next(); h; h = await reader.next()) await this.member(h, reader);
  }

  /** Everything is parsed and created: finish the writes and the directories, drop the undo data. */
  async finish(): Promise<void> {
    for (const [rel, h] of this.dirFinal) {
      const state = this.dirs.get(rel);
      if (!state) continue;
      const abs = this.abs(rel);
      this.save(rel, state);
      lchownSync(abs, h.uid, h.gid);
      chmodSync(abs, h.mode & 0o7777);
      if (h.xattrs) await this.setXattrs(rel, abs, h.xattrs, !state.created);
      lutimesSync(abs, h.mtime, h.mtime);
    }
    await this.journal.commit();
    const rootHeader = this.dirFinal.get('');
    if (rootHeader && this.journal.stagingInside) lutimesSync(this.root, rootHeader.mtime, rootHeader.mtime);
  }

  /** Undo everything and throw the reason, as a BerthError. */
  async rollback(err: unknown): Promise<never> {
    const reason = isBerthError(err) ? err : fromErrno(err, `applying a layer to ${this.root}`);
    const problems = await this.journal.rollback(this.sys);
    if (problems.length) {
      throw new BerthError(
        'Internal',
        `${reason.message}; rolling the target back failed too (${problems.join('; ')}); ` +
          `entries kept for undo are in ${this.journal.stagingPath ?? '(none)'}`,
        { cause: reason },
      );
    }
    throw reason;
  }

  async close(): Promise<void> {
    await this.sys.close();
  }

  // ------------------------------------------------------------ members

  private async member(h: TarHeader, reader: TarReader): Promise<void> {
    const name = h.name;
    const m = parseMemberName(name, name);
    this.checkReachable(m.rel, name);
    if (m.rel === '') {
      if (h.type !== 'dir') throw refused(name, 'it would replace the target directory itself');
      this.dirFinal.set('', h);
      return;
    }
    if (m.parent.split('/').some((part) => part.startsWith(WHITEOUT_PREFIX))) {
      throw refused(name, 'a whiteout name (.wh.*) cannot be a directory');
    }
    if (m.base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(m, name);
    if (h.xattrs) h.xattrs = keptXattrs(h.xattrs);
    switch (h.type) {
      case 'dir':
        return this.directory(m, h);
      case 'file':
        return this.file(m, h, reader);
      case 'symlink':
        return this.symlink(m, h);
      case 'link':
        return this.hardlink(m, h);
      default:
        return this.node(m, h);
    }
  }

  private directory(m: MemberPath, h: TarHeader): void {
    const parent = this.dir(m.parent, h.name, true)!;
    const existing = this.dirs.get(m.rel);
    if (existing) existing.used = true;
    else {
      const st = lstatOrNull(this.abs(m.rel), true);
      if (st?.isDirectory()) {
        this.dirs.set(m.rel, {
          created: false,
          setgid: (Number(st.mode) & S_ISGID) !== 0,
          st,
          saved: false,
          used: true,
        });
      } else {
        if (st) this.removeExisting(m.rel, parent, false);
        this.save(m.parent, parent);
        mkdirSync(this.abs(m.rel), 0o755);
        this.markCreated(m.rel, parent);
        this.dirs.set(m.rel, { created: true, setgid: parent.setgid, saved: true, used: true });
      }
    }
    this.dirFinal.set(m.rel, h);
  }

  private async file(m: MemberPath, h: TarHeader, reader: TarReader): Promise<void> {
    const parent = this.dir(m.parent, h.name, true)!;
    const abs = this.abs(m.rel);
    const mode = h.mode & 0o7777;
    this.save(m.parent, parent);
    let fd: number;
    try {
      fd = openSync(abs, CREATE_FLAGS, mode & 0o777);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw fromErrno(err, `creating ${abs} (layer member ${h.name})`);
      this.removeExisting(m.rel, parent, lstatSync(abs).isDirectory());
      fd = openSync(abs, CREATE_FLAGS, mode & 0o777);
    }
    this.markCreated(m.rel, parent);
    try {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      for (let c = await reader.read(); c; c = await reader.read()) {
        batch.push(c);
        batchBytes += c.length;
        if (batchBytes >= WRITE_BATCH) {
          writeAll(fd, batch);
          batch = [];
          batchBytes = 0;
        }
      }
      writeAll(fd, batch);
      // chown before chmod: chown clears setuid and setgid.
      if (this.needsChown(h, parent)) fchownSync(fd, h.uid, h.gid);
      if ((mode & 0o7000) !== 0 || (mode & this.umask) !== 0) fchmodSync(fd, mode);
      futimesSync(fd, h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
    // After the content and the chown, which would both drop security.capability.
    if (h.xattrs) await this.setXattrs(m.rel, abs, h.xattrs, false);
  }

  private async symlink(m: MemberPath, h: TarHeader): Promise<void> {
    if (!h.linkname) throw refused(h.name, 'it is a symlink with an empty target');
    const parent = this.dir(m.parent, h.name, true)!;
    const abs = this.clear(m, parent);
    symlinkSync(h.linkname, abs);
    this.markCreated(m.rel, parent);
    if (this.needsChown(h, parent)) lchownSync(abs, h.uid, h.gid);
    if (h.xattrs) await this.setXattrs(m.rel, abs, h.xattrs, false);
    lutimesSync(abs, h.mtime, h.mtime);
  }

  private hardlink(m: MemberPath, h: TarHeader): void {
    const link = parseMemberName(h.linkname, h.name, `its hardlink target ${JSON.stringify(h.linkname)}`);
    this.checkReachable(link.rel, h.name);
    if (link.rel === '') throw refused(h.name, 'its hardlink target is the target directory itself');
    const linkParent = this.dir(link.parent, h.name, false);
    const linkAbs = this.abs(link.rel);
    const st = linkParent && lstatOrNull(linkAbs);
    if (!st) throw refused(h.name, `its hardlink target ${JSON.stringify(h.linkname)} does not exist`);
    if (st.isDirectory())
      throw refused(h.name, `its hardlink target ${JSON.stringify(h.linkname)} is a directory`);
    if (link.rel === m.rel) return;
    const parent = this.dir(m.parent, h.name, true)!;
    const abs = this.clear(m, parent);
    // link(2) does not follow a symlink target: the new name shares the symlink's inode.
    linkSync(linkAbs, abs);
    this.markCreated(m.rel, parent);
  }

  /** Devices and fifos. */
  private async node(m: MemberPath, h: TarHeader): Promise<void> {
    const parent = this.dir(m.parent, h.name, true)!;
    const abs = this.clear(m, parent);
    const typeBits = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
    await this.sys.mknod(abs, typeBits | (h.mode & 0o777), h.devmajor, h.devminor);
    this.markCreated(m.rel, parent);
    if (this.needsChown(h, parent)) lchownSync(abs, h.uid, h.gid);
    chmodSync(abs, h.mode & 0o7777);
    if (h.xattrs) await this.setXattrs(m.rel, abs, h.xattrs, false);
    lutimesSync(abs, h.mtime, h.mtime);
  }

  private async whiteout(m: MemberPath, name: string): Promise<void> {
    if (m.base === OPAQUE_WHITEOUT) return this.opaque(m.parent, name);
    const victim = m.base.slice(WHITEOUT_PREFIX.length);
    if (victim === '' || victim === '.' || victim === '..') {
      throw refused(name, 'its whiteout names no entry (or the directory itself, or its parent)');
    }
    const overlay = this.mode === 'overlay';
    // Applying, a whiteout in a directory that is not there has nothing to delete.
    const parent = this.dir(m.parent, name, overlay);
    if (!parent) return;
    const rel = m.parent ? `${m.parent}/${victim}` : victim;
    const abs = this.abs(rel);
    const st = lstatOrNull(abs);
    if (st) {
      if (this.isOwn(rel, parent)) return; // written by this very layer: a whiteout hides only lower ones
      this.removeExisting(rel, parent, st.isDirectory());
    }
    if (overlay) {
      this.save(m.parent, parent);
      await this.sys.mknod(abs, S_IFCHR, 0, 0);
      this.markCreated(rel, parent);
    }
  }

  private async opaque(rel: string, name: string): Promise<void> {
    const overlay = this.mode === 'overlay';
    const state = this.dir(rel, name, overlay);
    if (!state) return;
    if (!state.created) this.prune(rel, state);
    if (overlay) {
      const abs = this.abs(rel);
      if (!state.created)
        this.journal.saveXattr(rel, OPAQUE_XATTR, await this.sys.getXattr(abs, OPAQUE_XATTR));
      await this.sys.setXattr(abs, OPAQUE_XATTR, Buffer.from('y'));
    }
  }

  /** Remove what lower layers left in an existing directory, keeping what this layer wrote. */
  private prune(rel: string, state: DirState): void {
    const abs = this.abs(rel);
    for (const child of readdirSync(abs)) {
      if (rel === '' && child === this.journal.stagingInside) continue;
      const childRel = rel ? `${rel}/${child}` : child;
      if (this.owned.has(childRel)) continue;
      const childState = this.dirs.get(childRel);
      if (childState?.used) {
        this.prune(childRel, childState);
        continue;
      }
      this.removeExisting(childRel, state, lstatSync(`${abs}/${child}`).isDirectory());
    }
  }

  // ------------------------------------------------------------ the tree

  /**
   * The real directory at `rel`, checked component by component without following
   * symlinks; created (as the layer's own) when missing and `create` is set.
   * Without `create`, undefined when it is not there.
   */
  private dir(rel: string, member: string, create: true): DirState;
  private dir(rel: string, member: string, create: boolean): DirState | undefined;
  private dir(rel: string, member: string, create: boolean): DirState | undefined {
    const cached = this.dirs.get(rel);
    if (cached) {
      if (create) cached.used = true;
      return cached;
    }
    const parentRel = parentOf(rel);
    const parent = this.dir(parentRel, member, create);
    if (!parent) return undefined;
    const abs = this.abs(rel);
    const st = lstatOrNull(abs, true);
    let state: DirState;
    if (!st) {
      if (!create) return undefined;
      this.save(parentRel, parent);
      mkdirSync(abs, 0o755);
      this.markCreated(rel, parent);
      state = { created: true, setgid: parent.setgid, saved: true, used: true };
    } else if (st.isDirectory()) {
      state = { created: false, setgid: (Number(st.mode) & S_ISGID) !== 0, st, saved: false, used: create };
    } else if (st.isSymbolicLink()) {
      throw refused(
        member,
        `its path goes through the symlink ${JSON.stringify(rel)}, and berth never writes through symlinks`,
      );
    } else if (create) {
      throw refused(member, `its parent ${JSON.stringify(rel)} is not a directory`);
    } else {
      return undefined;
    }
    this.dirs.set(rel, state);
    return state;
  }

  /** Make room for a non-directory at m.rel; returns its absolute path. */
  private clear(m: MemberPath, parent: DirState): string {
    const abs = this.abs(m.rel);
    const st = lstatOrNull(abs);
    if (st) this.removeExisting(m.rel, parent, st.isDirectory());
    this.save(m.parent, parent);
    return abs;
  }

  /** Take away whatever is at rel: this layer's own is deleted, anything older is kept for undo. */
  private removeExisting(rel: string, parent: DirState, isDir: boolean): void {
    const abs = this.abs(rel);
    if (this.isOwn(rel, parent)) {
      if (isDir) rmSync(abs, { recursive: true, force: true });
      else unlinkSync(abs);
    } else {
      this.save(parentOf(rel), parent);
      this.journal.moveAside(rel);
    }
    if (isDir) this.forget(rel);
  }

  private isOwn(rel: string, parent: DirState): boolean {
    return parent.created || this.owned.has(rel);
  }

  /** A new entry now exists at rel. */
  private markCreated(rel: string, parent: DirState): void {
    if (parent.created || this.owned.has(rel)) return;
    this.owned.add(rel);
    this.journal.created(rel);
  }

  /** Keep an existing directory's metadata for undo, once, before it changes. */
  private save(rel: string, state: DirState): void {
    if (state.saved || state.created || !state.st) return;
    this.journal.saveDirMeta(rel, state.st);
    state.saved = true;
  }

  /** A directory at rel is gone: forget what was known about it and below. */
  private forget(rel: string): void {
    const prefix = `${rel}/`;
    for (const map of [this.dirs, this.dirFinal] as Map<string, unknown>[]) {
      for (const key of map.keys()) if (key === rel || key.startsWith(prefix)) map.delete(key);
    }
  }

  private checkReachable(rel: string, member: string): void {
    const staging = this.journal.stagingInside;
    if (staging && (rel === staging || rel.startsWith(`${staging}/`))) {
      throw refused(member, 'it names berth’s own undo directory');
    }
  }

  private needsChown(h: TarHeader, parent: DirState): boolean {
    return h.uid !== this.uid || h.gid !== this.gid || parent.setgid;
  }

  private async setXattrs(
    rel: string,
    abs: string,
    xattrs: Map<string, Buffer>,
    keepOld: boolean,
  ): Promise<void> {
    for (const [name, value] of xattrs) {
      if (keepOld) this.journal.saveXattr(rel, name, await this.sys.getXattr(abs, name));
      await this.sys.setXattr(abs, name, value);
    }
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }
}

/** overlayfs's own xattrs steer the kernel (redirects, opaque dirs): a layer may not set them. */
function keptXattrs(xattrs: Map<string, Buffer>): Map<string, Buffer> | undefined {
  const kept = new Map([...xattrs].filter(([name]) => !/^(trusted|user)\.overlay\./.test(name)));
  return kept.size ? kept : undefined;
}

function lstatOrNull(path: string): Stats | null;
function lstatOrNull(path: string, bigint: true): BigIntStats | null;
function lstatOrNull(path: string, bigint = false): Stats | BigIntStats | null {
  try {
    return lstatSync(path, { bigint });
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return null;
    throw err;
  }
}

function writeAll(fd: number, chunks: Buffer[]): void {
  let rest = chunks;
  while (rest.length) {
    let n = writevSync(fd, rest);
    let i = 0;
    while (i < rest.length && n >= rest[i].length) n -= rest[i++].length;
    rest = rest.slice(i);
    if (n > 0) rest[0] = rest[0].subarray(n);
  }
}
