// COPY and ADD as file operations on a step's mounted rootfs (no container), by
// the classic builder's rules (checked against Docker 20.10's):
//
// - A directory source copies its contents, not itself. A missing destination
//   directory is made with mode 0755 and owned by root, except the last one,
//   which --chown's user owns; a file's missing parent directories are all
//   --chown's.
// - A file goes into the destination when it ends in `/` or is an existing
//   directory, and becomes the destination otherwise.
// - Sources that name more than one entry (after wildcards, heredocs and
//   downloads count too) need a destination ending in `/` (`.` is not enough).
// - Files keep their mode and mtime, are owned by root unless --chown says
//   otherwise, and take --chmod's mode when given. ADD unpacks a local tar
//   archive (plain, gzip or zstd) into the destination, unless --unpack=false.
// - --parents keeps each match's path (copy-sources.ts); the directories it
//   keeps are made like their sources (mode, mtime), owned as --chown says.
// - --exclude leaves entries out (copy-exclude.ts).
// - --link changes nothing here: a COPY's layer is already just the files it
//   writes (the step's upper directory), so it is the layer a linked copy makes
//   whenever the destination's parents are real directories; where the base
//   has a symlink on the destination path berth follows it, as a plain COPY does.
//
// Every path in either root is resolved within it (root-path.ts).
import { createReadStream } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseGroup, parsePasswd, resolveUser } from '../../engine/spec/user.ts';
import { applyLayer } from '../../layer/apply-layer.ts';
import { BerthError, errnoOf, fromErrno, invalidArgument } from '../../util/errors.ts';
import { type CopyExcludes, NO_EXCLUDES } from './copy-exclude.ts';
import { hasWildcard, matchSources, type SourceMatch } from './copy-sources.ts';
import { resolveInRoot } from './root-path.ts';

export { expandSource, matchSources, type SourceMatch, segmentRegExp } from './copy-sources.ts';

export interface Owner {
  uid: number;
  gid: number;
}

/** Sources found in one root. */
export interface CopyGroup {
  /** Host directory the sources are in. */
  srcRoot: string;
  sources: readonly string[];
  /** ADD: unpack local tar archives. */
  unpack: boolean;
  /** For the not-found message: where the sources were looked for. */
  from?: string;
}

export interface CopyRequest {
  groups: readonly CopyGroup[];
  /** Destination inside the rootfs, already absolute. */
  dest: string;
  /** The destination path was written with a trailing slash. */
  destIsDir: boolean;
  owner: Owner;
  mode?: number;
  /** For messages: `COPY` or `ADD`. */
  what: string;
  parents?: boolean;
  exclude?: CopyExcludes;
}

/** --chown's user and group, looked up in the rootfs's /etc/passwd and /etc/group when they are names. */
export async function chownOwner(rootfs: string, spec: string | undefined): Promise<Owner> {
  if (!spec) return { uid: 0, gid: 0 };
  const read = async (p: string) => {
    const r = await resolveInRoot(rootfs, p);
    if (!r.exists) return undefined;
    const fh = await open(r.host, 'r');
    try {
      return (await fh.readFile()).toString('utf8');
    } finally {
      await fh.close();
    }
  };
  const passwd = await read('/etc/passwd');
  const group = await read('/etc/group');
  const [user, grp] = spec.split(':', 2);
  try {
    const u = resolveUser(user, passwd === undefined ? undefined : parsePasswd(passwd), undefined);
    if (grp === undefined) return { uid: u.uid, gid: /^\d+$/.test(user) ? u.uid : u.gid };
    const g = resolveUser(`0:${grp}`, undefined, group === undefined ? undefined : parseGroup(group));
    return { uid: u.uid, gid: g.gid };
  } catch (err) {
    throw invalidArgument(
      `unable to convert uid/gid chown string to host mapping: ${(err as Error).message}`,
    );
  }
}

/** Parse --chmod: octal only, as Docker's classic builder takes it. */
export function parseChmod(spec: string | undefined): number | undefined {
  if (spec === undefined || spec === '') return undefined;
  if (!/^[0-7]{1,4}$/.test(spec))
    throw invalidArgument(`invalid chmod parameter ${JSON.stringify(spec)}: use an octal mode like 755`);
  return Number.parseInt(spec, 8);
}

/**
 * Create the directories of `path` inside the root that are missing (0755);
 * `owner` owns them all, or with `lastOnly` only the last (the others root's).
 * Returns the resolved path.
 */
async function ensureDir(root: string, path: string, owner: Owner, lastOnly = false): Promise<string> {
  let resolved = '/';
  const names = path.split('/').filter(Boolean);
  for (const [i, name] of names.entries()) {
    const r = await resolveInRoot(root, posix.join(resolved, name));
    if (!r.exists) {
      await mkdir(r.host, { mode: 0o755 }).catch((err) => {
        throw fromErrno(err, `creating ${r.inRoot}`);
      });
      const o = !lastOnly || i === names.length - 1 ? owner : { uid: 0, gid: 0 };
      await chown(r.host, o.uid, o.gid);
    } else if (!(await lstat(r.host)).isDirectory()) {
      throw invalidArgument(`cannot copy to ${path}: ${r.inRoot} is not a directory`);
    }
    resolved = r.inRoot;
  }
  return resolved;
}

interface Found {
  group: CopyGroup;
  match: SourceMatch;
}

/** Do the copy into `rootfs`. */
export async function copyInto(rootfs: string, req: CopyRequest): Promise<void> {
  const found: Found[] = [];
  for (const group of req.groups) {
    const named = await matchSources(group.srcRoot, group.sources, {
      parents: req.parents,
      exclude: req.exclude,
    });
    for (const { source: src, matches, excluded } of named) {
      if (!matches.length && !excluded) throw notFound(req.what, src, group.from);
      for (const match of matches) found.push({ group, match });
    }
  }
  if (!req.parents && found.length > 1 && !req.destIsDir) {
    throw invalidArgument(
      `When using ${req.what} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  const walk: Walk = { rootfs, req, exclude: req.exclude ?? NO_EXCLUDES, madeDirs: [] };
  for (const { group, match } of found) {
    if (req.parents) await copyKept(walk, group, match);
    else await copyMatch(walk, group, match);
  }
  // Directories --parents made take their sources' times once nothing more is written into them.
  for (const d of walk.madeDirs.reverse()) await utimes(d.host, d.atime, d.mtime);
}

function notFound(what: string, src: string, from: string | undefined): BerthError {
  const why = hasWildcard(src)
    ? 'no source files were specified'
    : `"/${src.replace(/^\/+/, '')}": not found`;
  const where = from ?? 'build context or excluded by .dockerignore';
  return new BerthError('NotFound', `${what} failed: file not found in ${where}: stat ${src}: ${why}`);
}

interface Walk {
  rootfs: string;
  req: CopyRequest;
  exclude: CopyExcludes;
  madeDirs: { host: string; atime: Date; mtime: Date }[];
}

async function copyMatch(w: Walk, group: CopyGroup, m: SourceMatch): Promise<void> {
  const { rootfs, req } = w;
  const st = await lstat(m.host);
  if (st.isDirectory()) {
    const destDir = await ensureDir(rootfs, req.dest, req.owner, true);
    await copyChildren(w, m.host, destDir, m.rel);
    return;
  }
  if (group.unpack && st.isFile() && (await isArchive(m.host))) {
    const destDir = await ensureDir(rootfs, req.dest, req.owner);
    await applyLayer(createReadStream(m.host), join(rootfs, destDir), {
      whiteouts: 'apply',
      compression: 'auto',
    });
    return;
  }
  const destTarget = await resolveInRoot(rootfs, req.dest);
  const intoDir = req.destIsDir || (destTarget.exists && (await lstat(destTarget.host)).isDirectory());
  let parentDir: string;
  let name: string;
  if (intoDir) {
    parentDir = await ensureDir(rootfs, req.dest, req.owner);
    name = posix.basename(m.inRoot);
  } else {
    parentDir = await ensureDir(rootfs, posix.dirname(req.dest), req.owner);
    name = posix.basename(req.dest);
  }
  await copyEntry(w, m.host, posix.join(parentDir, name), m.rel);
}

/** --parents: the match under the destination at the path it keeps, its kept directories made like their sources. */
async function copyKept(w: Walk, group: CopyGroup, m: SourceMatch): Promise<void> {
  const { rootfs, req } = w;
  const keep = (m.keep ?? '').split('/').filter(Boolean);
  let at = await ensureDir(rootfs, req.dest, req.owner);
  if (!keep.length) {
    await copyChildren(w, m.host, at, '');
    return;
  }
  for (let i = 0; i < keep.length - 1; i++) {
    const src = await resolveInRoot(group.srcRoot, posix.join(m.pivot ?? '/', ...keep.slice(0, i + 1)));
    const dst = await resolveInRoot(rootfs, posix.join(at, keep[i]));
    if (!dst.exists) {
      const st = await lstat(src.host);
      await mkdir(dst.host, { mode: 0o700 }).catch((err) => {
        throw fromErrno(err, `creating ${dst.inRoot}`);
      });
      await chown(dst.host, req.owner.uid, req.owner.gid);
      await chmod(dst.host, req.mode ?? st.mode & 0o7777);
      w.madeDirs.push({ host: dst.host, atime: st.atime, mtime: st.mtime });
    } else if (!(await lstat(dst.host)).isDirectory()) {
      throw invalidArgument(`cannot copy to ${dst.inRoot}: it is not a directory`);
    }
    at = dst.inRoot;
  }
  await copyEntry(w, m.host, posix.join(at, keep[keep.length - 1]), m.rel);
}

/** The entries of `srcDir` into `destDir`; `rel` is what --exclude sees for `srcDir`. */
async function copyChildren(w: Walk, srcDir: string, destDir: string, rel: string): Promise<void> {
  for (const name of (await readdir(srcDir)).sort()) {
    const childRel = rel ? `${rel}/${name}` : name;
    const src = join(srcDir, name);
    if (w.exclude.excludes(childRel) && w.exclude.skips(childRel, (await lstat(src)).isDirectory())) continue;
    await copyEntry(w, src, posix.join(destDir, name), childRel);
  }
}

/** Copy one entry to `dest` (its parent already resolved, a real directory). */
async function copyEntry(w: Walk, src: string, dest: string, rel: string): Promise<void> {
  const { rootfs, req } = w;
  const st = await lstat(src);
  const host = join(rootfs, dest);
  const existing = await lstat(host).catch((err) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fromErrno(err, `copying to ${dest}`);
  });
  const { uid, gid } = req.owner;
  if (st.isDirectory()) {
    let target = dest;
    if (existing?.isSymbolicLink()) {
      const r = await resolveInRoot(rootfs, dest);
      if (r.exists && (await lstat(r.host)).isDirectory()) target = r.inRoot;
      else await rm(host, { force: true });
    } else if (existing && !existing.isDirectory()) await rm(host, { force: true });
    const targetHost = join(rootfs, target);
    if (!existing || target === dest)
      await mkdir(targetHost, { recursive: false }).catch((e) => {
        if (errnoOf(e) !== 'EEXIST') throw fromErrno(e, `creating ${dest}`);
      });
    await copyChildren(w, src, target, rel);
    await chown(targetHost, uid, gid);
    await chmod(targetHost, req.mode ?? st.mode & 0o7777);
    await utimes(targetHost, st.atime, st.mtime);
    return;
  }
  if (existing) await rm(host, { recursive: existing.isDirectory(), force: true });
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), host);
    await lchown(host, uid, gid);
    return;
  }
  if (!st.isFile()) return; // devices, fifos and sockets in a context are not copied
  await copyFile(src, host);
  await chown(host, uid, gid);
  await chmod(host, req.mode ?? st.mode & 0o7777);
  await utimes(host, st.atime, st.mtime);
}

/** A tar archive, plain or compressed (what ADD unpacks). */
async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
    if (bytesRead >= 4 && buf.readUInt32LE(0) === 0xfd2fb528) return true;
    return bytesRead === 512 && buf.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}
