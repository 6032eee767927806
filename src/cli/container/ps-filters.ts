// `ps --filter key=value`: the client side builds the API's `filters` JSON as
// Docker's CLI does; the server side validates it with moby's rules and words
// and matches containers against it:
//   id, name          regular expressions (unanchored), as moby matches them
//   label             `key` or `key=value`; every label filter must match
//   status            created|restarting|running|removing|paused|exited|dead
//   exited            an exit code (containers that ran and stopped)
//   health            starting|healthy|unhealthy|none
//   ancestor          an image, or any image built on it
//   before, since     containers created before / after the named one
//   volume            a volume name, bind source or mount destination
//   network           a network name or ID prefix
//   publish, expose   a port or range, `80`, `8000-8080/udp`
//   is-task           true|false (swarm tasks: never, in berth)
// Several values of one key match when any of them does; different keys must
// all match.
import { BerthError } from '../../util/errors.ts';
import { invalid, invalidFlagValue } from './go-values.ts';
import { parsePortRange } from './ports.ts';
import type { ContainerPort } from './ps-ports.ts';

/** Filters by key, each with its set of values. */
export type ContainerFilters = ReadonlyMap<string, ReadonlySet<string>>;

/** `--filter` flag values → the `filters` query parameter (undefined for none). */
export function psFiltersParam(flags: readonly string[] | undefined): string | undefined {
  const out = new Map<string, Set<string>>();
  for (const f of flags ?? []) {
    if (f === '') continue;
    const eq = f.indexOf('=');
    if (eq < 0) throw invalidFlagValue(f, '-f, --filter', 'bad format of filter (expected name=value)');
    const name = f.slice(0, eq).trim().toLowerCase();
    const set = out.get(name) ?? new Set<string>();
    set.add(f.slice(eq + 1).trim());
    out.set(name, set);
  }
  if (out.size === 0) return undefined;
  const json: Record<string, Record<string, true>> = {};
  for (const name of [...out.keys()].sort()) {
    json[name] = Object.fromEntries([...out.get(name)!].sort().map((v) => [v, true]));
  }
  return JSON.stringify(json);
}

/** The `filters` parameter as the daemon reads it: `{"k":{"v":true}}`, or the old `{"k":["v"]}`. */
export function parseFiltersParam(param: string | undefined): ContainerFilters {
  const out = new Map<string, Set<string>>();
  if (param === undefined || param === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(param);
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
  if (parsed === null) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('invalid filter: not a JSON object');
  for (const [key, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(values)) out.set(key, new Set(values.map(String)));
    else if (values && typeof values === 'object') {
      out.set(
        key,
        new Set(Object.keys(values).filter((v) => (values as Record<string, unknown>)[v] === true)),
      );
    } else throw invalid(`invalid filter: values of '${key}' must be an object`);
  }
  return out;
}

/** What the filters look at; the list item's fields plus facts the list does not carry. */
export interface FilterableContainer {
  readonly Id: string;
  /** With the leading `/`; the first is the container's own name. */
  readonly Names: readonly string[];
  readonly ImageID?: string;
  /** Creation time; compared with the `before`/`since` container's in the same unit. */
  readonly Created: number;
  readonly State: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Mounts?: readonly { Name?: string; Source?: string; Destination?: string }[] | null;
  readonly NetworkSettings?: {
    readonly Networks?: Readonly<Record<string, { NetworkID?: string } | null>> | null;
  } | null;
  readonly Ports?: readonly ContainerPort[] | null;
  readonly ExitCode?: number;
  /** `none` (or absent) for a container without a health check. */
  readonly Health?: 'starting' | 'healthy' | 'unhealthy' | 'none';
  /** Whether it has ever started (a created container has not). */
  readonly Started?: boolean;
  readonly IsTask?: boolean;
}

export interface FilterResolvers {
  /** The IDs of the image `ref` names and of every image built on it; undefined if there is no such image. */
  resolveImage(ref: string): readonly string[] | undefined;
  /** The container `ref` names (ID, ID prefix or name); undefined if none. */
  resolveContainer?(ref: string): { Id: string; Created: number } | undefined;
}

const ACCEPTED = new Set([
  'ancestor',
  'before',
  'exited',
  'id',
  'isolation',
  'label',
  'name',
  'status',
  'health',
  'since',
  'volume',
  'network',
  'is-task',
  'publish',
  'expose',
]);
const STATES = new Set(['paused', 'restarting', 'running', 'removing', 'dead', 'created', 'exited']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);

export interface ContainerMatcher {
  /** Whether a container passes every filter. */
  match(c: FilterableContainer): boolean;
  /** A `status` filter lists stopped containers too, as if `all` were given. */
  readonly impliesAll: boolean;
}

/** Any of the values equals `s` or, as a regular expression, matches it (moby's Match). */
function matchesAny(values: ReadonlySet<string> | undefined, s: string): boolean {
  if (!values || values.size === 0) return true;
  if (values.has(s)) return true;
  for (const v of values) {
    try {
      if (new RegExp(v).test(s)) return true;
    } catch {
      // Not a valid expression: it only matches exactly.
    }
  }
  return false;
}

function portsOf(key: string, values: ReadonlySet<string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const value of values ?? []) {
    if (value.includes(':')) throw invalid(`filter for '${key}' should not contain ':': ${value}`);
    const slash = value.indexOf('/');
    const port = slash < 0 ? value : value.slice(0, slash);
    const proto = slash < 0 || value.slice(slash + 1) === '' ? 'tcp' : value.slice(slash + 1);
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw invalid(`error while looking up for ${key} ${value}: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) out.add(`${p}/${proto}`);
  }
  return out;
}

/** Check the filters (moby's messages) and resolve what they name, once. */
export function compileContainerFilters(
  filters: ContainerFilters,
  resolvers: FilterResolvers,
): ContainerMatcher {
  for (const key of filters.keys()) {
    if (!ACCEPTED.has(key)) throw invalid(`invalid filter '${key}'`);
  }
  const values = (key: string): ReadonlySet<string> => filters.get(key) ?? new Set();
  const exitCodes = [...values('exited')].map((v) => {
    if (!/^[+-]?[0-9]+$/.test(v)) throw invalid(`strconv.Atoi: parsing "${v}": invalid syntax`);
    return Number.parseInt(v, 10);
  });
  for (const s of values('status')) if (!STATES.has(s)) throw invalid(`invalid filter 'status=${s}'`);
  for (const h of values('health')) {
    if (!HEALTH.has(h)) throw invalid(`unrecognized filter value for health: ${h}`);
  }
  let isTask: boolean | undefined;
  if (filters.has('is-task')) {
    const v = values('is-task');
    if (v.size === 1 && v.has('true')) isTask = true;
    else if (v.size === 1 && v.has('false')) isTask = false;
    else throw invalid(`invalid filter 'is-task=${[...v].join(',')}'`);
  }
  const lookup = (ref: string) => {
    const found = resolvers.resolveContainer?.(ref);
    if (!found) throw new BerthError('NotFound', `No such container: ${ref}`);
    return found;
  };
  const before = [...values('before')].map(lookup).at(-1);
  const since = [...values('since')].map(lookup).at(-1);
  let ancestors: Set<string> | undefined;
  if (filters.has('ancestor')) {
    ancestors = new Set();
    for (const ref of values('ancestor'))
      for (const id of resolvers.resolveImage(ref) ?? []) ancestors.add(id);
  }
  const publish = portsOf('publish', filters.get('publish'));
  const expose = portsOf('expose', filters.get('expose'));

  const match = (c: FilterableContainer): boolean => {
    if (before && (c.Id === before.Id || c.Created >= before.Created)) return false;
    if (since && (c.Id === since.Id || c.Created <= since.Created)) return false;
    const name = c.Names[0] ?? '';
    if (!matchesAny(filters.get('name'), name) && !matchesAny(filters.get('name'), name.replace(/^\//, ''))) {
      return false;
    }
    if (!matchesAny(filters.get('id'), c.Id)) return false;
    if (isTask !== undefined && isTask !== (c.IsTask ?? false)) return false;
    const labels = c.Labels ?? {};
    for (const want of values('label')) {
      const eq = want.indexOf('=');
      const key = eq < 0 ? want : want.slice(0, eq);
      if (!Object.hasOwn(labels, key)) return false;
      if (eq >= 0 && labels[key] !== want.slice(eq + 1)) return false;
    }
    if (values('isolation').size && !values('isolation').has('default')) return false;
    if (
      exitCodes.length &&
      !(
        !['running', 'paused', 'restarting'].includes(c.State) &&
        c.Started &&
        exitCodes.includes(c.ExitCode ?? 0)
      )
    ) {
      return false;
    }
    if (values('status').size && !values('status').has(c.State)) return false;
    if (values('health').size && !values('health').has(c.Health ?? 'none')) return false;
    if (values('volume').size) {
      const mounts = c.Mounts ?? [];
      const hit = [...values('volume')].some((v) =>
        mounts.some((m) => m.Destination === v || (m.Name ? m.Name === v : m.Source === v)),
      );
      if (!hit) return false;
    }
    if (ancestors && !(c.ImageID && ancestors.has(c.ImageID))) return false;
    if (values('network').size) {
      const networks = c.NetworkSettings?.Networks;
      if (!networks) return false;
      const hit = [...values('network')].some(
        (v) =>
          Object.hasOwn(networks, v) ||
          Object.values(networks).some((n) => n?.NetworkID?.startsWith(v) === true),
      );
      if (!hit) return false;
    }
    const ports = c.Ports ?? [];
    if (publish.size && !ports.some((p) => p.PublicPort && publish.has(`${p.PrivatePort}/${p.Type}`)))
      return false;
    if (expose.size && !ports.some((p) => expose.has(`${p.PrivatePort}/${p.Type}`))) return false;
    return true;
  };
  return { match, impliesAll: filters.has('status') };
}

/** Whether one container passes the filters (compile once instead, for a list). */
export function matchContainerFilters(
  filters: ContainerFilters,
  container: FilterableContainer,
  resolvers: FilterResolvers,
): boolean {
  return compileContainerFilters(filters, resolvers).match(container);
}
