// A mount's options as the spec lists them (`["nosuid", "ro", "mode=755"]`), split the way
// runc splits them: words the kernel knows as MS_* flags set or clear bits, in order (a
// later `rw` undoes an earlier `ro`); propagation words become separate propagation calls;
// everything else is the filesystem's data string, in order, joined with commas.
import { BerthError } from '../../util/errors.ts';
import { MS } from '../launch/linux-constants.ts';

// MS_I_VERSION is not in the launch constants; the kernel's value.
const MS_I_VERSION = 1 << 23;

/** [clear?, bits] for each flag word. */
const FLAG_WORDS: Record<string, [boolean, number]> = {
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  iversion: [false, MS_I_VERSION],
  lazytime: [false, MS.LAZYTIME],
  loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  noiversion: [true, MS_I_VERSION],
  nolazytime: [true, MS.LAZYTIME],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  sync: [false, MS.SYNCHRONOUS],
};

export const PROPAGATION_WORDS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

// Options that runc carries out with mount_setattr(2) or by copying files; the launch plan
// has no step for them, so a spec that asks for them is refused rather than half-honoured.
const UNSUPPORTED = new Set([
  'idmap',
  'ridmap',
  'tmpcopyup',
  'rro',
  'rrw',
  'rnosuid',
  'rsuid',
  'rnodev',
  'rdev',
  'rnoexec',
  'rexec',
  'rnodiratime',
  'rdiratime',
  'rrelatime',
  'rnorelatime',
  'rnoatime',
  'ratime',
  'rstrictatime',
  'rnostrictatime',
  'rnosymfollow',
  'rsymfollow',
]);

export interface ParsedMountOptions {
  flags: number;
  propagationFlags: number[];
  data: string;
}

/** Split mount options into flags, propagation calls and data; `where` names the field. */
export function parseMountOptions(options: readonly string[] | undefined, where: string): ParsedMountOptions {
  let flags = 0;
  const propagationFlags: number[] = [];
  const data: string[] = [];
  for (const [i, option] of (options ?? []).entries()) {
    const word = Object.hasOwn(FLAG_WORDS, option) ? FLAG_WORDS[option] : undefined;
    if (word) {
      const [clear, bits] = word;
      flags = clear ? flags & ~bits : flags | bits;
    } else if (Object.hasOwn(PROPAGATION_WORDS, option)) {
      propagationFlags.push(PROPAGATION_WORDS[option]);
    } else if (UNSUPPORTED.has(option)) {
      throw new BerthError(
        'NotImplemented',
        `${where}[${i}]: mount option "${option}" is not supported by berth's runtime; remove it`,
      );
    } else {
      data.push(option);
    }
  }
  return { flags, propagationFlags, data: data.join(',') };
}
