// Syscall numbers and audit identifiers of the architectures berth compiles
// seccomp filters for. The numbers themselves are generated data
// (syscall-numbers.ts, from scripts/gen-syscalls.mjs).
import { SYSCALL_NUMBERS } from './syscall-numbers.ts';

/** The libseccomp architecture names that have a syscall table here. */
export type TabledArch =
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_AARCH64'
  | 'SCMP_ARCH_ARM';

export const TABLED_ARCHES: readonly TabledArch[] = [
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_ARM',
];

/** x32 calls arrive with this bit set in seccomp_data.nr, under AUDIT_ARCH_X86_64. */
export const X32_SYSCALL_BIT = 0x40000000;

/** The AUDIT_ARCH_* value the kernel puts in seccomp_data.arch for each ABI. */
export const AUDIT_ARCH: Readonly<Record<TabledArch, number>> = {
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X32: 0xc000003e, // shares x86_64's; told apart by X32_SYSCALL_BIT
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_ARM: 0x40000028,
};

export function isTabledArch(arch: string): arch is TabledArch {
  return (TABLED_ARCHES as readonly string[]).includes(arch);
}

/** The number of `name` on `arch`, or undefined when that ABI has no such call. */
export function syscallNumber(arch: TabledArch, name: string): number | undefined {
  const table = SYSCALL_NUMBERS[arch];
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Every syscall of `arch`, name → number (aliases share a number). */
export function syscallTable(arch: TabledArch): Readonly<Record<string, number>> {
  return SYSCALL_NUMBERS[arch];
}
