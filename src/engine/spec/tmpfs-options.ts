// Options of a container's tmpfs mounts (`--tmpfs /run:size=64m,exec`, `--mount
// type=tmpfs`): Docker's defaults noexec, nosuid, nodev and rprivate, then the user's, where
// a later word of the same kind wins (`exec` undoes `noexec`, the last `size=` counts).
// Data options are the tmpfs ones the kernel takes; anything else is refused here rather than
// by mount(2) when the container starts.
import { invalidArgument } from '../../util/errors.ts';

export const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev', 'rprivate'] as const;

// Words that set or clear the same flag share a kind; a mount has one propagation.
const FLAG_KIND: Record<string, string> = {
  ro: 'ro',
  rw: 'ro',
  exec: 'exec',
  noexec: 'exec',
  suid: 'suid',
  nosuid: 'suid',
  dev: 'dev',
  nodev: 'dev',
  atime: 'atime',
  noatime: 'atime',
  diratime: 'diratime',
  nodiratime: 'diratime',
  relatime: 'relatime',
  norelatime: 'relatime',
  strictatime: 'strictatime',
  nostrictatime: 'strictatime',
  sync: 'sync',
  async: 'sync',
  dirsync: 'dirsync',
  mand: 'mand',
  nomand: 'mand',
  private: 'propagation',
  rprivate: 'propagation',
  shared: 'propagation',
  rshared: 'propagation',
  slave: 'propagation',
  rslave: 'propagation',
  unbindable: 'propagation',
  runbindable: 'propagation',
};

const DATA_KEYS = new Set([
  'size',
  'mode',
  'uid',
  'gid',
  'nr_inodes',
  'nr_blocks',
  'mpol',
  'huge',
  'inode64',
]);

/** `extra` (the user's words, in order) over Docker's defaults, one word per kind. */
export function mergeTmpfsOptions(extra: readonly string[], where: string): string[] {
  const all = [...TMPFS_DEFAULTS, ...extra.map((o) => o.trim()).filter((o) => o !== '' && o !== 'defaults')];
  const seen = new Set<string>();
  const out: string[] = [];
  // From the end, so the last word of each kind is the one kept, in its place.
  for (let i = all.length - 1; i >= 0; i--) {
    const option = all[i];
    let kind = FLAG_KIND[option];
    if (!kind) {
      const eq = option.indexOf('=');
      const key = eq < 0 ? option : option.slice(0, eq);
      if (!DATA_KEYS.has(key) || (eq < 0 && key !== 'inode64')) {
        throw invalidArgument(`${where}: invalid tmpfs option "${option}"`);
      }
      kind = `data:${key}`;
    }
    if (seen.has(kind)) continue;
    seen.add(kind);
    out.unshift(option);
  }
  return out;
}

/** `size=` as Docker writes it for --mount's SizeBytes: the largest of g, m, k that divides it. */
export function tmpfsSize(bytes: number): string {
  for (const [suffix, unit] of [
    ['g', 1 << 30],
    ['m', 1 << 20],
    ['k', 1 << 10],
  ] as const) {
    if (bytes % unit === 0) return `size=${bytes / unit}${suffix}`;
  }
  return `size=${bytes}`;
}
