// COPY and ADD as file operations on a step's mounted rootfs (no container): the
// sources are found in the source root (the build context, or another stage's or
// image's files) with Go's filepath.Match wildcards; a directory's contents are
// copied, not the directory; the destination is a directory when it ends in `/`
// or there are several sources; files are owned by root unless --chown says
// otherwise, keep their mtime, and take --chmod's mode when given. ADD unpacks a
// local tar archive (plain or gzip, zstd) into the destination. Every path in
// either root is resolved within it (root-path.ts).
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
import { resolveInRoot } from './root-path.ts';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyRequest {
  /** Host directory the sources are in. */
  srcRoot: string;
  sources: string[];
  /** Destination inside the rootfs, already absolute. */
  dest: string;
  /** The destination path was written with a trailing slash. */
  destIsDir: boolean;
  owner: Owner;
  mode?: number;
  /** ADD: unpack local tar archives. */
  unpack: boolean;
  /** For messages: `COPY` or `ADD`. */
  what: string;
}

const hasWildcard = (s: string) => /[*?[]/.test(s);

/** Go's filepath.Match for one path segment: `*`, `?`, `[...]` (with `^`/`!`), `\` escapes. */
export function segmentRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(`${out}$`, 's');
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The source paths (inside the root) a pattern names; none when a wildcard matches nothing. */
export async function expandSource(root: string, pattern: string): Promise<string[]> {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let found = [''];
  for (const seg of segments) {
    const next: string[] = [];
    for (const base of found) {
      if (!hasWildcard(seg)) {
        next.push(posix.join(base, seg));
        continue;
      }
      const dir = await resolveInRoot(root, base || '/');
      if (!dir.exists) continue;
      let names: string[];
      try {
        names = (await readdir(dir.host)).sort();
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      for (const n of names) if (re.test(n)) next.push(posix.join(base, n));
    }
    found = next;
  }
  return found.map((p) => p || '.');
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

/** Create the directories of `path` inside the root that are missing; returns the resolved path. */
async function ensureDir(root: string, path: string, owner: Owner): Promise<string> {
  let resolved = '/';
  for (const name of path.split('/').filter(Boolean)) {
    const r = await resolveInRoot(root, posix.join(resolved, name));
    if (!r.exists) {
      await mkdir(r.host, { mode: 0o755 }).catch((err) => {
        throw fromErrno(err, `creating ${r.inRoot}`);
      });
      await chown(r.host, owner.uid, owner.gid);
    } else if (!(await lstat(r.host)).isDirectory()) {
      throw invalidArgument(`cannot copy to ${path}: ${r.inRoot} is not a directory`);
    }
    resolved = r.inRoot;
  }
  return resolved;
}

export interface SourceMatch {
  /** The path inside the source root. */
  inRoot: string;
  /** The same on the host. */
  host: string;
}

/**
 * The entries each source names in the root (wildcards expanded, paths resolved
 * within it); an empty list for a source that names nothing. COPY copies exactly
 * these, and the build cache hashes exactly these.
 */
export async function matchSources(
  srcRoot: string,
  sources: readonly string[],
): Promise<{ source: string; matches: SourceMatch[] }[]> {
  const out: { source: string; matches: SourceMatch[] }[] = [];
  for (const source of sources) {
    const matches: SourceMatch[] = [];
    for (const f of await expandSource(srcRoot, source)) {
      const r = await resolveInRoot(srcRoot, f);
      if (r.exists) matches.push({ inRoot: r.inRoot, host: r.host });
    }
    out.push({ source, matches });
  }
  return out;
}

/** Do the copy into `rootfs`. */
export async function copyInto(rootfs: string, req: CopyRequest): Promise<void> {
  const matches: SourceMatch[] = [];
  for (const { source: src, matches: found } of await matchSources(req.srcRoot, req.sources)) {
    if (!found.length) {
      const why = hasWildcard(src)
        ? 'no source files were specified'
        : `"/${src.replace(/^\/+/, '')}": not found`;
      throw new BerthError(
        'NotFound',
        `${req.what} failed: file not found in build context or excluded by .dockerignore: stat ${src}: ${why}`,
      );
    }
    matches.push(...found);
  }
  const many = matches.length > 1 || req.sources.some(hasWildcard);
  if (many && !req.destIsDir) {
    throw invalidArgument(
      `When using ${req.what} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  for (const m of matches) {
    const st = await lstat(m.host);
    if (st.isDirectory()) {
      const destDir = await ensureDir(rootfs, req.dest, req.owner);
      await copyChildren(rootfs, m.host, destDir, req);
      continue;
    }
    const destTarget = await resolveInRoot(rootfs, req.dest);
    const intoDir = req.destIsDir || (destTarget.exists && (await lstat(destTarget.host)).isDirectory());
    if (req.unpack && st.isFile() && (await isArchive(m.host))) {
      const destDir = await ensureDir(rootfs, req.dest, req.owner);
      await applyLayer(createReadStream(m.host), join(rootfs, destDir), {
        whiteouts: 'apply',
        compression: 'auto',
      });
      continue;
    }
    let parentDir: string;
    let name: string;
    if (intoDir) {
      parentDir = await ensureDir(rootfs, req.dest, req.owner);
      name = posix.basename(m.inRoot);
    } else {
      parentDir = await ensureDir(rootfs, posix.dirname(req.dest), req.owner);
      name = posix.basename(req.dest);
    }
    await copyEntry(rootfs, m.host, posix.join(parentDir, name), req);
  }
}

async function copyChildren(
  rootfs: string,
  srcDir: string,
  destDir: string,
  req: CopyRequest,
): Promise<void> {
  for (const name of (await readdir(srcDir)).sort()) {
    await copyEntry(rootfs, join(srcDir, name), posix.join(destDir, name), req);
  }
}

/** Copy one entry to `dest` (its parent already resolved, a real directory). */
async function copyEntry(rootfs: string, src: string, dest: string, req: CopyRequest): Promise<void> {
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
    await copyChildren(rootfs, src, target, req);
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
