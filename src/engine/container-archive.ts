// A container's files reached from the host, for `cp` (stat, archive, extract) and
// `export`: the API's /containers/{id}/archive and the tar handling both sides of `cp`
// share. The root filesystem is mounted for the time it is needed when the container
// is not running (holds are counted, so concurrent copies share one mount).
//
// Never through the container's own symlinks: a path is resolved one component at a
// time, each opened relative to its already-open parent (through /proc/self/fd/N) with
// O_PATH|O_NOFOLLOW, and a symlink is read and resolved here against the container's
// root as if it were `/`, `..` never climbing above it (as rootfs-paths.ts does for the
// spec). Walking a directory for an archive goes the same way, descriptor by descriptor,
// and a file's content is read from the very descriptor that was checked, so a running
// container swapping a directory for a symlink to `/` while it is read gets nothing of
// the host's. Volumes, binds and the container's hostname, hosts and resolv.conf are
// laid over the root filesystem at their destinations, as the container sees them.
//
// Extracting (an upload into the container, or a download on the client's side) goes
// through the layer applier (layer/apply-layer.ts): nothing is written outside the
// target or through a symlink, and a refused archive changes nothing. A running
// container is paused while an upload is extracted, so that nothing inside it can move
// the ground under the applier's checks.
//
// Names follow Docker, so its CLI works against berthd: a directory comes as
// `BASE/`, `BASE/child`..., a file or symlink as `BASE`, where BASE is the last element
// of the asked path (`.` for `dir/.`, `/` for the root); stats are Docker's
// ContainerPathStat (a Go FileMode, an RFC 3339 time), base64 JSON in a header.
import {
  type BigIntStats,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { applyLayer } from '../layer/apply-layer.ts';
import { decompressStream } from '../layer/compression.ts';
import { ItemBuilder } from '../layer/layer-items.ts';
import { parseMemberName, WHITEOUT_PREFIX } from '../layer/member-path.ts';
import { SysHelper } from '../layer/sys-helper.ts';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from '../layer/tar-header.ts';
import { TarReader } from '../layer/tar-reader.ts';
import { type LayerItem, tarStream } from '../layer/tar-writer.ts';
import { BerthError, errnoOf, fromErrno, invalidArgument, notFound } from '../util/errors.ts';
import type { ContainerRecord } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import { mountRootfs, unmountRootfs } from './rootfs-mount.ts';
import { resolveUserInRootfs } from './spec/user.ts';

/** Docker's ContainerPathStat, as the `X-Docker-Container-Path-Stat` header carries it. */
export interface PathStat {
  name: string;
  size: number;
  /** A Go os.FileMode: permission bits and Go's own type bits (see GO_MODE). */
  mode: number;
  /** RFC 3339 with nanoseconds. */
  mtime: string;
  /** For a symlink: where it leads in the container, fully resolved; else empty. */
  linkTarget: string;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** Go's os.FileMode type bits (they sit above the permission bits, unlike st_mode's). */
export const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
  irregular: 2 ** 19,
} as const;

/** Whether a Go FileMode has the bit (modes go past 2^31, beyond JS's 32-bit `&`). */
export const hasModeBit = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

export const encodePathStat = (s: PathStat): string => Buffer.from(JSON.stringify(s)).toString('base64');

export function decodePathStat(header: string | string[] | undefined): PathStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as PathStat;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ Go's path rules

/** Go's filepath.Base: the last element, `/` for the root, `.` for empty. */
export function goBase(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : '.';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

const specifiesCurrentDir = (path: string) => goBase(path) === '.';
const hasTrailingSeparator = (path: string) => path.endsWith('/');

/** Docker's PreserveTrailingDotOrSeparator: a cleaned path keeps the original's `/.` or `/`. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** A path in the container as Docker takes it: relative to `/`, cleaned, trailing `/.` or `/` kept. */
export const containerAbsPath = (path: string): string =>
  preserveTrailingDotOrSeparator(posix.join('/', path), path);

/** The path asks for a directory (`dir/` or `dir/.`): its last symlink is followed. */
const assertsDirectory = (abs: string) =>
  abs !== '/' && (hasTrailingSeparator(abs) || specifiesCurrentDir(abs));

// ------------------------------------------------------------------ the root filesystem

export interface RootfsHold {
  /** The mounted root filesystem on the host. */
  readonly root: string;
  release(): Promise<void>;
}

const holds = new Map<string, { count: number; mounted: Promise<void> }>();
/** Unmounts under way, which a new holder waits for before mounting again. */
const unmounting = new Map<string, Promise<void>>();
const LIVE = new Set(['running', 'paused', 'restarting']);

/**
 * The container's root filesystem, mounted until released: a running container's own
 * mount, or one made now for a stopped container and unmounted after the last holder
 * lets go (unless the container was started meanwhile: then it is the container's).
 */
export async function holdRootfs(svc: ContainerService, record: ContainerRecord): Promise<RootfsHold> {
  const root = svc.rootfs(record.id);
  await unmounting.get(record.id);
  let hold = holds.get(record.id);
  if (!hold) {
    const mounted = (async () => {
      await mountRootfs(await svc.images.snapshots.mounts(record.snapshotKey), root);
    })();
    hold = { count: 0, mounted };
    holds.set(record.id, hold);
  }
  const h = hold;
  h.count++;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    if (--h.count > 0) return;
    holds.delete(record.id);
    let now: ContainerRecord | undefined;
    try {
      now = svc.resolve(record.id);
    } catch {
      return; // removed meanwhile: removal unmounted it
    }
    if (LIVE.has(now.state.Status)) return;
    const done = unmountRootfs(root).finally(() => unmounting.delete(record.id));
    unmounting.set(record.id, done);
    await done;
  };
  try {
    await h.mounted;
  } catch (err) {
    await release();
    throw err;
  }
  return { root, release };
}

// ------------------------------------------------------------------ views and lookups

/** Something mounted over the root filesystem in the container. */
export interface FsMount {
  /** Where the container sees it, symlinks of the root filesystem resolved. */
  destination: string;
  /** The host path mounted there. */
  source: string;
  readOnly: boolean;
}

/** A container's filesystem as berthd reaches it. */
export interface FsView {
  root: string;
  /** By destination. */
  mounts: Map<string, FsMount>;
}

// Not in Node's fs.constants; the same value on every architecture berth builds for.
const O_PATH = 0o10000000;
const MAX_SYMLINKS = 40;
const fdPath = (fd: number) => `/proc/self/fd/${fd}`;
const components = (path: string) => path.split('/').filter((c) => c !== '' && c !== '.');

/** An entry found in the container; its descriptors are the caller's to close (closeEntry). */
export interface Entry {
  /** O_PATH descriptor of the entry itself (of the symlink, when the last one was not followed). */
  fd: number;
  st: BigIntStats;
  /** Where it is in the container, every symlink on the way resolved. */
  path: string;
  /** The mount it lies in; undefined for the root filesystem. */
  mount?: FsMount;
  /** Its directory's O_PATH descriptor and its name there (not for the root and mount points). */
  dirFd?: number;
  name?: string;
}

export function closeEntry(e: Entry | undefined): void {
  if (!e) return;
  closeSync(e.fd);
  if (e.dirFd !== undefined) closeSync(e.dirFd);
}

interface Step {
  fd: number;
  path: string;
  st: BigIntStats;
  mount?: FsMount;
  name?: string;
}

export type Lookup = { found: Entry } | { missing: string };

/**
 * Find `path` in the container. `followLast` follows a symlink in the last place too.
 * When something on the way does not exist: `missing`, the path as far as it resolved
 * with the rest appended (where a dangling symlink leads).
 */
export function lookup(view: FsView, path: string, followLast: boolean): Lookup {
  let rootFd: number;
  try {
    rootFd = openSync(view.root, O_PATH | constants.O_DIRECTORY);
  } catch (err) {
    throw fromErrno(err, `opening the container's root filesystem ${view.root}`);
  }
  const stack: Step[] = [{ fd: rootFd, path: '/', st: fstatSync(rootFd, { bigint: true }) }];
  let pending = components(path);
  let links = 0;
  try {
    while (pending.length) {
      const name = pending.shift() as string;
      if (name === '..') {
        if (stack.length > 1) closeSync((stack.pop() as Step).fd);
        continue;
      }
      const dir = stack[stack.length - 1];
      const childPath = posix.join(dir.path, name);
      const mount = view.mounts.get(childPath);
      let fd: number;
      try {
        fd = mount
          ? openSync(mount.source, O_PATH)
          : openSync(`${fdPath(dir.fd)}/${name}`, O_PATH | constants.O_NOFOLLOW);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return { missing: posix.join(childPath, ...pending) };
        throw fromErrno(err, `looking up ${path} in the container`);
      }
      const st = fstatSync(fd, { bigint: true });
      const last = pending.length === 0;
      if (st.isSymbolicLink() && (!last || followLast)) {
        let target: string;
        try {
          target = readlinkSync(`${fdPath(dir.fd)}/${name}`);
        } catch (err) {
          throw fromErrno(err, `reading the symlink ${childPath} in the container`);
        } finally {
          closeSync(fd);
        }
        if (++links > MAX_SYMLINKS) throw invalidArgument(`${path}: too many levels of symbolic links`);
        if (target.startsWith('/')) while (stack.length > 1) closeSync((stack.pop() as Step).fd);
        pending = [...components(target), ...pending];
        continue;
      }
      if (!last && !st.isDirectory()) {
        closeSync(fd);
        throw invalidArgument(`lstat ${path}: not a directory`);
      }
      stack.push({ fd, path: childPath, st, mount: mount ?? dir.mount, name: mount ? undefined : name });
    }
    const top = stack.pop() as Step;
    const dir = top.name !== undefined ? stack.pop() : undefined;
    return {
      found: { fd: top.fd, st: top.st, path: top.path, mount: top.mount, dirFd: dir?.fd, name: top.name },
    };
  } finally {
    for (const s of stack) closeSync(s.fd);
  }
}

/**
 * The mounts the container has over its root filesystem (binds and volumes, and the
 * hostname, hosts and resolv.conf files berth writes for it), with destinations resolved
 * through the root filesystem's symlinks as the runtime resolved them when mounting.
 */
export function containerView(svc: ContainerService, record: ContainerRecord, root: string): FsView {
  const wanted: FsMount[] = [];
  for (const m of record.mounts) {
    if (m.Type !== 'bind' && m.Type !== 'volume') continue;
    if (typeof m.Source !== 'string' || !m.Source || typeof m.Destination !== 'string') continue;
    wanted.push({ destination: m.Destination, source: m.Source, readOnly: m.RW === false });
  }
  const readonlyRootfs = !!record.request.HostConfig?.ReadonlyRootfs;
  for (const name of ['hostname', 'hosts', 'resolv.conf']) {
    const destination = `/etc/${name}`;
    const source = join(svc.dir(record.id), name);
    if (wanted.some((m) => m.destination === destination) || !existsSync(source)) continue;
    wanted.push({ destination, source, readOnly: readonlyRootfs });
  }
  const bare: FsView = { root, mounts: new Map() };
  const mounts = new Map<string, FsMount>();
  for (const m of wanted) {
    const clean = posix.join('/', m.destination);
    let at = clean;
    try {
      const parent = lookup(bare, posix.dirname(clean), true);
      if ('found' in parent) {
        at = posix.join(parent.found.path, posix.basename(clean));
        closeEntry(parent.found);
      }
    } catch {
      // A destination the root filesystem cannot hold (a file on the way): taken as written.
    }
    mounts.set(at, { ...m, destination: at });
  }
  return { root, mounts };
}

// ------------------------------------------------------------------ stat

function goFileMode(st: BigIntStats): number {
  const mode = Number(st.mode);
  let out = mode & 0o777;
  if (mode & 0o4000) out += GO_MODE.setuid;
  if (mode & 0o2000) out += GO_MODE.setgid;
  if (mode & 0o1000) out += GO_MODE.sticky;
  if (st.isDirectory()) out += GO_MODE.dir;
  else if (st.isSymbolicLink()) out += GO_MODE.symlink;
  else if (st.isBlockDevice()) out += GO_MODE.device;
  else if (st.isCharacterDevice()) out += GO_MODE.device + GO_MODE.charDevice;
  else if (st.isFIFO()) out += GO_MODE.namedPipe;
  else if (st.isSocket()) out += GO_MODE.socket;
  return out;
}

/** A nanosecond time as Go's RFC3339Nano writes it in UTC. */
function rfc3339Nano(ns: bigint): string {
  const seconds = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  const frac = ns - seconds * 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, '');
  const digits = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${whole}${digits}Z`;
}

function statOf(view: FsView, entry: Entry, abs: string): PathStat {
  let linkTarget = '';
  if (entry.st.isSymbolicLink()) {
    const full = lookup(view, abs, true);
    if ('found' in full) {
      linkTarget = full.found.path;
      closeEntry(full.found);
    } else linkTarget = full.missing;
  }
  return {
    name: goBase(abs),
    size: Number(entry.st.size),
    mode: goFileMode(entry.st),
    mtime: rfc3339Nano(entry.st.mtimeNs),
    linkTarget,
  };
}

/** Find the asked path as Docker does (a trailing `/` or `/.` follows the last symlink) or throw NotFound. */
function find(view: FsView, path: string, ref: string, followLast = false): { entry: Entry; abs: string } {
  const abs = containerAbsPath(path);
  const found = lookup(view, abs, followLast || assertsDirectory(abs));
  if ('missing' in found) throw notFound(`Could not find the file ${path} in container ${ref}`);
  if (assertsDirectory(abs) && !found.found.st.isDirectory()) {
    closeEntry(found.found);
    throw invalidArgument(`lstat ${abs}: not a directory`);
  }
  return { entry: found.found, abs };
}

/** HEAD /containers/{id}/archive: what is at `path` in the container. */
export async function statContainerPath(svc: ContainerService, ref: string, path: string): Promise<PathStat> {
  const record = svc.resolve(ref);
  const hold = await holdRootfs(svc, record);
  try {
    const view = containerView(svc, record, hold.root);
    const { entry, abs } = find(view, path, ref);
    try {
      return statOf(view, entry, abs);
    } finally {
      closeEntry(entry);
    }
  } finally {
    await hold.release();
  }
}

// ------------------------------------------------------------------ archives out

/** security.capability, the one xattr Docker's archives carry, read through the helper. */
class Capabilities {
  private sys: SysHelper | undefined;

  async of(dirFd: number, name: string): Promise<Map<string, Buffer> | undefined> {
    this.sys ??= new SysHelper();
    // The helper is another process: it reaches our descriptor through our pid.
    const value = await this.sys
      .getXattr(`/proc/${process.pid}/fd/${dirFd}/${name}`, 'security.capability')
      .catch(() => undefined);
    return value?.length ? new Map([['security.capability', value]]) : undefined;
  }

  async close(): Promise<void> {
    await this.sys?.close();
  }
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const childName = (prefix: string | undefined, name: string) =>
  prefix === undefined ? name : prefix.endsWith('/') ? `${prefix}${name}` : `${prefix}/${name}`;
const dirName = (name: string) => (name.endsWith('/') ? name : `${name}/`);

function openOrUndefined(path: string, flags: number): number | undefined {
  try {
    return openSync(path, flags);
  } catch (err) {
    // Gone, or swapped for something else (a symlink, a fifo) since it was listed: left out.
    if (['ENOENT', 'ELOOP', 'ENOTDIR', 'ENXIO'].includes(errnoOf(err) ?? '')) return undefined;
    throw fromErrno(err, `opening ${path}`);
  }
}

class TreeWriter {
  readonly builder = new ItemBuilder();
  readonly caps = new Capabilities();

  constructor(private readonly view: FsView) {}

  /** The items of an entry: itself under `name` (a directory with all below it); only its children when `name` is undefined. */
  async *items(entry: Entry, name: string | undefined): AsyncGenerator<LayerItem> {
    const st = entry.st;
    if (st.isDirectory()) {
      if (name !== undefined) yield this.dirItem(name, st);
      yield* this.children(entry.fd, entry.path, name);
      return;
    }
    const itemName = name ?? goBase(entry.path);
    if (st.isFile()) {
      const fd = openOrUndefined(fdPath(entry.fd), constants.O_RDONLY | constants.O_NONBLOCK);
      if (fd === undefined) return;
      try {
        const caps =
          entry.dirFd !== undefined ? await this.caps.of(entry.dirFd, entry.name as string) : undefined;
        const item = await this.builder.item(itemName, fdPath(fd), fstatSync(fd, { bigint: true }), caps);
        if (item) yield item;
      } finally {
        closeSync(fd);
      }
      return;
    }
    const at = entry.dirFd !== undefined ? `${fdPath(entry.dirFd)}/${entry.name}` : fdPath(entry.fd);
    const item = await this.builder.item(itemName, at, st);
    if (item) yield item;
  }

  private dirItem(name: string, st: BigIntStats): LayerItem {
    const header: TarHeader = {
      name: dirName(name),
      type: 'dir',
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: 0,
      mtime: Number(st.mtimeNs / 1_000_000_000n),
      linkname: '',
      devmajor: 0,
      devminor: 0,
    };
    return { header };
  }

  private async *children(
    dirFd: number,
    path: string,
    prefix: string | undefined,
  ): AsyncGenerator<LayerItem> {
    let names: string[];
    try {
      names = readdirSync(fdPath(dirFd));
    } catch (err) {
      throw fromErrno(err, `reading the directory ${path} in the container`);
    }
    // A mount shows in its directory even where the root filesystem lacks its mountpoint.
    for (const m of this.view.mounts.keys())
      if (m !== '/' && posix.dirname(m) === path && !names.includes(posix.basename(m)))
        names.push(posix.basename(m));
    names.sort(byteOrder);
    for (const n of names) {
      const childPath = posix.join(path, n);
      const tarName = childName(prefix, n);
      const mount = this.view.mounts.get(childPath);
      if (mount) {
        const fd = openOrUndefined(mount.source, O_PATH);
        if (fd === undefined) continue;
        try {
          yield* this.items({ fd, st: fstatSync(fd, { bigint: true }), path: childPath, mount }, tarName);
        } finally {
          closeSync(fd);
        }
        continue;
      }
      const at = `${fdPath(dirFd)}/${n}`;
      let st: BigIntStats;
      try {
        st = lstatSync(at, { bigint: true });
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue;
        throw fromErrno(err, `reading ${childPath} in the container`);
      }
      if (st.isDirectory() || st.isFile()) {
        const flags = st.isDirectory()
          ? O_PATH | constants.O_NOFOLLOW | constants.O_DIRECTORY
          : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
        const fd = openOrUndefined(at, flags);
        if (fd === undefined) continue;
        try {
          const now = fstatSync(fd, { bigint: true });
          if (now.isDirectory()) {
            yield this.dirItem(tarName, now);
            yield* this.children(fd, childPath, tarName);
          } else if (now.isFile()) {
            const caps = await this.caps.of(dirFd, n);
            const item = await this.builder.item(tarName, fdPath(fd), now, caps);
            if (item) yield item;
          }
        } finally {
          closeSync(fd);
        }
        continue;
      }
      const item = await this.builder.item(tarName, at, st);
      if (item) yield item;
    }
  }
}

/** A tar of the entry (see TreeWriter.items); `done` runs once the stream is closed, read or not. */
export function entryArchive(
  view: FsView,
  entry: Entry,
  name: string | undefined,
  done: () => void,
): Readable {
  const writer = new TreeWriter(view);
  const stream = tarStream(writer.items(entry, name));
  stream.once('close', () => {
    writer.caps.close().then(done, done);
  });
  return stream;
}

/** GET /containers/{id}/archive: the stat of `path` and a tar of it. */
export async function archiveContainerPath(
  svc: ContainerService,
  ref: string,
  path: string,
): Promise<{ stat: PathStat; stream: Readable }> {
  const record = svc.resolve(ref);
  const hold = await holdRootfs(svc, record);
  let entry: Entry | undefined;
  try {
    const view = containerView(svc, record, hold.root);
    const found = find(view, path, ref);
    entry = found.entry;
    const stat = statOf(view, entry, found.abs);
    const kept = entry;
    const stream = entryArchive(view, entry, goBase(found.abs), () => {
      closeEntry(kept);
      hold.release().catch(() => {});
    });
    return { stat, stream };
  } catch (err) {
    closeEntry(entry);
    await hold.release();
    throw err;
  }
}

// ------------------------------------------------------------------ archives in

/**
 * A tar rewritten member by member: `edit` returns the header to write (changed or not),
 * or undefined to leave the member out. Content passes through untouched.
 */
export function editTar(
  source: AsyncIterable<Buffer>,
  edit: (h: TarHeader) => TarHeader | undefined,
): Readable {
  async function* members(): AsyncGenerator<Buffer> {
    const reader = new TarReader(source);
    for (let h = await reader.next(); h; h = await reader.next()) {
      const out = edit(h);
      if (!out) continue;
      yield encodeHeader(out);
      if (out.type !== 'file' || out.size === 0) continue;
      for (let c = await reader.read(); c; c = await reader.read()) yield c;
      const pad = padding(out.size);
      if (pad) yield Buffer.alloc(pad);
    }
    yield END_OF_ARCHIVE;
  }
  return Readable.from(members(), { objectMode: false });
}

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (Docker's noOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  /** Own everything by this user instead of the archive's owners. */
  owner?: { uid: number; gid: number };
  /** Rename members (and hardlink targets) before anything else. */
  rename?: (name: string) => string;
  /** How messages name the target directory (the container's path for an upload). */
  displayDir?: string;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Extract a tar (plain, gzip or zstd) into the directory `target`: all or nothing,
 * never outside it. The archive's entry for the target itself (`.`) is left out, as
 * Docker leaves it, so the target keeps its own owner and mode.
 */
export async function extractTar(source: Readable, target: string, opts: ExtractOptions = {}): Promise<void> {
  const shown = opts.displayDir ?? target;
  const plain = source.pipe(decompressStream('auto'));
  source.on('error', (err) => plain.destroy(err));
  const edited = editTar(plain, (h) => {
    const name = opts.rename ? opts.rename(h.name) : h.name;
    const m = parseMemberName(name, h.name);
    if (m.rel === '') return undefined;
    if (m.base.startsWith(WHITEOUT_PREFIX)) {
      throw invalidArgument(
        `cannot copy ${JSON.stringify(h.name)}: names starting with ${WHITEOUT_PREFIX} mark deletions in image layers`,
      );
    }
    if (opts.noOverwriteDirNonDir) {
      const st = lstatOrUndefined(join(target, m.rel));
      const at = posix.join(shown, m.rel);
      if (st?.isDirectory() && h.type !== 'dir')
        throw invalidArgument(`cannot overwrite directory "${at}" with non-directory "${shown}"`);
      if (st && !st.isDirectory() && h.type === 'dir')
        throw invalidArgument(`cannot overwrite non-directory "${at}" with directory "${shown}"`);
    }
    const out: TarHeader = { ...h, name };
    if (h.type === 'link' && opts.rename) out.linkname = opts.rename(h.linkname);
    if (opts.owner) {
      out.uid = opts.owner.uid;
      out.gid = opts.owner.gid;
    }
    return out;
  });
  await applyLayer(edited, target, { whiteouts: 'apply', compression: 'none' });
}

/**
 * PUT /containers/{id}/archive: extract a tar into the directory at `path` (its last
 * symlink followed, inside the container). `copyUIDGID` owns everything by the
 * container's user, as Docker does when the container has one.
 */
export async function extractToContainer(
  svc: ContainerService,
  ref: string,
  path: string,
  tar: Readable,
  opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {},
): Promise<void> {
  const record = svc.resolve(ref);
  const hold = await holdRootfs(svc, record);
  let entry: Entry | undefined;
  let paused = false;
  try {
    const view = containerView(svc, record, hold.root);
    entry = find(view, path, ref, true).entry;
    if (!entry.st.isDirectory()) throw invalidArgument('extraction point is not a directory');
    if (entry.mount?.readOnly) throw invalidArgument('mounted volume is marked read-only');
    if (!entry.mount && record.request.HostConfig?.ReadonlyRootfs)
      throw invalidArgument('container rootfs is marked read-only');
    let owner: { uid: number; gid: number } | undefined;
    if (opts.copyUIDGID && record.config.User) {
      const user = resolveUserInRootfs(hold.root, record.config.User);
      owner = { uid: user.uid, gid: user.gid };
    }
    const target = readlinkSync(fdPath(entry.fd));
    if (!target.startsWith('/') || target.endsWith(' (deleted)'))
      throw new BerthError('Conflict', `${path} in container ${ref} was removed while being copied to`);
    if (svc.resolve(record.id).state.Status === 'running') {
      await svc.pause(record.id);
      paused = true;
    }
    await extractTar(tar, target, {
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
      owner,
      displayDir: entry.path,
    });
  } finally {
    if (paused) await svc.unpause(record.id).catch(() => {});
    closeEntry(entry);
    await hold.release();
  }
}
