// `RUN --mount=type=cache,target=/root/.cache,...`: the fields BuildKit
// accepts, their defaults and their checks. Values may use $VARs: without an
// expander (at parse time) a value holding `$` is kept as written and checked
// only when expandInstruction parses the mount again with one.
import { parseGoBool } from '../directives.ts';
import { parseCsvLine } from './csv-fields.ts';
import { parseRamInBytes } from './go-units.ts';
import { withSuggestion } from './suggest.ts';
import type { MountSharing, MountType, RunMount } from './types.ts';

const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: readonly MountSharing[] = ['shared', 'private', 'locked'];
const KEYS = [
  'type',
  'from',
  'source',
  'src',
  'target',
  'dst',
  'destination',
  'readonly',
  'ro',
  'readwrite',
  'rw',
  'id',
  'sharing',
  'required',
  'mode',
  'uid',
  'gid',
  'size',
  'env',
];

function parseBoolValue(key: string, value: string): boolean {
  const b = parseGoBool(value);
  if (b === undefined) throw new Error(`invalid value for ${key}: ${value}`);
  return b;
}

function parseUint32(key: string, value: string, radix: 8 | 10): number {
  const ok = radix === 8 ? /^[0-7]+$/.test(value) : /^[0-9]+$/.test(value);
  const n = ok ? Number.parseInt(value, radix) : Number.NaN;
  if (!ok || n > 0xffffffff) throw new Error(`invalid value ${value} for ${key}`);
  return n;
}

/** Parse one --mount value. With `expand`, every value is expanded first. */
export function parseMount(spec: string, expand?: (value: string) => string): RunMount {
  let fields: string[];
  try {
    fields = parseCsvLine(spec);
  } catch (err) {
    throw new Error(`failed to parse csv mounts: ${(err as Error).message}`);
  }
  const m: RunMount = { type: 'bind', readOnly: false };
  let roAuto = true;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') {
        m.readOnly = key === 'readonly' || key === 'ro';
        roAuto = false;
      } else if (key === 'required') {
        if (m.type !== 'secret' && m.type !== 'ssh') {
          throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
        }
        m.required = true;
      } else {
        throw new Error(`invalid field '${field}' must be a key=value pair`);
      }
      continue;
    }
    let value = field.slice(eq + 1);
    if (expand) value = expand(value);
    else if (key === 'from' && /\$[^\n]/.test(value)) {
      throw new Error(`'${key}' doesn't support variable expansion, define alias stage instead`);
    }
    const deferred = !expand && value.includes('$');
    applyField(m, key, field, value, deferred);
    if (['readonly', 'ro', 'readwrite', 'rw'].includes(key)) roAuto = false;
  }
  validateMount(m, roAuto);
  return m;
}

function applyField(m: RunMount, key: string, field: string, value: string, deferred: boolean): void {
  switch (key) {
    case 'type': {
      if (deferred) return;
      const t = value.toLowerCase() as MountType;
      if (!MOUNT_TYPES.includes(t)) {
        throw new Error(
          withSuggestion(`unsupported mount type ${JSON.stringify(value)}`, value, MOUNT_TYPES, true),
        );
      }
      m.type = t;
      return;
    }
    case 'from':
      m.from = value;
      return;
    case 'source':
    case 'src':
      m.source = value;
      return;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      return;
    case 'readonly':
    case 'ro':
      if (!deferred) m.readOnly = parseBoolValue(key, value);
      return;
    case 'readwrite':
    case 'rw':
      if (!deferred) m.readOnly = !parseBoolValue(key, value);
      return;
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh')
        throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      if (!deferred) m.required = parseBoolValue(key, value);
      return;
    case 'size':
      if (m.type !== 'tmpfs') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      if (!deferred) {
        try {
          m.size = parseRamInBytes(value);
        } catch {
          throw new Error(`invalid value for ${key}: ${value}`);
        }
      }
      return;
    case 'id':
      m.id = value;
      return;
    case 'env':
      if (m.type !== 'secret') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`);
      if (!deferred && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value))
        throw new Error(`invalid value for ${key}: ${JSON.stringify(value)} is not a variable name`);
      m.env = value;
      return;
    case 'sharing': {
      if (deferred) return;
      const s = value.toLowerCase() as MountSharing;
      if (!SHARING.includes(s)) {
        throw new Error(
          withSuggestion(`unsupported sharing value ${JSON.stringify(value)}`, value, SHARING, true),
        );
      }
      m.sharing = s;
      return;
    }
    case 'mode':
      if (!deferred) m.mode = parseUint32(key, value, 8);
      return;
    case 'uid':
    case 'gid':
      if (!deferred) m[key] = parseUint32(key, value, 10);
      return;
    default:
      throw new Error(withSuggestion(`unexpected key '${key}' in '${field}'`, key, KEYS, true));
  }
}

function validateMount(m: RunMount, roAuto: boolean): void {
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    for (const key of ['mode', 'uid', 'gid'] as const) {
      if (m[key] !== undefined)
        throw new Error(`${key} not allowed for ${JSON.stringify(m.type)} type mounts`);
    }
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== undefined) throw new Error('secret mount should not have a from');
    if (m.sharing !== undefined) throw new Error('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id)
      throw new Error('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new Error("both source and id can't be set");
  }
  if (m.sharing !== undefined && m.type !== 'cache')
    throw new Error(`invalid cache sharing set for ${m.type} mount`);
  if ((m.type === 'bind' || m.type === 'cache' || m.type === 'tmpfs') && !m.target) {
    throw new Error(`mount target is required for a ${m.type} mount`);
  }
}
