// `--mount`: comma-separated key=value fields, as Docker's CLI reads them
//   type=bind,source=/a,target=/b,readonly,bind-propagation=rshared
//   type=volume,src=data,dst=/data,volume-nocopy,volume-label=k=v,volume-driver=local
//   type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770
// Keys are case-insensitive; src/source, dst/destination/target and ro/readonly
// are aliases; a bare `readonly`, `volume-nocopy` or `bind-nonrecursive` means
// true. After the CLI's own checks come the daemon's (absolute target, not `/`,
// known propagation, no source for tmpfs) so a bad mount fails here; whether a
// bind source exists is left to the daemon.
import { posix } from 'node:path';
import type { MountSpec } from '../../engine/container-config.ts';
import { ramInBytes } from './byte-size.ts';
import { readCsvRecord } from './csv-record.ts';
import { parseGoBool } from './go-values.ts';
import { checkContainerPath } from './volume-spec.ts';

/** Mount options Docker's API has and container-config.ts does not (yet) list. */
export type MountRequest = MountSpec & {
  BindOptions?: MountSpec['BindOptions'] & {
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: MountSpec['VolumeOptions'] & {
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
};

const PROPAGATIONS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);

interface Draft {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: NonNullable<MountRequest['BindOptions']>;
  VolumeOptions?: NonNullable<MountRequest['VolumeOptions']>;
  TmpfsOptions?: NonNullable<MountSpec['TmpfsOptions']>;
  ImageOptions?: { Subpath?: string };
}

function parseBool(key: string, value: string): boolean {
  const b = parseGoBool(value);
  if (b === undefined) throw new Error(`invalid value for ${key}: ${value}`);
  return b;
}

/** `k=v` added to a map (created if need be); an empty key adds nothing. */
function setKeyValue(target: Record<string, string> | undefined, value: string): Record<string, string> {
  const out = target ?? {};
  const eq = value.indexOf('=');
  const k = eq < 0 ? value : value.slice(0, eq);
  if (k !== '') out[k] = eq < 0 ? '' : value.slice(eq + 1);
  return out;
}

/** One `--mount` value in the API's form; throws Docker's messages. */
export function parseMountFlag(value: string, cwd: string): MountRequest {
  const m: Draft = { Type: 'volume' };
  const volumeOptions = () => {
    m.VolumeOptions ??= {};
    return m.VolumeOptions;
  };
  const driverConfig = () => {
    const o = volumeOptions();
    o.DriverConfig ??= {};
    return o.DriverConfig;
  };
  const bindOptions = () => {
    m.BindOptions ??= {};
    return m.BindOptions;
  };
  const tmpfsOptions = () => {
    m.TmpfsOptions ??= {};
    return m.TmpfsOptions;
  };
  for (const field of readCsvRecord(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = val.startsWith('.') ? posix.resolve(cwd, val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = parseBool(key, val);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = parseBool(key, val);
        break;
      case 'bind-recursive':
        if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled')
          throw new Error(
            `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`,
          );
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = parseBool(key, val);
        break;
      case 'volume-label':
        volumeOptions().Labels = setKeyValue(volumeOptions().Labels, val);
        break;
      case 'volume-driver':
        driverConfig().Name = val;
        break;
      case 'volume-opt':
        driverConfig().Options = setKeyValue(driverConfig().Options, val);
        break;
      case 'image-subpath':
        m.ImageOptions = { ...m.ImageOptions, Subpath: val };
        break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val) || Number.parseInt(val, 8) > 0xffffffff) {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        tmpfsOptions().Mode = Number.parseInt(val, 8);
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  return checkMount(m);
}

/** The CLI's checks, then the daemon's, in their words. */
function checkMount(m: Draft): MountRequest {
  if (m.Type === '') throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  const groups = [
    ['volume', m.VolumeOptions],
    ['image', m.ImageOptions],
    ['bind', m.BindOptions],
    ['tmpfs', m.TmpfsOptions],
  ] as const;
  for (const [type, options] of groups) {
    if (options && m.Type !== type)
      throw new Error(`cannot mix '${type}-*' options with mount type '${m.Type}'`);
  }
  const b = m.BindOptions;
  if (b?.ReadOnlyNonRecursive && !m.ReadOnly) {
    throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (b?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) {
      throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    }
    if (b.Propagation !== 'rprivate') {
      throw new Error(
        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
      );
    }
  }
  validateMountSpec(m);
  const out: MountRequest = { Type: m.Type as MountSpec['Type'], Target: m.Target };
  if (m.Source) out.Source = m.Source;
  if (m.ReadOnly) out.ReadOnly = true;
  if (m.Consistency) out.Consistency = m.Consistency;
  if (m.BindOptions) out.BindOptions = m.BindOptions;
  if (m.VolumeOptions) out.VolumeOptions = m.VolumeOptions;
  if (m.TmpfsOptions) out.TmpfsOptions = m.TmpfsOptions;
  return out;
}

/**
 * The daemon's checks of a mount (`HostConfig.Mounts[]`), short of looking at the
 * filesystem. For the server too: docker's CLI leaves these to the daemon.
 */
export function validateMountSpec(m: {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string } | null;
  VolumeOptions?: object | null;
  TmpfsOptions?: object | null;
  ImageOptions?: object | null;
}): void {
  const fail = (reason: string) => new Error(`invalid mount config for type "${m.Type}": ${reason}`);
  if (!m.Target) throw fail('field Target must not be empty');
  const targetProblem = checkContainerPath(m.Target);
  if (targetProblem) throw fail(targetProblem);
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) throw fail('field Source must not be empty');
      const propagation = m.BindOptions?.Propagation;
      if (propagation && !PROPAGATIONS.has(propagation))
        throw fail(`invalid propagation mode: ${propagation}`);
      if (m.VolumeOptions) throw fail('field VolumeOptions must not be specified');
      if (!m.Source.startsWith('/')) {
        throw fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      }
      break;
    }
    case 'volume':
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (!m.Source && m.ReadOnly) throw fail('must not set ReadOnly mode when using anonymous volumes');
      break;
    case 'tmpfs':
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.Source) throw fail('field Source must not be specified');
      break;
    case 'image':
      throw fail('image mounts are not supported by berth');
    default:
      throw fail('mount type unknown');
  }
}
