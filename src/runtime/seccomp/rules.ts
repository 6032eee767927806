// What an OCI `linux.seccomp` decides for each syscall number of one
// architecture, before any BPF is written. The semantics (those of runc over
// libseccomp, where they are defined):
//
// - A name the architecture does not have is skipped for that architecture.
// - A rule whose return value equals the default action's is dropped: it
//   changes nothing (libseccomp refuses such rules; runc skips them).
// - A rule whose args name one argument index more than once is split into one
//   rule per comparison (runc's fallback: those comparisons are ORed). Otherwise
//   a rule's comparisons are ANDed.
// - For one syscall, the first rule without args decides alone (libseccomp
//   lets an unconditional rule replace conditional ones). Without one, the
//   conditional rules are tried in profile order; the first whose comparisons
//   all hold decides, and if none does, the default action.
import { BerthError } from '../../util/errors.ts';
import { actionReturn } from './actions.ts';
import type { SeccompOperator } from './profile.ts';
import { syscallNumber, type TabledArch } from './syscall-table.ts';

/** The fields of `linux.seccomp` the compiler reads; loose so both berth's and the spec module's types fit. */
export interface SeccompInput {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  architectures?: readonly string[] | null;
  syscalls?: ReadonlyArray<{
    names: readonly string[];
    action: string;
    errnoRet?: number | null;
    args?: ReadonlyArray<{
      index: number;
      value: number | bigint;
      valueTwo?: number | bigint | null;
      op: string;
    }> | null;
  }> | null;
}

export interface ArgCheck {
  index: number;
  op: SeccompOperator;
  value: bigint;
  valueTwo: bigint;
}

export interface ConditionalRule {
  checks: ArgCheck[];
  ret: number;
}

/** A syscall's decision: a fixed return value, or conditional rules falling back to the default. */
export type SyscallDecision = { ret: number } | { rules: ConditionalRule[] };

export const SYSCALL_ARGS = 6;

const OPERATORS = new Set<string>([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);

const U64_MAX = (1n << 64n) - 1n;

function u64(v: number | bigint | null | undefined, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && (!Number.isInteger(v) || !Number.isFinite(v))) {
    throw new BerthError('InvalidArgument', `seccomp: ${where} ${v} is not an integer`);
  }
  const b = BigInt(v);
  if (b < 0n || b > U64_MAX)
    throw new BerthError('InvalidArgument', `seccomp: ${where} ${v} is not a uint64`);
  return b;
}

export function defaultReturn(seccomp: SeccompInput): number {
  return actionReturn(seccomp.defaultAction, seccomp.defaultErrnoRet, 'defaultAction');
}

/** Validated rules in profile order, before any architecture is chosen. */
export function normalizeRules(
  seccomp: SeccompInput,
): Array<{ names: readonly string[]; rules: ConditionalRule[] }> {
  return (seccomp.syscalls ?? []).map((sc, i) => {
    const where = `syscalls[${i}]`;
    if (!Array.isArray(sc.names) || sc.names.some((n) => typeof n !== 'string')) {
      throw new BerthError('InvalidArgument', `seccomp: ${where}.names must be a list of syscall names`);
    }
    const ret = actionReturn(sc.action, sc.errnoRet, `${where}.action`);
    const checks = (sc.args ?? []).map((a, j): ArgCheck => {
      const at = `${where}.args[${j}]`;
      if (!Number.isInteger(a.index) || a.index < 0 || a.index >= SYSCALL_ARGS) {
        throw new BerthError(
          'InvalidArgument',
          `seccomp: ${at}.index ${a.index} is not 0 to ${SYSCALL_ARGS - 1}`,
        );
      }
      if (!OPERATORS.has(a.op)) {
        throw new BerthError(
          'InvalidArgument',
          `seccomp: ${at}.op "${a.op}" is not one of ${[...OPERATORS].join(', ')}`,
        );
      }
      return {
        index: a.index,
        op: a.op as SeccompOperator,
        value: u64(a.value, `${at}.value`),
        valueTwo: u64(a.valueTwo, `${at}.valueTwo`),
      };
    });
    const repeated = new Set(checks.map((c) => c.index)).size !== checks.length;
    const rules = repeated ? checks.map((c) => ({ checks: [c], ret })) : [{ checks, ret }];
    return { names: sc.names, rules };
  });
}

/** The decision for every syscall number of `arch` that some rule names; others get the default. */
export function decisionsFor(seccomp: SeccompInput, arch: TabledArch): Map<number, SyscallDecision> {
  const fallback = defaultReturn(seccomp);
  const perNr = new Map<number, ConditionalRule[]>();
  for (const { names, rules } of normalizeRules(seccomp)) {
    for (const name of names) {
      const nr = syscallNumber(arch, name);
      if (nr === undefined) continue;
      let list = perNr.get(nr);
      if (!list) {
        list = [];
        perNr.set(nr, list);
      }
      for (const r of rules) if (r.ret !== fallback) list.push(r);
    }
  }
  const out = new Map<number, SyscallDecision>();
  for (const [nr, rules] of perNr) {
    if (rules.length === 0) continue;
    const unconditional = rules.find((r) => r.checks.length === 0);
    out.set(nr, unconditional ? { ret: unconditional.ret } : { rules });
  }
  return out;
}
