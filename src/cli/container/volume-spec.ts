// `-v/--volume` and `--tmpfs`. Docker splits the work: its CLI decides whether
// a spec names a source (a bind or a named volume, sent as `HostConfig.Binds`)
// or only a container path (an anonymous volume, sent as `Config.Volumes`) and
// makes `./relative` sources absolute; its daemon then validates the spec. berth
// does both here, with each side's own messages, so a bad spec fails before any
// request is made:
//   /host:/ctr[:opts]   bind mount          name:/ctr[:opts]   named volume
//   /ctr                anonymous volume
// opts: rw|ro (and ro-non-recursive, ro-force-recursive, rro on binds), z|Z,
// nocopy (volumes), a propagation mode (binds), consistent|cached|delegated.
import { posix } from 'node:path';

export interface VolumeFlags {
  /** `HostConfig.Binds`: specs with a source. */
  readonly binds: string[];
  /** `Config.Volumes`: container paths of anonymous volumes. */
  readonly volumes: Record<string, Record<string, never>>;
}

const RW_MODES = new Set(['rw', 'ro', 'ro-non-recursive', 'ro-force-recursive', 'rro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATION_MODES = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);
const MODE_GROUPS = [RW_MODES, LABEL_MODES, PROPAGATION_MODES, COPY_MODES, CONSISTENCY_MODES];

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;
const invalidMountConfig = (type: string, reason: string) =>
  `invalid mount config for type "${type}": ${reason}`;

/** Each mode word known, and at most one of each kind (the daemon's rule). */
export function isValidMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = MODE_GROUPS.map(() => 0);
  for (const word of mode.split(',')) {
    const group = MODE_GROUPS.findIndex((g) => g.has(word));
    if (group < 0) return false;
    counts[group]!++;
  }
  return counts.every((c) => c <= 1);
}

/** The daemon's check of a container path: absolute, and not `/`. */
export function checkContainerPath(target: string): string | undefined {
  const p = target.replace(/\\/g, '/');
  if (posix.normalize(p) === '/') return "invalid specification: destination can't be '/'";
  if (!p.startsWith('/')) return `invalid mount path: '${p}' mount path must be absolute`;
  return undefined;
}

interface CliVolume {
  source: string;
  target: string;
}

/** The CLI's first reading of a spec (Docker's compose volume grammar). */
function cliParse(spec: string): CliVolume {
  if (spec.length === 0) throw new Error('invalid empty volume spec');
  if (Buffer.byteLength(spec) <= 2) return { source: '', target: spec };
  const volume: CliVolume = { source: '', target: '' };
  let buffer: string[] = [];
  const END = '\0';
  for (const ch of [...spec, END]) {
    const windowsDrive = ch === ':' && buffer.length === 1 && /\p{L}/u.test(buffer[0]!);
    if (windowsDrive) {
      buffer.push(ch);
    } else if (ch === ':' || ch === END) {
      const text = buffer.join('');
      if (buffer.length === 0) throw new Error(`invalid spec: ${spec}: empty section between colons`);
      if (volume.source === '' && ch === END) volume.target = text;
      else if (volume.source === '') volume.source = text;
      else if (volume.target === '') volume.target = text;
      else if (ch === ':') throw new Error(`invalid spec: ${spec}: too many colons`);
      buffer = [];
    } else {
      buffer.push(ch);
    }
  }
  return volume;
}

const isFilePath = (source: string): boolean => /^[./~]/.test(source);

/** The daemon's check of a spec with a source, in the daemon's words. */
export function validateBindSpec(raw: string): void {
  const arr = raw.split(':');
  const parts = arr.length > 4 ? [...arr.slice(0, 3), arr.slice(3).join(':')] : arr;
  if (parts[0] === '') throw new Error(invalidSpec(raw));
  let source = '';
  let target: string;
  let mode = '';
  if (parts.length === 1) {
    target = parts[0]!;
  } else if (parts.length === 2) {
    // `/foo:rw` is a destination with a mode: a volume needs a source for that.
    if (isValidMountMode(parts[1]!)) throw new Error(invalidSpec(raw));
    [source, target] = parts as [string, string];
  } else if (parts.length === 3) {
    [source, target, mode] = parts as [string, string, string];
  } else {
    throw new Error(invalidSpec(raw));
  }
  if (!isValidMountMode(mode)) throw new Error(`invalid mode: ${mode}`);
  const type = source.startsWith('/') ? 'bind' : 'volume';
  const words = mode === '' ? [] : mode.split(',');
  if (type !== 'bind' && words.some((w) => w.startsWith('ro-') || w === 'rro')) {
    throw new Error(`mount mode "${mode}" requires a bind mount: ${invalidSpec(raw)}`);
  }
  const fail = (reason: string) => new Error(`${invalidSpec(raw)}: ${invalidMountConfig(type, reason)}`);
  if (target === '') throw fail('field Target must not be empty');
  const targetProblem = checkContainerPath(target);
  if (targetProblem) throw fail(targetProblem);
  const hasPropagation = words.some((w) => PROPAGATION_MODES.has(w));
  const hasCopyMode = words.some((w) => COPY_MODES.has(w));
  if (type === 'bind') {
    if (hasCopyMode) throw fail('field VolumeOptions must not be specified');
  } else if (hasPropagation) {
    throw fail('field BindOptions must not be specified');
  }
}

/** All `-v` values: binds and anonymous volumes, deduplicated as Docker does. */
export function parseVolumeFlags(specs: readonly string[], cwd: string): VolumeFlags {
  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of new Set(specs)) {
    const parsed = cliParse(spec);
    if (parsed.source === '') {
      const problem = checkContainerPath(parsed.target);
      if (problem) throw new Error(`${invalidSpec(spec)}: ${invalidMountConfig('volume', problem)}`);
      volumes[parsed.target] = {};
      continue;
    }
    let bind = spec;
    if (isFilePath(parsed.source)) {
      const colon = spec.indexOf(':');
      const host = spec.slice(0, colon);
      if (!host.startsWith('/') && host.startsWith('.')) {
        bind = `${posix.resolve(cwd, host)}${spec.slice(colon)}`;
      }
    }
    validateBindSpec(bind);
    if (!binds.includes(bind)) binds.push(bind);
  }
  return { binds, volumes };
}

/** `--tmpfs /run:size=64m` → { "/run": "size=64m" }; the daemon's path check. */
export function parseTmpfsFlags(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const path = colon < 0 ? spec : spec.slice(0, colon);
    const problem = checkContainerPath(path);
    if (problem) throw new Error(problem);
    out[path] = colon < 0 ? '' : spec.slice(colon + 1);
  }
  return out;
}
