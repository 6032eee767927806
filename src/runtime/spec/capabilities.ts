// Capability names as the spec spells them (CAP_*) and the numbers the kernel takes.
import { invalidArgument } from '../../util/errors.ts';

export const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export type CapabilityName = (typeof CAPABILITIES)[number];

const NUMBER_OF = new Map<string, number>(CAPABILITIES.map((name, i) => [name, i]));

/** The kernel's number for a capability name; `where` names the field in the error. */
export function capabilityNumber(name: string, where: string): number {
  const n = NUMBER_OF.get(name);
  if (n === undefined) {
    const hint = NUMBER_OF.has(`CAP_${name.toUpperCase()}`)
      ? ` (did you mean "CAP_${name.toUpperCase()}"?)`
      : '';
    throw invalidArgument(`${where}: unknown capability "${name}"${hint}`);
  }
  return n;
}

/** Numbers of a list of names, each once, in the order given. */
export function capabilityNumbers(names: readonly string[] | undefined, where: string): number[] {
  const out: number[] = [];
  (names ?? []).forEach((name, i) => {
    const n = capabilityNumber(name, `${where}[${i}]`);
    if (!out.includes(n)) out.push(n);
  });
  return out;
}
