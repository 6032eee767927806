// Compiles an OCI `linux.seccomp` into the classic BPF program that
// seccomp(SECCOMP_SET_MODE_FILTER) loads. The native core only loads it.
//
// Program layout:
//
//   ld  [4]                          A = seccomp_data.arch
//   jeq #AUDIT_ARCH_a, SECTION_a     one test per audit arch in the filter
//   jeq #AUDIT_ARCH_b, SECTION_b
//   ret #BAD_ARCH                    any other arch (default: KILL_PROCESS)
// SECTION_a:
//   ld  [0]                          A = seccomp_data.nr
//   <search tree over nr>            `jge #n` nodes splitting the u32 number
//                                    space into intervals of equal outcome
//   <leaf>: ret #action              a whole interval decided alike (runs of
//                                    allowed calls, gaps that get the default)
//   <leaf>: <rule chain>             one syscall with argument rules:
//       per rule: per comparison, ld the argument's high then low word
//       (seccomp_data.args[i] at 16+8i, little-endian) and jump to the next
//       rule on failure; all hold: ret #rule action
//       after the last rule: ret #default action
// SECTION_b: ...
//
// x86_64 and x32 share AUDIT_ARCH_X86_64, so they share one section: the x32
// numbers (nr >= 0x40000000, __X32_SYSCALL_BIT) are their own part of the
// number space there. Whichever of the two ABIs is not in the filter gets the
// bad-arch action over its whole half, so a native x86_64 filter never lets
// an x32 call through, and an x32-only filter no native call (libseccomp does
// the same).
//
// The architecture of the host is always in the filter, as libseccomp's
// native arch is; `architectures` adds to it. Listed architectures berth has
// no syscall table for are left out (their calls get the bad-arch action),
// which only matters for ABIs the host cannot run anyway.
//
// Argument comparisons are unsigned and always on all 64 bits, also on the
// 32-bit ABIs, whose high words the kernel fills with zeros.
import { BerthError } from '../../util/errors.ts';
import { actionReturn, SECCOMP_RET_KILL_PROCESS } from './actions.ts';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_MAXINSNS,
  BPF_RET,
  BPF_W,
  encodeProgram,
  SECCOMP_DATA_ARCH,
  SECCOMP_DATA_ARGS,
  SECCOMP_DATA_NR,
  type SockFilter,
} from './bpf.ts';
import { Assembler, type Label } from './bpf-assembler.ts';
import { type HostArch, NATIVE_SECCOMP_ARCH, type SeccompAction } from './profile.ts';
import {
  type ArgCheck,
  decisionsFor,
  defaultReturn,
  type SeccompInput,
  type SyscallDecision,
} from './rules.ts';
import { AUDIT_ARCH, isTabledArch, type TabledArch, X32_SYSCALL_BIT } from './syscall-table.ts';

export interface CompileOptions {
  /**
   * What a call from an architecture outside the filter gets. Default
   * SCMP_ACT_KILL_PROCESS: libseccomp's default kills only the thread, which
   * leaves the rest of the process running without it.
   */
  badArchAction?: SeccompAction;
}

const U32 = 0x1_0000_0000;

interface Interval {
  lo: number;
  outcome: SyscallDecision;
}

/** The program as instructions; see `compileSeccomp`. */
export function compileSeccompProgram(
  seccomp: SeccompInput,
  arch: HostArch,
  opts: CompileOptions = {},
): SockFilter[] {
  const fallback = defaultReturn(seccomp);
  const badArch = opts.badArchAction
    ? actionReturn(opts.badArchAction, undefined, 'badArchAction')
    : SECCOMP_RET_KILL_PROCESS;

  const native = NATIVE_SECCOMP_ARCH[arch];
  if (!native || !isTabledArch(native)) {
    throw new BerthError(
      'NotImplemented',
      `seccomp: berth has no syscall table for host architecture "${arch}"`,
    );
  }
  const arches = new Set<TabledArch>([native]);
  for (const a of seccomp.architectures ?? []) if (isTabledArch(a)) arches.add(a);

  // Sections by audit arch, in a fixed order.
  const sections: Array<{ audit: number; regions: Array<{ lo: number; hi: number; arch?: TabledArch }> }> =
    [];
  if (arches.has('SCMP_ARCH_X86_64') || arches.has('SCMP_ARCH_X32')) {
    sections.push({
      audit: AUDIT_ARCH.SCMP_ARCH_X86_64,
      regions: [
        { lo: 0, hi: X32_SYSCALL_BIT, arch: arches.has('SCMP_ARCH_X86_64') ? 'SCMP_ARCH_X86_64' : undefined },
        { lo: X32_SYSCALL_BIT, hi: U32, arch: arches.has('SCMP_ARCH_X32') ? 'SCMP_ARCH_X32' : undefined },
      ],
    });
  }
  for (const a of ['SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'] as const) {
    if (arches.has(a)) sections.push({ audit: AUDIT_ARCH[a], regions: [{ lo: 0, hi: U32, arch: a }] });
  }

  const asm = new Assembler();
  const ld = (offset: number) => asm.insn(BPF_LD | BPF_W | BPF_ABS, offset);
  const ret = (k: number) => asm.insn(BPF_RET | BPF_K, k);

  ld(SECCOMP_DATA_ARCH);
  const entries = sections.map((s) => {
    const entry = asm.label('arch');
    const next = asm.label('next-arch');
    asm.jump(BPF_JMP | BPF_JEQ | BPF_K, s.audit, entry, next);
    asm.bind(next);
    return entry;
  });
  ret(badArch);

  sections.forEach((section, i) => {
    asm.bind(entries[i]);
    ld(SECCOMP_DATA_NR);
    const intervals: Interval[] = [];
    for (const region of section.regions) {
      if (!region.arch) {
        intervals.push({ lo: region.lo, outcome: { ret: badArch } });
        continue;
      }
      const decisions = decisionsFor(seccomp, region.arch);
      let cursor = region.lo;
      for (const nr of [...decisions.keys()].sort((a, b) => a - b)) {
        if (nr < region.lo || nr >= region.hi) {
          throw new Error(`seccomp: ${region.arch} number ${nr} outside its range`); // a table defect
        }
        if (nr > cursor) intervals.push({ lo: cursor, outcome: { ret: fallback } });
        intervals.push({ lo: nr, outcome: decisions.get(nr)! });
        cursor = nr + 1;
      }
      if (cursor < region.hi) intervals.push({ lo: cursor, outcome: { ret: fallback } });
    }
    emitTree(asm, merge(intervals), fallback);
  });

  const program = asm.assemble();
  if (program.length > BPF_MAXINSNS) {
    throw new BerthError(
      'InvalidArgument',
      `seccomp: the compiled filter is ${program.length} BPF instructions, over the kernel's limit of ` +
        `${BPF_MAXINSNS}; reduce the profile's argument rules or architectures`,
    );
  }
  return program;
}

/**
 * The BPF program (an array of 8-byte little-endian `struct sock_filter`) for
 * `seccomp` on a host of architecture `arch`, ready for
 * seccomp(SECCOMP_SET_MODE_FILTER) / prctl(PR_SET_SECCOMP).
 */
export function compileSeccomp(seccomp: SeccompInput, arch: HostArch, opts: CompileOptions = {}): Buffer {
  return encodeProgram(compileSeccompProgram(seccomp, arch, opts));
}

/** Joins neighbouring intervals that return the same value outright. */
function merge(intervals: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const iv of intervals) {
    const last = out[out.length - 1];
    if (last && 'ret' in last.outcome && 'ret' in iv.outcome && last.outcome.ret === iv.outcome.ret) continue;
    out.push(iv);
  }
  return out;
}

/** A balanced search tree over the intervals; A holds the syscall number. */
function emitTree(asm: Assembler, intervals: Interval[], fallback: number): void {
  const walk = (from: number, to: number) => {
    if (from === to) {
      emitOutcome(asm, intervals[from].outcome, fallback);
      return;
    }
    const mid = (from + to + 1) >> 1;
    const right = asm.label('nr-ge');
    const left = asm.label('nr-lt');
    asm.jump(BPF_JMP | BPF_JGE | BPF_K, intervals[mid].lo, right, left);
    asm.bind(left);
    walk(from, mid - 1);
    asm.bind(right);
    walk(mid, to);
  };
  walk(0, intervals.length - 1);
}

function emitOutcome(asm: Assembler, outcome: SyscallDecision, fallback: number): void {
  if ('ret' in outcome) {
    asm.insn(BPF_RET | BPF_K, outcome.ret);
    return;
  }
  for (const rule of outcome.rules) {
    const nextRule = asm.label('next-rule');
    for (const check of rule.checks) emitCheck(asm, check, nextRule);
    asm.insn(BPF_RET | BPF_K, rule.ret);
    asm.bind(nextRule);
  }
  asm.insn(BPF_RET | BPF_K, fallback);
}

/**
 * One 64-bit unsigned comparison of args[index] with the check's value; falls
 * through when it holds, jumps to `fail` when it does not. The high words
 * decide unless they are equal; then the low words do.
 */
function emitCheck(asm: Assembler, c: ArgCheck, fail: Label): void {
  const lowOffset = SECCOMP_DATA_ARGS + 8 * c.index;
  const highOffset = lowOffset + 4;
  const hi = (v: bigint) => Number(v >> 32n);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  const pass = asm.label('pass');
  const ld = (offset: number) => asm.insn(BPF_LD | BPF_W | BPF_ABS, offset);
  const j = (op: number, k: number, jt: Label, jf: Label) => asm.jump(BPF_JMP | op | BPF_K, k, jt, jf);
  const step = (emit: (next: Label) => void) => {
    const next = asm.label('cont');
    emit(next);
    asm.bind(next);
  };
  const v = c.value;

  switch (c.op) {
    case 'SCMP_CMP_EQ':
      ld(highOffset);
      step((n) => j(BPF_JEQ, hi(v), n, fail));
      ld(lowOffset);
      j(BPF_JEQ, lo(v), pass, fail);
      break;
    case 'SCMP_CMP_NE':
      ld(highOffset);
      step((n) => j(BPF_JEQ, hi(v), n, pass));
      ld(lowOffset);
      j(BPF_JEQ, lo(v), fail, pass);
      break;
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      ld(highOffset);
      step((n) => j(BPF_JGT, hi(v), pass, n));
      step((n) => j(BPF_JEQ, hi(v), n, fail));
      ld(lowOffset);
      j(c.op === 'SCMP_CMP_GT' ? BPF_JGT : BPF_JGE, lo(v), pass, fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      // LT is "not GE", LE is "not GT".
      ld(highOffset);
      step((n) => j(BPF_JGT, hi(v), fail, n));
      step((n) => j(BPF_JEQ, hi(v), n, pass));
      ld(lowOffset);
      j(c.op === 'SCMP_CMP_LT' ? BPF_JGE : BPF_JGT, lo(v), fail, pass);
      break;
    case 'SCMP_CMP_MASKED_EQ': {
      // value is the mask, valueTwo the expected (arg & mask).
      const want = c.valueTwo;
      ld(highOffset);
      asm.insn(BPF_ALU | BPF_AND | BPF_K, hi(v));
      step((n) => j(BPF_JEQ, hi(want), n, fail));
      ld(lowOffset);
      asm.insn(BPF_ALU | BPF_AND | BPF_K, lo(v));
      j(BPF_JEQ, lo(want), pass, fail);
      break;
    }
  }
  asm.bind(pass);
}
