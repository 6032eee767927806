// `docker diff`: what a container changed in its filesystem, read from its writable
// layer, for a running container as for a stopped one, in Docker's terms and order.
//
// overlay: every entry of the upper directory is a change. A whiteout (a 0/0
// character device) and an opaque directory that hides one of the image's are
// deletions (D); an entry the image's layers have too is a modification (C), except a
// directory whose mode, size and time are as they were (only copied up on the way to
// something below it); anything else is an addition (A). vfs: the container's full
// copy is compared with the image's, as Docker's naive differ compares them (directory
// times and sizes are not changes). Either way the directory of an addition or
// deletion is reported modified, before it, once.
//
// Docker keeps the mountpoints the runtime needs (/proc, /sys, /dev, the hostname,
// hosts and resolv.conf files) in a hidden layer under the container's, so they never
// show. berth's runtime makes them in the container layer itself when the image lacks
// them; such empty mountpoints (and directories made only to hold them) are left out
// here and of commits, and the times of their directories are not taken as changes.
//
// The container's own layer is walked descriptor by descriptor (O_NOFOLLOW), so a
// running container swapping a directory for a symlink cannot make berthd list the
// host's files; the image's layers are berth's own and read by path.
import { type BigIntStats, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { SysHelper } from '../layer/sys-helper.ts';
import { errnoOf, fromErrno } from '../util/errors.ts';
import type { ContainerRecord } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import { INIT_PATH } from './spec/container-spec.ts';

/** Docker's change kinds: 0 modified, 1 added, 2 deleted. */
export const ChangeKind = { Modified: 0, Added: 1, Deleted: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface ContainerChange {
  Path: string;
  Kind: ChangeKind;
}

/** Where a container's layer is: an overlay upper directory over the image's layers, or a full copy. */
export type LayerDirs =
  | { driver: 'overlay'; upper: string; lowers: string[] }
  | { driver: 'vfs'; dir: string; parent?: string };

export async function containerLayerDirs(svc: ContainerService, record: ContainerRecord): Promise<LayerDirs> {
  const snapshots = svc.images.snapshots;
  const [m] = await snapshots.mounts(record.snapshotKey);
  if (m?.type === 'overlay') {
    const option = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
    return { driver: 'overlay', upper: option('upperdir'), lowers: option('lowerdir').split(':') };
  }
  const parentName = snapshots.stat(record.snapshotKey)?.parent;
  const parent = parentName ? (await snapshots.mounts(parentName))[0]?.source : undefined;
  return { driver: 'vfs', dir: m.source, parent };
}

/** What a container changed, Docker's GET /containers/{id}/changes. */
export async function containerChanges(svc: ContainerService, ref: string): Promise<ContainerChange[]> {
  const dirs = await containerLayerDirs(svc, svc.resolve(ref));
  if (dirs.driver === 'overlay') return overlayChanges(dirs.upper, dirs.lowers);
  return directoryChanges(dirs.parent, dirs.dir);
}

// ------------------------------------------------------------------ mountpoints

const MOUNTPOINTS = ['/proc', '/sys', '/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', INIT_PATH];

const isWhiteout = (st: BigIntStats) => st.isCharacterDevice() && st.rdev === 0n;
const lstat = (path: string) => lstatSync(path, { bigint: true });

function lowerStat(lowers: readonly string[], path: string): BigIntStats | undefined {
  for (const lower of lowers) {
    try {
      const st = lstat(join(lower, path));
      return isWhiteout(st) ? undefined : st;
    } catch {}
  }
  return undefined;
}

/**
 * The runtime's mountpoints in the container layer `top`: empty files and directories
 * at the paths the runtime mounts on, which the image's layers lack, and directories
 * holding nothing else. Paths as in the container.
 */
export function mountpointArtefacts(top: string, lowers: readonly string[]): Set<string> {
  const out = new Set<string>();
  const isEmpty = (path: string, st: BigIntStats) =>
    (st.isFile() && st.size === 0n) || (st.isDirectory() && readdirSync(join(top, path)).length === 0);
  for (const p of MOUNTPOINTS) {
    if (lowerStat(lowers, p)) continue;
    let st: BigIntStats;
    try {
      st = lstat(join(top, p));
    } catch {
      continue;
    }
    if (isEmpty(p, st)) out.add(p);
  }
  for (const p of [...out]) {
    for (let dir = posix.dirname(p); dir !== '/' && !out.has(dir); dir = posix.dirname(dir)) {
      if (lowerStat(lowers, dir)) break;
      const names = readdirSync(join(top, dir));
      if (!names.every((n) => out.has(posix.join(dir, n)))) break;
      out.add(dir);
    }
  }
  return out;
}

/**
 * The directories above the artefacts that only look changed because of them: the
 * image has them with the same mode and owner (their times changed when the runtime
 * made its mountpoints in them). Paths as in the container.
 */
export function artefactParents(top: string, lowers: readonly string[], artefacts: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const p of artefacts) {
    for (let dir = posix.dirname(p); dir !== '/' && !out.has(dir); dir = posix.dirname(dir)) {
      if (artefacts.has(dir)) continue;
      const low = lowerStat(lowers, dir);
      let st: BigIntStats;
      try {
        st = lstat(join(top, dir));
      } catch {
        break;
      }
      if (!low?.isDirectory() || !st.isDirectory()) break;
      if (st.mode !== low.mode || st.uid !== low.uid || st.gid !== low.gid) break;
      out.add(dir);
    }
  }
  return out;
}

// ------------------------------------------------------------------ walking the container's layer

const fdPath = (fd: number) => `/proc/self/fd/${fd}`;
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Child {
  name: string;
  st: BigIntStats;
}

/** A directory of the container's layer, opened without following symlinks. */
class Dir {
  private constructor(readonly fd: number) {}

  static open(path: string): Dir {
    try {
      return new Dir(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW));
    } catch (err) {
      throw fromErrno(err, `opening the container layer ${path}`);
    }
  }

  /** The child directory `name`, or undefined when it is no longer one. */
  sub(name: string): Dir | undefined {
    try {
      return new Dir(
        openSync(
          `${fdPath(this.fd)}/${name}`,
          constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
        ),
      );
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoOf(err) ?? '')) return undefined;
      throw fromErrno(err, 'reading the container layer');
    }
  }

  /** Children in byte order of their names, lstat'ed; ones gone meanwhile are left out. */
  children(): Child[] {
    const out: Child[] = [];
    for (const name of readdirSync(fdPath(this.fd)).sort(byteOrder)) {
      try {
        out.push({ name, st: lstat(`${fdPath(this.fd)}/${name}`) });
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw fromErrno(err, 'reading the container layer');
      }
    }
    return out;
  }

  /** A path other processes (the xattr helper) reach the child by. */
  childPathForOthers(name: string): string {
    return `/proc/${process.pid}/fd/${this.fd}/${name}`;
  }

  get st(): BigIntStats {
    return fstatSync(this.fd, { bigint: true });
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Docker's sameFsTime: equal, or the same second where one side lost its nanoseconds. */
function sameTime(a: BigIntStats, b: BigIntStats): boolean {
  const an = a.mtimeNs;
  const bn = b.mtimeNs;
  if (an === bn) return true;
  const sec = (n: bigint) => n / 1_000_000_000n;
  return sec(an) === sec(bn) && (an % 1_000_000_000n === 0n || bn % 1_000_000_000n === 0n);
}

const OPAQUE = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/** The changes recorded in an overlay upper directory over `lowers` (topmost first). */
export async function overlayChanges(upper: string, lowers: readonly string[]): Promise<ContainerChange[]> {
  const artefacts = mountpointArtefacts(upper, lowers);
  const touched = new Set([...artefacts].map((p) => posix.dirname(p)));
  const changes: ContainerChange[] = [];
  const changedDirs = new Set<string>();
  let sys: SysHelper | undefined;
  const isOpaque = async (dir: Dir, name: string) => {
    sys ??= new SysHelper();
    for (const x of OPAQUE) {
      const v = await sys.getXattr(dir.childPathForOthers(name), x).catch(() => undefined);
      if (v?.toString() === 'y') return true;
    }
    return false;
  };

  const walk = async (dir: Dir, at: string): Promise<void> => {
    for (const { name, st } of dir.children()) {
      const path = posix.join(at, name);
      if (artefacts.has(path)) continue;
      let kind: ChangeKind | undefined;
      if (isWhiteout(st)) kind = ChangeKind.Deleted;
      else if (st.isDirectory() && lowerStat(lowers, path) && (await isOpaque(dir, name)))
        kind = ChangeKind.Deleted;
      else {
        kind = ChangeKind.Added;
        const low = lowerStat(lowers, path);
        if (low) {
          const unchangedDir =
            low.isDirectory() &&
            st.isDirectory() &&
            low.mode === st.mode &&
            (touched.has(path) || (low.size === st.size && sameTime(low, st)));
          kind = unchangedDir ? undefined : ChangeKind.Modified;
        }
      }
      if (kind !== undefined) {
        if (st.isDirectory()) changedDirs.add(path);
        const parent = posix.dirname(path);
        if (kind !== ChangeKind.Modified && parent !== '/' && !changedDirs.has(parent)) {
          changes.push({ Path: parent, Kind: ChangeKind.Modified });
          changedDirs.add(parent);
        }
        changes.push({ Path: path, Kind: kind });
      }
      if (st.isDirectory()) {
        const sub = dir.sub(name);
        if (!sub) continue;
        try {
          await walk(sub, path);
        } finally {
          sub.close();
        }
      }
    }
  };

  const top = Dir.open(upper);
  try {
    await walk(top, '/');
  } finally {
    top.close();
    await sys?.close();
  }
  return changes;
}

/** Docker's statDifferent: type, mode, owner or device; for non-directories also time and size. */
function statDifferent(a: BigIntStats, b: BigIntStats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false;
  return !sameTime(a, b) || a.size !== b.size;
}

/** The changes that turn the directory `lower` (none: an empty one) into `upper`. */
export async function directoryChanges(lower: string | undefined, upper: string): Promise<ContainerChange[]> {
  const artefacts = mountpointArtefacts(upper, lower ? [lower] : []);
  const changes: ContainerChange[] = [];

  const oldChildren = (abs: string | undefined): Map<string, BigIntStats> => {
    const out = new Map<string, BigIntStats>();
    if (abs === undefined) return out;
    for (const name of readdirSync(abs).sort(byteOrder)) out.set(name, lstat(join(abs, name)));
    return out;
  };

  /** Docker's addChanges: `old` is the entry's counterpart (abs undefined: an empty directory). */
  const visit = (
    path: string,
    dir: Dir | undefined,
    st: BigIntStats,
    old: { abs?: string; st: BigIntStats } | undefined,
    alreadyAdded: boolean,
  ): void => {
    const start = changes.length;
    let added = alreadyAdded;
    if (!old) {
      changes.push({ Path: path, Kind: ChangeKind.Added });
      added = true;
    }
    if (dir) {
      const olds = old?.st.isDirectory() ? oldChildren(old.abs) : new Map<string, BigIntStats>();
      for (const { name, st: childSt } of dir.children()) {
        const childPath = posix.join(path, name);
        if (artefacts.has(childPath)) continue;
        const oldSt = olds.get(name);
        let childAdded = false;
        if (oldSt) {
          if (statDifferent(oldSt, childSt)) {
            changes.push({ Path: childPath, Kind: ChangeKind.Modified });
            childAdded = true;
          }
          olds.delete(name);
        }
        const sub = childSt.isDirectory() ? dir.sub(name) : undefined;
        try {
          const childOld =
            oldSt && old?.abs !== undefined ? { abs: join(old.abs, name), st: oldSt } : undefined;
          visit(childPath, sub, childSt, childOld, childAdded);
        } finally {
          sub?.close();
        }
      }
      for (const name of olds.keys())
        changes.push({ Path: posix.join(path, name), Kind: ChangeKind.Deleted });
    }
    if (changes.length > start && st.isDirectory() && !added && path !== '/')
      changes.splice(start, 0, { Path: path, Kind: ChangeKind.Modified });
  };

  const top = Dir.open(upper);
  try {
    const st = top.st;
    visit('/', top, st, { abs: lower, st: lower ? lstat(lower) : st }, false);
  } finally {
    top.close();
  }
  return changes;
}
