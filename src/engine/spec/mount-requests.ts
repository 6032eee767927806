// The mounts a create request asks for, parsed and checked by Docker's rules before anything
// is created: `Binds` (`-v`: `/host:/ctr[:mode]`, `name:/ctr[:mode]`, `/ctr`), `Mounts`
// (`--mount`: bind, volume, tmpfs) and the `Tmpfs` map (`--tmpfs`). Destinations are
// absolute, not `/`, and unique. A `-v` bind of a missing host path gets the directory
// created (Docker's old behaviour, kept); a `--mount` bind of a missing one is an error
// unless CreateMountpoint is set.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { invalidArgument } from '../../util/errors.ts';
import type { HostConfig, MountSpec } from '../container-config.ts';
import { mergeTmpfsOptions, tmpfsSize } from './tmpfs-options.ts';

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const CONSISTENCIES = ['consistent', 'cached', 'delegated', 'default'];

export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Clean and absolute. */
  destination: string;
  /** bind: the host path. */
  source?: string;
  /** volume: the name; undefined for an anonymous volume. */
  volumeName?: string;
  readOnly: boolean;
  /** bind: the propagation asked for (default rprivate). */
  propagation?: string;
  nonRecursive?: boolean;
  /** bind: create the host directory when it is missing. */
  createSource?: boolean;
  /** volume: do not copy the image's files into a new, empty volume. */
  noCopy?: boolean;
  /** volume: mount this directory of the volume instead of its root. */
  subpath?: string;
  /** tmpfs: the merged options. */
  tmpfsOptions?: string[];
  /** As `inspect` shows it: the `-v` mode string, or "". */
  mode: string;
  /** Shown in `inspect`'s Mounts (the Tmpfs map's entries are not, as in Docker). */
  inspect: boolean;
  /** Where it came from, for messages: `HostConfig.Binds[2]`. */
  origin: string;
}

/** Go's path.Clean for an absolute path: no `.`, `..`, doubled or trailing slashes. */
export const cleanPath = (p: string) => posix.normalize(p).replace(/(.)\/+$/, '$1');

function checkDestination(target: string | undefined, fail: (msg: string) => never): string {
  if (!target) fail('field Target must not be empty');
  const t = target as string;
  if (!t.startsWith('/')) fail(`invalid mount path: '${t}' mount path must be absolute`);
  const clean = cleanPath(t);
  if (clean === '/') fail("invalid specification: destination can't be '/'");
  return clean;
}

function validMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, propagation: 0, copy: 0, consistency: 0 };
  for (const o of mode.split(',')) {
    if (o === 'rw' || o === 'ro') counts.rw++;
    else if (o === 'z' || o === 'Z') counts.label++;
    else if (PROPAGATIONS.includes(o)) counts.propagation++;
    else if (o === 'nocopy') counts.copy++;
    else if (CONSISTENCIES.includes(o)) counts.consistency++;
    else return false;
  }
  return Object.values(counts).every((n) => n <= 1);
}

function checkVolumeName(name: string, fail: (msg: string) => never): void {
  if (!VOLUME_NAME.test(name)) {
    fail(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** One `-v` entry. */
export function parseBind(raw: string, origin: string): MountRequest {
  const fail = (msg: string): never => {
    throw invalidArgument(`${origin}: invalid volume specification: '${raw}': ${msg}`);
  };
  const parts = raw.split(':');
  if (parts[0] === '' || parts.length > 3) fail('want [SOURCE:]DESTINATION[:MODE]');
  let source = '';
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0];
  else if (parts.length === 2) {
    // "/foo:rw" is a destination and a mode without a source: not a volume.
    if (validMode(parts[1])) fail('want [SOURCE:]DESTINATION[:MODE]');
    [source, target] = parts;
  } else [source, target, mode] = parts;
  if (!validMode(mode)) {
    throw invalidArgument(
      `${origin}: invalid mode: ${mode} (in '${raw}'): want ro|rw, z|Z, a propagation, nocopy`,
    );
  }
  const destination = checkDestination(target, fail);
  const words = mode ? mode.split(',') : [];
  const readOnly = words.includes('ro');
  const propagation = words.find((w) => PROPAGATIONS.includes(w));
  const noCopy = words.includes('nocopy');
  if (source.startsWith('/')) {
    if (noCopy) fail('nocopy applies to volumes, not to bind mounts');
    return {
      type: 'bind',
      destination,
      source: cleanPath(source),
      readOnly,
      propagation: propagation ?? 'rprivate',
      createSource: true,
      mode,
      inspect: true,
      origin,
    };
  }
  if (propagation) fail('a propagation mode applies to bind mounts, not to volumes');
  if (source) checkVolumeName(source, fail);
  return {
    type: 'volume',
    destination,
    ...(source ? { volumeName: source } : {}),
    readOnly,
    noCopy,
    mode,
    inspect: true,
    origin,
  };
}

/** One `--mount` entry. */
export function parseMountSpec(m: MountSpec, origin: string): MountRequest {
  const fail = (msg: string): never => {
    throw invalidArgument(`${origin}: invalid mount config for type "${m.Type}": ${msg}`);
  };
  const destination = checkDestination(m.Target, fail);
  const readOnly = m.ReadOnly ?? false;
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) fail('field Source must not be empty');
      if (m.VolumeOptions) fail('field VolumeOptions must not be specified');
      if (m.TmpfsOptions) fail('field TmpfsOptions must not be specified');
      const source = m.Source as string;
      if (!source.startsWith('/')) fail(`invalid mount path: '${source}' mount path must be absolute`);
      const propagation = m.BindOptions?.Propagation || 'rprivate';
      if (!PROPAGATIONS.includes(propagation)) fail(`invalid propagation mode: ${propagation}`);
      const create = m.BindOptions?.CreateMountpoint ?? false;
      if (!create && !existsSync(source)) fail(`bind source path does not exist: ${source}`);
      return {
        type: 'bind',
        destination,
        source: cleanPath(source),
        readOnly,
        propagation,
        ...(m.BindOptions?.NonRecursive ? { nonRecursive: true } : {}),
        createSource: create,
        mode: '',
        inspect: true,
        origin,
      };
    }
    case 'volume': {
      if (m.BindOptions) fail('field BindOptions must not be specified');
      if (m.TmpfsOptions) fail('field TmpfsOptions must not be specified');
      const name = m.Source || undefined;
      if (name) checkVolumeName(name, fail);
      const subpath = m.VolumeOptions?.Subpath;
      if (subpath) {
        if (!name) fail('must not set Subpath when using anonymous volumes');
        const clean = posix.normalize(subpath);
        if (clean.startsWith('/') || clean === '..' || clean.startsWith('../')) {
          fail('subpath must be a relative path within the volume');
        }
      }
      if (readOnly && !name) fail('must not set ReadOnly mode when using anonymous volumes');
      return {
        type: 'volume',
        destination,
        ...(name ? { volumeName: name } : {}),
        readOnly,
        noCopy: m.VolumeOptions?.NoCopy ?? false,
        ...(subpath ? { subpath: posix.normalize(subpath) } : {}),
        mode: '',
        inspect: true,
        origin,
      };
    }
    case 'tmpfs': {
      if (m.Source) fail('field Source must not be specified');
      if (m.BindOptions) fail('field BindOptions must not be specified');
      if (m.VolumeOptions) fail('field VolumeOptions must not be specified');
      const t = m.TmpfsOptions;
      const words: string[] = readOnly ? ['ro'] : [];
      if (t?.Mode) words.push(`mode=${t.Mode.toString(8)}`);
      if (t?.SizeBytes) {
        if (t.SizeBytes < 0) fail('TmpfsOptions.SizeBytes must not be negative');
        words.push(tmpfsSize(t.SizeBytes));
      }
      for (const o of t?.Options ?? []) {
        if (o.length < 1 || o.length > 2) fail('invalid option array length');
        if (o[0] !== 'exec' && o[0] !== 'noexec') fail(`invalid option: ${o[0]}`);
        words.push(o.length === 1 ? o[0] : `${o[0]}=${o[1]}`);
      }
      return {
        type: 'tmpfs',
        destination,
        readOnly,
        tmpfsOptions: mergeTmpfsOptions(words, origin),
        mode: '',
        inspect: true,
        origin,
      };
    }
    default:
      return fail('mount type unknown: want bind, volume or tmpfs');
  }
}

/** One `--tmpfs` entry: destination and its comma-separated options. */
export function parseTmpfs(target: string, options: string, origin: string): MountRequest {
  const fail = (msg: string): never => {
    throw invalidArgument(`${origin}: invalid tmpfs mount: ${msg}`);
  };
  const destination = checkDestination(target, fail);
  const words = options.split(',').filter(Boolean);
  return {
    type: 'tmpfs',
    destination,
    readOnly: words.includes('ro'),
    tmpfsOptions: mergeTmpfsOptions(words, origin),
    mode: '',
    inspect: false,
    origin,
  };
}

/** Every mount of the request, in Binds, Mounts, Tmpfs order; a destination used twice is an error. */
export function mountRequests(hc: HostConfig): MountRequest[] {
  const out: MountRequest[] = [];
  (hc.Binds ?? []).forEach((b, i) => {
    out.push(parseBind(b, `HostConfig.Binds[${i}]`));
  });
  (hc.Mounts ?? []).forEach((m, i) => {
    out.push(parseMountSpec(m, `HostConfig.Mounts[${i}]`));
  });
  for (const [target, options] of Object.entries(hc.Tmpfs ?? {})) {
    out.push(parseTmpfs(target, options ?? '', `HostConfig.Tmpfs[${JSON.stringify(target)}]`));
  }
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.destination)) throw invalidArgument(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  return out;
}
