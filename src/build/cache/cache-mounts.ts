// Cache mounts (`RUN --mount=type=cache`): directories a RUN writes into that are
// not part of its layer and outlive the step, the build and the daemon: package
// managers' downloads, compilers' object caches. They are not step results, so
// they are not in the build cache's records; they live beside them on disk, under
// `<root>/build/cache-mounts`, and `builder prune` removes them (prune.ts).
//
// Layout: one directory per cache, named by the first 25 hex digits of the
// SHA-256 of its key (the mount's `id`, plus the `from` it was seeded from, so
// caches seeded from different sources never mix), holding `id` (the key, for
// people) and its instances `0`, `1`, ...: usually only `0`; more appear only when
// users that must not share one meet. The time of the `id` file is the last use,
// for `builder prune --filter until=…`.
//
// Sharing, as BuildKit shares its cache mounts, within this daemon (the only
// process that builds). An instance is free when nobody uses it. `shared` users
// use one instance together: the one shared users hold already, else the first
// free one (a new one when none is). A `private` user takes the first free
// instance alone, and a new one when none is free, so it never waits and never
// meets a concurrent writer. A `locked` user takes the first free instance alone,
// waiting (first come, first served) while every instance is in use. Users go in
// the order they asked. A new instance is made under a temporary name, given the
// mount's mode and owner (and the files it is seeded with), then renamed into
// place: a crash never leaves a half-seeded instance under a real name.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, fromErrno } from '../../util/errors.ts';

export type CacheSharing = 'shared' | 'private' | 'locked';

export interface CacheMountRequest {
  /** The cache's key: the mount's id (and its seed's identity, when it has one). */
  key: string;
  sharing: CacheSharing;
  /** Mode and owner of a new instance's directory (BuildKit's defaults: 0755, 0:0). */
  mode: number;
  uid: number;
  gid: number;
  /** Fill a new instance (`from=`): called with its directory before it is put in place. */
  seed?: (dir: string) => Promise<void>;
}

export interface CacheMountLease {
  /** The instance's directory, to bind-mount. */
  path: string;
  release(): Promise<void>;
}

export interface CacheMountPruneOptions {
  /** Milliseconds since the epoch: caches used after it stay. */
  until?: number;
  /** ID prefixes: only these caches go. */
  ids?: readonly string[];
}

/** A cache as `system df` lists it. */
export interface CacheMountUsage {
  id: string;
  /** The key it was made for (the mount's id, and its seed). */
  key: string;
  bytes: number;
  /** A RUN holds it now. */
  inUse: boolean;
  /** Milliseconds since the epoch. */
  created: number;
  lastUsed: number;
}

export interface CacheMountPruneReport {
  removed: string[];
  bytes: number;
}

/** A cache's ID as `builder prune` reports it. */
export const cacheMountId = (key: string): string =>
  createHash('sha256').update(key).digest('hex').slice(0, 25);

interface CacheState {
  /** Instance numbers on disk or being made. */
  known: Set<number>;
  /** Instances in use (a shared group's counts once). */
  inUse: Set<number>;
  /** The instance shared users hold, and how many they are. */
  shared?: { instance: number; users: number };
  /** Locked users waiting for a free instance, in order. */
  waiting: ((instance: number) => void)[];
  /** Users between asking and releasing: a cache with any is not pruned. */
  users: number;
  /** Instances are made one at a time (two first users of a shared cache must not both make it). */
  making: Promise<unknown>;
}

export class CacheMounts {
  private readonly state = new Map<string, CacheState>();
  /** Caches prune is deleting: a user waits until they are gone, then starts afresh. */
  private readonly removing = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  /** An instance of the cache for one RUN, until `release`. */
  async acquire(req: CacheMountRequest): Promise<CacheMountLease> {
    const id = cacheMountId(req.key);
    const removing = this.removing.get(id);
    if (removing) await removing;
    const st = this.stateOf(id);
    st.users++;
    let instance: number | undefined;
    try {
      // The turn is taken before anything is awaited: users get the cache in the order they asked.
      instance = await this.take(st, req.sharing);
      const cacheDir = join(this.dir, id);
      await mkdir(cacheDir, { recursive: true, mode: 0o700 });
      await writeFile(join(cacheDir, 'id'), `${req.key}\n`);
      const path = join(cacheDir, String(instance));
      const making = st.making.then(() => ensureInstance(path, req));
      st.making = making.catch(() => {});
      await making;
      const taken = instance;
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          const now = new Date();
          await utimes(join(cacheDir, 'id'), now, now).catch(() => {});
          this.giveBack(id, st, taken);
        },
      };
    } catch (err) {
      if (instance === undefined) st.users--;
      else this.giveBack(id, st, instance);
      throw err;
    }
  }

  /** Every cache on disk, with its size and times. */
  async list(): Promise<CacheMountUsage[]> {
    const names = await this.names();
    const out: CacheMountUsage[] = [];
    for (const id of names) {
      const cacheDir = join(this.dir, id);
      const [dir, idFile, key] = await Promise.all([
        stat(cacheDir).catch(() => undefined),
        stat(join(cacheDir, 'id')).catch(() => undefined),
        readFile(join(cacheDir, 'id'), 'utf8').catch(() => ''),
      ]);
      // Gone meanwhile (pruned), or not a cache.
      if (!dir?.isDirectory()) continue;
      out.push({
        id,
        key: key.trim(),
        bytes: await treeBytes(cacheDir),
        inUse: (this.state.get(id)?.users ?? 0) > 0,
        created: dir.birthtimeMs || dir.ctimeMs,
        lastUsed: idFile?.mtimeMs ?? dir.mtimeMs,
      });
    }
    return out;
  }

  /** Remove the caches nobody uses (those `opts` pick); what went and how many bytes it held. */
  async prune(opts: CacheMountPruneOptions = {}): Promise<CacheMountPruneReport> {
    const report: CacheMountPruneReport = { removed: [], bytes: 0 };
    for (const id of await this.names()) {
      if ((this.state.get(id)?.users ?? 0) > 0) continue;
      if (opts.ids?.length && !opts.ids.some((p) => id.startsWith(p.replace(/^sha256:/, '')))) continue;
      const cacheDir = join(this.dir, id);
      if (opts.until !== undefined) {
        const used = await stat(join(cacheDir, 'id')).catch(() => undefined);
        if (used && used.mtimeMs > opts.until) continue;
      }
      const bytes = await treeBytes(cacheDir);
      // A user that came while the size was counted keeps the cache.
      if ((this.state.get(id)?.users ?? 0) > 0) continue;
      const removal = rm(cacheDir, { recursive: true, force: true });
      this.removing.set(
        id,
        removal.catch(() => {}).finally(() => this.removing.delete(id)),
      );
      await removal;
      report.removed.push(id);
      report.bytes += bytes;
    }
    return report;
  }

  /** The caches' directory names, sorted; none when the directory is not there yet. */
  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw fromErrno(err, `reading the cache mounts in ${this.dir}`);
    }
  }

  private stateOf(id: string): CacheState {
    let st = this.state.get(id);
    if (!st) {
      st = {
        known: new Set(instancesOnDisk(join(this.dir, id))),
        inUse: new Set(),
        waiting: [],
        users: 0,
        making: Promise.resolve(),
      };
      this.state.set(id, st);
    }
    return st;
  }

  /** An instance for a user of `sharing`; only a locked user ever waits. */
  private take(st: CacheState, sharing: CacheSharing): Promise<number> {
    if (sharing === 'shared' && st.shared) {
      st.shared.users++;
      return Promise.resolve(st.shared.instance);
    }
    let n = firstFree(st);
    if (n === undefined && sharing === 'locked' && st.known.size) {
      return new Promise((resolve) => st.waiting.push(resolve));
    }
    n ??= firstUnknown(st);
    st.known.add(n);
    st.inUse.add(n);
    if (sharing === 'shared') st.shared = { instance: n, users: 1 };
    return Promise.resolve(n);
  }

  private giveBack(id: string, st: CacheState, instance: number): void {
    st.users--;
    const stillShared = st.shared?.instance === instance && --st.shared.users > 0;
    if (!stillShared) {
      if (st.shared?.instance === instance) st.shared = undefined;
      const next = st.waiting.shift();
      // The freed instance goes straight to the first waiting user, before anyone new.
      if (next) next(instance);
      else st.inUse.delete(instance);
    }
    if (st.users === 0 && !st.inUse.size) this.state.delete(id);
  }
}

function firstFree(st: CacheState): number | undefined {
  return [...st.known].sort((a, b) => a - b).find((n) => !st.inUse.has(n));
}

function firstUnknown(st: CacheState): number {
  let n = 0;
  while (st.known.has(n)) n++;
  return n;
}

function instancesOnDisk(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^(0|[1-9][0-9]*)$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

/** The instance at `path`, made (and seeded) when it is not there yet. */
async function ensureInstance(path: string, req: CacheMountRequest): Promise<void> {
  try {
    if ((await lstat(path)).isDirectory()) return;
    await rm(path, { recursive: true, force: true });
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw fromErrno(err, `opening the cache mount ${path}`);
  }
  const fresh = join(path, '..', `.new-${randomUUID()}`);
  try {
    await mkdir(fresh);
    if (req.seed) await req.seed(fresh);
    await chown(fresh, req.uid, req.gid);
    await chmod(fresh, req.mode);
    await rename(fresh, path);
  } catch (err) {
    await rm(fresh, { recursive: true, force: true }).catch(() => {});
    throw fromErrno(err, `making the cache mount ${path}`);
  }
}

/** Bytes of the files under `dir`. */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else total += (await lstat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

const opened = new Map<string, CacheMounts>();

/** The cache mounts under `dir`, one instance per directory in this process (its locks are shared). */
export function cacheMountsAt(dir: string): CacheMounts {
  let m = opened.get(dir);
  if (!m) {
    m = new CacheMounts(dir);
    opened.set(dir, m);
  }
  return m;
}
