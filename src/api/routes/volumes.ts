// The volume endpoints of the Docker Engine API: list (with the dangling, name,
// driver and label filters), create, inspect, remove and prune, in Docker's JSON.
// Only the `local` driver exists. Anonymous volumes carry Docker's
// `com.docker.volume.anonymous` label in what is shown, so filters and clients that
// look for it find them. Prune removes only anonymous volumes unless `all=true`, and
// clients older than API 1.42 get the old rule (every unused volume), as Docker does.
import { randomBytes } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerService } from '../../engine/container-service.ts';
import type { Volume, VolumeStore } from '../../engine/volume-store.ts';
import { invalidArgument, isBerthError } from '../../util/errors.ts';
import { compareApiVersions } from '../api-version.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { Filters } from '../query.ts';
import type { RequestContext } from '../request-context.ts';
import { boolFilter, labelsMatch } from './image-filters.ts';

export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

const LIST_FILTERS = ['dangling', 'driver', 'label', 'label!', 'name'] as const;
const PRUNE_FILTERS = ['all', 'label', 'label!'] as const;
/** The local driver's options (Docker's): a mount of `device` of `type` with options `o`. */
const LOCAL_OPTIONS = ['type', 'device', 'o', 'size'];
const REQUIRED_WITH: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export interface VolumeJson {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number };
}

/** RFC 3339 to the second, as Docker prints a volume's CreatedAt. */
const rfc3339 = (iso: string): string => new Date(iso).toISOString().replace(/\.\d+Z$/, 'Z');

export function volumeJson(v: Volume): VolumeJson {
  return {
    CreatedAt: rfc3339(v.created),
    Driver: 'local',
    Labels: v.anonymous ? { [ANONYMOUS_LABEL]: '', ...v.labels } : v.labels,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null,
    Scope: 'local',
  };
}

/**
 * Bytes in the files under `dir`, as Docker measures a volume or a container layer:
 * apparent sizes, each inode once (hard links), directories not counted.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path, { bigint: true }).catch(() => undefined);
    if (!st) return; // removed while we looked
    if (st.isDirectory()) {
      const names = await readdir(path).catch(() => [] as string[]);
      for (const name of names) await walk(join(path, name));
      return;
    }
    if (st.size === 0n || seen.has(st.ino)) return;
    seen.add(st.ino);
    total += Number(st.size);
  };
  await walk(dir);
  return total;
}

/** Docker's filter match: an exact value, or a regular expression found in `value`. */
function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => {
    if (p === value) return true;
    try {
      return new RegExp(p).test(value);
    } catch {
      return false;
    }
  });
}

function labelsPass(filters: Filters, labels: Record<string, string>): boolean {
  if (!labelsMatch(labels, filters.get('label'))) return false;
  return !filters.get('label!').some((l) => labelsMatch(labels, [l]));
}

/** GET /volumes: the volumes that pass the filters. */
export function listVolumes(
  store: VolumeStore,
  users: (name: string) => string[],
  filters: Filters,
): VolumeJson[] {
  filters.validate(LIST_FILTERS);
  const dangling = filters.has('dangling') ? boolFilter(filters, 'dangling', false) : undefined;
  const drivers = filters.get('driver');
  const names = filters.get('name');
  return store
    .list()
    .map(volumeJson)
    .filter((v) => {
      if (dangling !== undefined && (users(v.Name).length === 0) !== dangling) return false;
      if (drivers.length && !matchesAny(drivers, v.Driver)) return false;
      if (names.length && !matchesAny(names, v.Name)) return false;
      return labelsPass(filters, v.Labels);
    });
}

interface CreateBody {
  Name?: unknown;
  Driver?: unknown;
  DriverOpts?: unknown;
  Labels?: unknown;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidArgument(`${field} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidArgument(`${field}.${k} must be a string`);
  }
  return value as Record<string, string>;
}

/** The local driver's rules for its options, with Docker's messages. */
function checkLocalOptions(opts: Record<string, string>): void {
  for (const key of Object.keys(opts)) {
    if (!LOCAL_OPTIONS.includes(key)) throw invalidArgument(`invalid option: "${key}"`);
  }
  if ('size' in opts) throw invalidArgument('quota size requested but no quota support');
  for (const [key, needs] of Object.entries(REQUIRED_WITH)) {
    if (!(key in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw invalidArgument(`missing required option: "${n}"`);
  }
}

/** POST /volumes/create. A volume without a name gets a random one, and is a named volume all the same. */
export function createVolume(store: VolumeStore, body: CreateBody | undefined): VolumeJson {
  const b = body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw invalidArgument('the body must be a JSON object');
  if (b.Name !== undefined && b.Name !== null && typeof b.Name !== 'string')
    throw invalidArgument('Name must be a string');
  if (b.Driver !== undefined && b.Driver !== null && typeof b.Driver !== 'string')
    throw invalidArgument('Driver must be a string');
  const options = stringMap(b.DriverOpts, 'DriverOpts');
  const labels = stringMap(b.Labels, 'Labels');
  checkLocalOptions(options);
  const name = (b.Name as string | undefined) || randomBytes(32).toString('hex');
  const { volume } = store.create(name, {
    driver: (b.Driver as string | undefined) || 'local',
    labels,
    options,
  });
  return volumeJson(volume);
}

export interface VolumePruneReport {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** POST /volumes/prune: unused volumes (anonymous ones unless `all`), with their sizes reclaimed. */
export async function pruneVolumes(
  store: VolumeStore,
  users: (name: string) => string[],
  filters: Filters,
  apiVersion: string,
): Promise<VolumePruneReport> {
  filters.validate(PRUNE_FILTERS);
  const all = compareApiVersions(apiVersion, '1.42') < 0 || boolFilter(filters, 'all', false);
  const deleted: string[] = [];
  let space = 0;
  for (const v of store.list()) {
    if (!all && !v.anonymous) continue;
    if (users(v.name).length) continue;
    if (!labelsPass(filters, volumeJson(v).Labels)) continue;
    const size = await directorySize(v.mountpoint);
    try {
      store.remove(v.name);
    } catch (err) {
      // taken into use, or removed, while the prune ran: it stays out of the report
      if (isBerthError(err, 'Conflict') || isBerthError(err, 'NotFound')) continue;
      throw err;
    }
    deleted.push(v.name);
    space += size;
  }
  return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
}

/** What GET /system/df lists of a volume: with its size and how many containers refer to it. */
export async function volumeWithUsage(v: Volume, svc: ContainerService): Promise<VolumeJson> {
  return {
    ...volumeJson(v),
    UsageData: { Size: await directorySize(v.mountpoint), RefCount: svc.volumeUsers(v.name).length },
  };
}

export const volumeRoutes: RouteModule = (router, daemon) => {
  const engine = async () => {
    const svc = await daemon.containers.get();
    return { svc, store: daemon.containers.volumes, users: (n: string) => svc.volumeUsers(n) };
  };
  router.get('/volumes', async (ctx) => {
    const { store, users } = await engine();
    return { Volumes: listVolumes(store, users, ctx.filters()), Warnings: null };
  });
  router.post('/volumes/create', async (ctx: RequestContext) => {
    const { store } = await engine();
    ctx.json(201, createVolume(store, await ctx.readJson<CreateBody>()));
  });
  router.post('/volumes/prune', async (ctx) => {
    const { store, users } = await engine();
    return pruneVolumes(store, users, ctx.filters(), ctx.apiVersion);
  });
  router.get('/volumes/{name}', async (ctx) => {
    const { store } = await engine();
    return volumeJson(store.inspect(ctx.params.name));
  });
  router.delete('/volumes/{name}', async (ctx) => {
    const { store } = await engine();
    store.remove(ctx.params.name, { force: ctx.bool('force') });
    ctx.noContent(204);
  });
};
