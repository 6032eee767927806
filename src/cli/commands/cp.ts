// `berth cp` (`container cp`): files between a container and the local filesystem,
// with Docker's rules, decided here on the client as Docker's CLI decides them:
//
//   SRC a file:  DEST missing → written as DEST (DEST/ must exist as a directory);
//                DEST a file → overwritten; DEST a directory → DEST/basename.
//   SRC a dir:   DEST missing → created as DEST, a copy of SRC; DEST a file → error;
//                DEST a directory → DEST/basename, or with SRC/. its contents into DEST.
//   `-` as DEST writes the tar of SRC to stdout; as SRC reads a tar from stdin and
//   extracts it into the directory DEST.
//
// The daemon sends and takes tars (GET/PUT /containers/{id}/archive) named after the
// asked path's last element; the client renames members so they land where these rules
// say. A destination symlink is followed; a source symlink is copied as a symlink unless
// -L. Downloads are extracted by berth's layer applier (nothing outside DEST, never
// through a symlink, all or nothing), owned by the user running berth, as Docker does.
// On a terminal, `Successfully copied SIZE to DEST` is printed on stderr afterwards.
import { type BigIntStats, lstatSync, readlinkSync, realpathSync, type Stats, statSync } from 'node:fs';
import { posix, resolve as resolvePath } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  containerAbsPath,
  decodePathStat,
  editTar,
  extractTar,
  GO_MODE,
  goBase,
  hasModeBit,
  PATH_STAT_HEADER,
  type PathStat,
  preserveTrailingDotOrSeparator,
} from '../../engine/container-archive.ts';
import { ItemBuilder } from '../../layer/layer-items.ts';
import { type LayerItem, tarStream } from '../../layer/tar-writer.ts';
import { readDirSorted } from '../../layer/tree-scan.ts';
import { BerthError, errnoOf, fromErrno, invalidArgument } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { defineCommand } from '../command.ts';
import { isTerminal } from './terminal.ts';

// ------------------------------------------------------------------ Docker's path rules

interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the archive's top entry must take (a followed symlink keeps the asked name). */
  rebaseName?: string;
}

const hasTrailingSeparator = (p: string) => p.endsWith('/');
const specifiesCurrentDir = (p: string) => goBase(p) === '.';
const assertsDirectory = (p: string) => hasTrailingSeparator(p) || specifiesCurrentDir(p);

/** Go's filepath.Clean for absolute or relative paths (`` becomes `.`). */
const clean = (p: string) => (p === '' ? '.' : posix.normalize(p).replace(/(.)\/+$/, '$1'));

/** Docker's SplitPathDirEntry: the directory and the entry a path names (`dir/.` names `.`). */
function splitPathDirEntry(path: string): { dir: string; base: string } {
  let cleaned = clean(path);
  if (specifiesCurrentDir(path)) cleaned += cleaned.endsWith('/') ? '.' : '/.';
  return { dir: posix.dirname(cleaned), base: goBase(cleaned) };
}

/** The local path made absolute, its trailing `/` or `/.` kept. */
const resolveLocalPath = (p: string) => preserveTrailingDotOrSeparator(resolvePath(p), p);

/** Docker's GetRebaseName: the resolved path with the asked one's trailing marks, and the name to keep. */
function getRebaseName(path: string, resolved: string): { path: string; rebaseName?: string } {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(out)) out += '/';
  return goBase(path) !== goBase(out) ? { path: out, rebaseName: goBase(path) } : { path: out };
}

/** A renaming of archive members from `oldBase` to `newBase` (Docker's RebaseArchiveEntries). */
function rebase(oldBase: string, newBase: string): (name: string) => string {
  return (name) => {
    if (name === oldBase) return newBase;
    if (name.startsWith(`${oldBase}/`)) return newBase + name.slice(oldBase.length);
    return name;
  };
}

type Rename = (name: string) => string;

function compose(...fns: (Rename | undefined)[]): Rename | undefined {
  const all = fns.filter((f): f is Rename => f !== undefined);
  if (!all.length) return undefined;
  return (name) => all.reduce((n, f) => f(n), name);
}

/**
 * Docker's PrepareArchiveCopy: the directory the archive of `src` is extracted into so
 * that it ends up at `dst`, and how its members must be renamed on the way.
 */
function prepareArchiveCopy(
  src: CopyInfo,
  dst: CopyInfo,
): { dir: string; rename?: (name: string) => string } {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName ?? splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dir: dst.path };
  if (dst.exists && src.isDir) throw invalidArgument('cannot copy directory');
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw invalidArgument('no such directory');
  return { dir: dstDir, rename: rebase(srcBase, dstBase) };
}

const lstatOrUndefined = (p: string): Stats | undefined => {
  try {
    return lstatSync(p);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
    throw fromErrno(err, `lstat ${p}`);
  }
};

/** Docker's CopyInfoDestinationPath: a local destination, symlinks followed; its parent must exist. */
function localDestination(path: string): CopyInfo {
  let p = path;
  let st = lstatOrUndefined(p);
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw invalidArgument(`too many symlinks in ${path}`);
    const target = readlinkSync(p);
    p = target.startsWith('/') ? target : posix.join(splitPathDirEntry(p).dir, target);
    st = lstatOrUndefined(p);
  }
  if (st) return { path: p, exists: true, isDir: st.isDirectory() };
  const parent = splitPathDirEntry(p).dir;
  let parentSt: Stats;
  try {
    parentSt = statSync(parent);
  } catch (err) {
    throw fromErrno(err, `stat ${parent}`);
  }
  if (!parentSt.isDirectory()) throw invalidArgument('not a directory');
  return { path: p, exists: false, isDir: false };
}

/** Docker's CopyInfoSourcePath: a local source, its parent's symlinks resolved (and its own with -L). */
function localSource(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebaseName: string | undefined;
  try {
    if (followLink) {
      ({ path: resolved, rebaseName } = getRebaseName(path, realpathSync(path)));
    } else {
      const slash = path.lastIndexOf('/');
      const dir = path.slice(0, slash + 1) || '.';
      const base = path.slice(slash + 1);
      resolved = `${realpathSync(dir).replace(/\/$/, '')}/${base}`;
      if (hasTrailingSeparator(path) && goBase(path) !== goBase(resolved)) rebaseName = goBase(path);
    }
  } catch (err) {
    throw fromErrno(err, `lstat ${path}`);
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    throw fromErrno(err, `lstat ${resolved}`);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/** Docker's ValidateOutputPath: the directory must exist; an existing path must be a directory or a file. */
function validateOutputPath(path: string): void {
  const dir = posix.dirname(clean(path));
  if (dir !== '.' && !statOrUndefined(dir))
    throw invalidArgument(`invalid output path: directory "${dir}" does not exist`);
  const st = statOrUndefined(path);
  if (st && !st.isDirectory() && !st.isFile()) {
    const why = st.isBlockDevice() || st.isCharacterDevice() ? 'got a device' : 'got an irregular file';
    throw invalidArgument(`invalid output path: "${path}" must be a directory or a regular file: ${why}`);
  }
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ local archives

/**
 * Docker's TarResourceRebase: a tar of `path` (a file, symlink or whole directory)
 * whose members are named after its last element, or `rebaseName`.
 */
function packLocal(path: string, rebaseName?: string): Readable {
  const { dir, base } = splitPathDirEntry(path);
  const top = posix.join(dir, base);
  const name = rebaseName ?? base;
  const builder = new ItemBuilder();
  async function* walk(abs: string, tarName: string, st: BigIntStats): AsyncGenerator<LayerItem> {
    const item = await builder.item(tarName, abs, st);
    if (item) yield item;
    if (!st.isDirectory()) return;
    for (const child of await readDirSorted(abs))
      yield* walk(child.abs, `${tarName}/${child.name}`, child.st);
  }
  async function* items(): AsyncGenerator<LayerItem> {
    let st: BigIntStats;
    try {
      st = lstatSync(top, { bigint: true });
    } catch (err) {
      throw fromErrno(err, `lstat ${path}`);
    }
    yield* walk(top, name, st);
  }
  return tarStream(items());
}

// ------------------------------------------------------------------ sizes and counting

/** Go's units.HumanSizeWithPrecision(n, 3): `2.05kB`, `512B`, `1.2MB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  let text = size.toPrecision(3);
  const e = text.indexOf('e');
  if (e >= 0) {
    const mantissa = text.slice(0, e).replace(/\.?0+$/, '');
    const exp = Number(text.slice(e + 1));
    text = `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return `${text}${units[i]}`;
}

function counter(): { stream: Transform; bytes: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => n };
}

// ------------------------------------------------------------------ the two directions

const archiveUrl = (container: string) => `/containers/${encodeURIComponent(container)}/archive`;

async function statInContainer(
  client: Client,
  container: string,
  path: string,
): Promise<PathStat | undefined> {
  try {
    const res = await client.request('HEAD', archiveUrl(container), { query: { path } });
    res.resume();
    return decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()]);
  } catch {
    return undefined;
  }
}

interface Copy {
  client: Client;
  container: string;
  src: string;
  dst: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

async function copyFromContainer(c: Copy): Promise<void> {
  const dst = c.dst === '-' ? '-' : resolveLocalPath(c.dst);
  if (dst !== '-') validateOutputPath(dst);
  let src = c.src;
  let rebaseName: string | undefined;
  if (c.followLink) {
    const st = await statInContainer(c.client, c.container, src);
    if (st && hasModeBit(st.mode, GO_MODE.symlink)) {
      const target = st.linkTarget.startsWith('/')
        ? st.linkTarget
        : posix.join(splitPathDirEntry(src).dir, st.linkTarget);
      ({ path: src, rebaseName } = getRebaseName(src, target));
    }
  }
  // The root's archive is named `/`, which no renaming rule matches: its contents (`/.`) are the same copy.
  if (containerAbsPath(src) === '/') src = '/.';
  const res = await c.client.request('GET', archiveUrl(c.container), { query: { path: src } });
  if (dst === '-') {
    await pipeline(res, c.stdout, { end: false });
    return;
  }
  const stat = decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()]);
  const srcInfo: CopyInfo = {
    path: src,
    exists: true,
    isDir: stat ? hasModeBit(stat.mode, GO_MODE.dir) : false,
    rebaseName,
  };
  const { dir, rename } = prepareArchiveCopy(srcInfo, localDestination(dst));
  const count = counter();
  res.on('error', (err) => count.stream.destroy(err));
  res.pipe(count.stream);
  await extractTar(count.stream, dir, {
    rename: compose(rebaseName ? rebase(splitPathDirEntry(src).base, rebaseName) : undefined, rename),
    owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    noOverwriteDirNonDir: true,
  });
  if (!c.quiet) c.stderr.write(`Successfully copied ${humanSize(count.bytes())} to ${dst}\n`);
}

async function copyToContainer(c: Copy): Promise<void> {
  const src = c.src === '-' ? '-' : resolveLocalPath(c.src);
  const dstInfo: CopyInfo = { path: c.dst, exists: false, isDir: false };
  let st = await statInContainer(c.client, c.container, c.dst);
  if (st && hasModeBit(st.mode, GO_MODE.symlink)) {
    dstInfo.path = st.linkTarget.startsWith('/')
      ? st.linkTarget
      : posix.join(splitPathDirEntry(c.dst).dir, st.linkTarget);
    st = await statInContainer(c.client, c.container, dstInfo.path);
  }
  if (st) {
    if (hasModeBit(st.mode, GO_MODE.device) || hasModeBit(st.mode, GO_MODE.irregular)) {
      const why = hasModeBit(st.mode, GO_MODE.device) ? 'got a device' : 'got an irregular file';
      throw invalidArgument(
        `destination "${c.container}:${c.dst}" must be a directory or a regular file: ${why}`,
      );
    }
    dstInfo.exists = true;
    dstInfo.isDir = hasModeBit(st.mode, GO_MODE.dir);
  }
  let body: Readable;
  let target: string;
  const count = counter();
  if (src === '-') {
    if (!dstInfo.isDir) throw invalidArgument(`destination "${c.container}:${c.dst}" must be a directory`);
    body = process.stdin;
    target = dstInfo.path;
  } else {
    const srcInfo = localSource(src, c.followLink);
    const tar = packLocal(srcInfo.path, srcInfo.rebaseName);
    const { dir, rename } = prepareArchiveCopy(srcInfo, dstInfo);
    body = rename
      ? editTar(tar, (h) => ({
          ...h,
          name: rename(h.name),
          linkname: h.type === 'link' ? rename(h.linkname) : h.linkname,
        }))
      : tar;
    if (rename) tar.on('error', (err) => body.destroy(err));
    target = dir;
  }
  // A local file that cannot be read fails the upload; that, not the cut connection, is the error to show.
  let readError: unknown;
  body.on('error', (err) => {
    readError ??= err;
    count.stream.destroy(err);
  });
  body.pipe(count.stream);
  const res = await c.client
    .request('PUT', archiveUrl(c.container), {
      query: { path: target, noOverwriteDirNonDir: 'true', copyUIDGID: c.copyUIDGID ? 'true' : undefined },
      body: count.stream,
      headers: { 'Content-Type': 'application/x-tar' },
    })
    .catch((err) => Promise.reject(readError ?? err));
  res.resume();
  if (!c.quiet)
    c.stderr.write(`Successfully copied ${humanSize(count.bytes())} to ${c.container}:${dstInfo.path}\n`);
}

/** Docker's splitCpArg: `CONTAINER:PATH`, unless the argument is a local path (absolute, or `./a:b`). */
function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.startsWith('.')) return { path: arg };
  const container = arg.slice(0, colon);
  return container ? { container, path: arg.slice(colon + 1) } : { path: arg };
}

export const cpCommand = defineCommand({
  name: 'cp',
  aliases: ['container cp'],
  summary: 'Copy files/folders between a container and the local filesystem',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  args: { min: 2, max: 2 },
  options: {
    archive: { type: 'boolean', short: 'a', help: 'Archive mode (copy all uid/gid information)' },
    'follow-link': { type: 'boolean', short: 'L', help: 'Always follow symbol link in SRC_PATH' },
    quiet: {
      type: 'boolean',
      short: 'q',
      help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  },
  async run(ctx) {
    const [source, destination] = ctx.args;
    if (source === '') throw invalidArgument('source can not be empty');
    if (destination === '') throw invalidArgument('destination can not be empty');
    const from = splitCpArg(source);
    const to = splitCpArg(destination);
    if (from.container && to.container) throw invalidArgument('copying between containers is not supported');
    if (!from.container && !to.container) throw invalidArgument('must specify at least one container source');
    const copy: Copy = {
      client: await ctx.client(),
      container: (from.container ?? to.container) as string,
      src: from.path,
      dst: to.path,
      followLink: !!ctx.options['follow-link'],
      copyUIDGID: !!ctx.options.archive,
      quiet: ctx.options.quiet ?? !isTerminal(ctx.stdout),
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    };
    try {
      if (from.container) await copyFromContainer(copy);
      else await copyToContainer(copy);
    } catch (err) {
      if (err instanceof BerthError || !(err instanceof Error)) throw err;
      throw fromErrno(err, `copying ${source} to ${destination}`);
    }
    return 0;
  },
});
