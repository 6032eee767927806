// berth's default profile against Docker's own (the conformance copy of
// moby's default.json): for every host architecture, capability set and kernel
// that matters, both settle to the same decision for every syscall, by name
// (all architectures, so names outside berth's syscall tables count too) and
// by running both compiled BPF programs (the architectures berth compiles for).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CAPABILITIES } from '../spec/capabilities.ts';
import { DOCKER_CAPABILITIES } from '../spec/defaults.ts';
import { runFilter } from './bpf-interpreter.ts';
import { compileSeccompProgram } from './compile.ts';
import { defaultSeccompProfile } from './default-profile.ts';
import {
  type DockerSeccompProfile,
  type HostArch,
  type KernelVersion,
  type LinuxSeccomp,
  NATIVE_SECCOMP_ARCH,
  resolveProfile,
} from './profile.ts';
import {
  type ConditionalRule,
  decisionsFor,
  defaultReturn,
  normalizeRules,
  type SyscallDecision,
} from './rules.ts';
import { AUDIT_ARCH, isTabledArch, syscallTable, TABLED_ARCHES, type TabledArch } from './syscall-table.ts';

const docker = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;

// ---- What to compare over ----------------------------------------------------------------------

const ALL_HOSTS = Object.keys(NATIVE_SECCOMP_ARCH) as HostArch[];
const COMPILED_HOSTS = ALL_HOSTS.filter((h) => isTabledArch(NATIVE_SECCOMP_ARCH[h]));
const KERNELS: KernelVersion[] = [
  { major: 4, minor: 7 },
  { major: 4, minor: 8 },
  { major: 6, minor: 1 },
];

function conditionedCaps(p: DockerSeccompProfile): string[] {
  return (p.syscalls ?? []).flatMap((s) => [...(s.includes?.caps ?? []), ...(s.excludes?.caps ?? [])]);
}

/** Docker's default 14, none, all, and the default with each capability a rule depends on toggled. */
function capabilitySets(): Array<[string, readonly string[]]> {
  const base: readonly string[] = DOCKER_CAPABILITIES;
  const sets: Array<[string, readonly string[]]> = [
    ['default', base],
    ['none', []],
    ['all', CAPABILITIES],
  ];
  const toggled = [...new Set([...conditionedCaps(docker), ...conditionedCaps(defaultSeccompProfile())])];
  for (const cap of toggled.sort()) {
    sets.push(
      base.includes(cap)
        ? [`default - ${cap}`, base.filter((c) => c !== cap)]
        : [`default + ${cap}`, [...base, cap]],
    );
  }
  return sets;
}

interface Case {
  label: string;
  host: HostArch;
  capabilities: readonly string[];
  kernel: KernelVersion;
}

function cases(hosts: readonly HostArch[]): Case[] {
  const out: Case[] = [];
  for (const host of hosts)
    for (const [capsLabel, capabilities] of capabilitySets())
      for (const kernel of KERNELS)
        out.push({
          label: `${host}, ${capsLabel}, kernel ${kernel.major}.${kernel.minor}`,
          host,
          capabilities,
          kernel,
        });
  return out;
}

function resolve(p: DockerSeccompProfile, c: Case): LinuxSeccomp {
  const s = resolveProfile(p, { capabilities: c.capabilities, arch: c.host, kernel: c.kernel });
  assert.ok(s, 'the profile resolves to a filter');
  return s;
}

// ---- Comparing two settled profiles ------------------------------------------------------------

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

function describeRules(rules: ConditionalRule[]): string {
  return rules
    .map(
      (r) =>
        `[${r.checks.map((c) => `a${c.index} ${c.op} ${hex(c.value)}/${hex(c.valueTwo)}`)}]→${hex(r.ret)}`,
    )
    .join(' | ');
}

const describeDecision = (d: SyscallDecision | undefined, fallback: number) =>
  d === undefined ? `default ${hex(fallback)}` : 'ret' in d ? hex(d.ret) : describeRules(d.rules);

/** Per syscall name, what the filter does with it: decisionsFor's rules, keyed by name instead of number. */
function decisionsByName(s: LinuxSeccomp): Map<string, SyscallDecision> {
  const fallback = defaultReturn(s);
  const perName = new Map<string, ConditionalRule[]>();
  for (const { names, rules } of normalizeRules(s)) {
    for (const name of names) {
      const list = perName.get(name) ?? [];
      list.push(...rules.filter((r) => r.ret !== fallback));
      perName.set(name, list);
    }
  }
  const out = new Map<string, SyscallDecision>();
  for (const [name, rules] of perName) {
    if (rules.length === 0) continue;
    const unconditional = rules.find((r) => r.checks.length === 0);
    out.set(name, unconditional ? { ret: unconditional.ret } : { rules });
  }
  return out;
}

/** Every way two settled profiles differ, named by syscall (empty when they are equivalent). */
function differences(ours: LinuxSeccomp, theirs: LinuxSeccomp): string[] {
  const diffs: string[] = [];
  const fallback = defaultReturn(theirs);
  if (defaultReturn(ours) !== fallback) diffs.push(`default ${hex(defaultReturn(ours))} vs ${hex(fallback)}`);
  const archesOurs = JSON.stringify(ours.architectures ?? []);
  const archesTheirs = JSON.stringify(theirs.architectures ?? []);
  if (archesOurs !== archesTheirs) diffs.push(`architectures ${archesOurs} vs ${archesTheirs}`);
  const a = decisionsByName(ours);
  const b = decisionsByName(theirs);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = describeDecision(a.get(name), fallback);
    const y = describeDecision(b.get(name), fallback);
    if (x !== y) diffs.push(`${name}: berth ${x}, docker ${y}`);
  }
  return diffs;
}

// ---- Running both BPF programs -----------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;

/** Argument values around every constant either profile compares with, and a few usual ones. */
function probeValues(...profiles: LinuxSeccomp[]): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffffffffn, 1n << 32n, U64_MAX, 0x01200011n, 0x003d0f00n]);
  for (const s of profiles) {
    for (const sc of s.syscalls ?? []) {
      for (const arg of sc.args ?? []) {
        const v = BigInt(arg.value);
        const w = BigInt(arg.valueTwo ?? 0);
        const bits = [...Array(64).keys()].map((i) => 1n << BigInt(i)).filter((bit) => (v & bit) !== 0n);
        for (const x of [v, v - 1n, v + 1n, w, w | 1n, v | w, ...bits])
          if (x >= 0n && x <= U64_MAX) out.add(x);
      }
    }
  }
  return [...out];
}

/** Argument vectors for a call: none, then each probe value in each argument position the profiles test. */
function argumentSets(values: bigint[], ...profiles: LinuxSeccomp[]): bigint[][] {
  const indexes = new Set(
    profiles.flatMap((s) => (s.syscalls ?? []).flatMap((sc) => (sc.args ?? []).map((a) => a.index))),
  );
  const sets: bigint[][] = [[]];
  for (const index of indexes) {
    for (const v of values) {
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[index] = v;
      sets.push(args);
    }
  }
  return sets;
}

const UNKNOWN_AUDIT_ARCH = 0xc00000f3; // riscv64: no filter of berth's knows it

/**
 * Runs both programs on every syscall number of every ABI berth has a table
 * for (plus numbers no ABI has), with probe arguments where either program
 * looks at arguments; returns the mismatches and the number of calls run.
 */
function runBoth(
  ours: LinuxSeccomp,
  theirs: LinuxSeccomp,
  host: HostArch,
): { diffs: string[]; calls: number } {
  const progOurs = compileSeccompProgram(ours, host);
  const progTheirs = compileSeccompProgram(theirs, host);
  const argSets = argumentSets(probeValues(ours, theirs), ours, theirs);
  const diffs: string[] = [];
  let calls = 0;
  const probe = (abi: string, arch: number, nr: number, name: string, args: bigint[]) => {
    const got = runFilter(progOurs, { nr, arch, args });
    const want = runFilter(progTheirs, { nr, arch, args });
    calls++;
    if (got !== want)
      diffs.push(`${abi} ${name} (${nr}) args [${args.map(hex)}]: berth ${hex(got)}, docker ${hex(want)}`);
  };
  for (const abi of TABLED_ARCHES) {
    const arch = AUDIT_ARCH[abi];
    const conditional = new Set<number>();
    for (const s of [ours, theirs])
      for (const [nr, d] of decisionsFor(s, abi)) if ('rules' in d) conditional.add(nr);
    const byNumber = new Map<number, string>();
    for (const [name, nr] of Object.entries(syscallTable(abi))) byNumber.set(nr, name);
    const base = abi === 'SCMP_ARCH_X32' ? 0x40000000 : 0;
    for (const nr of [base + 4000, base + 0x3fffffff]) byNumber.set(nr, '(none)');
    for (const [nr, name] of byNumber) {
      for (const args of conditional.has(nr) ? argSets : [[]]) probe(abi, arch, nr, name, args);
    }
  }
  probe('unknown', UNKNOWN_AUDIT_ARCH, 0, 'nr 0', []);
  return { diffs, calls };
}

// ---- The tests ---------------------------------------------------------------------------------

describe('defaultSeccompProfile', () => {
  it('returns one frozen value', () => {
    const p = defaultSeccompProfile();
    assert.equal(defaultSeccompProfile(), p);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.syscalls) && Object.isFrozen(p.syscalls?.[0].names));
    assert.throws(() => (p.syscalls as unknown[]).push({}), TypeError);
  });

  it('names each syscall once per rule', () => {
    for (const [i, rule] of (defaultSeccompProfile().syscalls ?? []).entries()) {
      const names = rule.names ?? [];
      const repeated = names.filter((n, j) => names.indexOf(n) !== j);
      assert.deepEqual(repeated, [], `syscalls[${i}] repeats ${repeated.join(', ')}`);
    }
  });

  it('compiles for the architectures berth supports', () => {
    assert.ok(COMPILED_HOSTS.includes('amd64') && COMPILED_HOSTS.includes('arm64'), COMPILED_HOSTS.join(' '));
  });
});

describe("equivalent to Docker's default profile, by syscall name, on every host architecture", () => {
  const all = cases(ALL_HOSTS);
  it(`settles alike in all ${all.length} cases`, () => {
    for (const c of all) {
      const diffs = differences(resolve(defaultSeccompProfile(), c), resolve(docker, c));
      assert.deepEqual(diffs, [], `${c.label}:\n${diffs.join('\n')}`);
    }
  });

  it('tells a profile missing one syscall apart (the comparison can fail)', () => {
    const p = defaultSeccompProfile();
    const without = (name: string): DockerSeccompProfile => ({
      ...p,
      syscalls: (p.syscalls ?? []).map((s) => ({ ...s, names: (s.names ?? []).filter((n) => n !== name) })),
    });
    const riscv: Case = { label: '', host: 'riscv64', capabilities: DOCKER_CAPABILITIES, kernel: KERNELS[2] };
    assert.deepEqual(differences(resolve(without('riscv_hwprobe'), riscv), resolve(docker, riscv)), [
      'riscv_hwprobe: berth default 0x50001, docker 0x7fff0000',
    ]);
  });
});

describe("equivalent to Docker's default profile, compiled and run as BPF", () => {
  for (const host of COMPILED_HOSTS) {
    it(`${host}: both programs return the same for every call`, () => {
      let calls = 0;
      for (const c of cases([host])) {
        const result = runBoth(resolve(defaultSeccompProfile(), c), resolve(docker, c), host);
        assert.deepEqual(
          result.diffs.slice(0, 20),
          [],
          `${c.label}:\n${result.diffs.slice(0, 20).join('\n')}`,
        );
        calls += result.calls;
      }
      assert.ok(calls > 100_000, `${calls} calls run`);
    });
  }

  it('tells programs apart when one syscall or argument rule is missing (the comparison can fail)', () => {
    const c: Case = { label: '', host: 'amd64', capabilities: DOCKER_CAPABILITIES, kernel: KERNELS[2] };
    const p = defaultSeccompProfile();
    const noRead = {
      ...p,
      syscalls: (p.syscalls ?? []).map((s) => ({ ...s, names: (s.names ?? []).filter((n) => n !== 'read') })),
    };
    const readDiffs = runBoth(resolve(noRead, c), resolve(docker, c), 'amd64').diffs;
    // read on x86_64 (0), i386 (3) and x32 (0x40000000); arm is not in an amd64 filter.
    assert.deepEqual(
      readDiffs.map((d) => d.split(' args')[0]),
      ['SCMP_ARCH_X86_64 read (0)', 'SCMP_ARCH_X86 read (3)', 'SCMP_ARCH_X32 read (1073741824)'],
    );
    const noAfNfc = {
      ...p,
      syscalls: (p.syscalls ?? []).filter((s) => !s.args?.some((a) => a.value === 39)),
    };
    const socketDiffs = runBoth(resolve(noAfNfc, c), resolve(docker, c), 'amd64').diffs;
    assert.ok(socketDiffs.length > 0 && socketDiffs.every((d) => / socket /.test(d)), socketDiffs.join('\n'));
  });
});

describe('the default profile, spot checks on amd64 (kernel 6.1)', () => {
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050001;
  const ENOSYS = 0x00050026;
  const X86_64 = AUDIT_ARCH.SCMP_ARCH_X86_64;
  const nr = (abi: TabledArch, name: string) => syscallTable(abi)[name];
  const programFor = (capabilities: readonly string[], kernel = KERNELS[2]) =>
    compileSeccompProgram(
      resolve(defaultSeccompProfile(), { label: '', host: 'amd64', capabilities, kernel }),
      'amd64',
    );
  const call = (prog: ReturnType<typeof programFor>, name: string, ...args: bigint[]) =>
    runFilter(prog, { nr: nr('SCMP_ARCH_X86_64', name), arch: X86_64, args });

  it('allows everyday calls and refuses privileged ones with EPERM', () => {
    const prog = programFor(DOCKER_CAPABILITIES);
    assert.equal(call(prog, 'read'), ALLOW);
    assert.equal(call(prog, 'arch_prctl'), ALLOW);
    assert.equal(call(prog, 'chroot'), ALLOW); // CAP_SYS_CHROOT is one of Docker's defaults
    assert.equal(call(prog, 'mount'), EPERM);
    assert.equal(call(prog, 'reboot'), EPERM);
    assert.equal(call(prog, 'io_uring_setup'), EPERM);
    assert.equal(runFilter(prog, { nr: nr('SCMP_ARCH_X86', 'read'), arch: AUDIT_ARCH.SCMP_ARCH_X86 }), ALLOW);
  });

  it('allows clone without namespace flags, and makes clone3 fail with ENOSYS', () => {
    const prog = programFor(DOCKER_CAPABILITIES);
    assert.equal(call(prog, 'clone', 0x01200011n), ALLOW); // fork()'s flags
    assert.equal(call(prog, 'clone', 0x10000000n | 17n), EPERM); // CLONE_NEWUSER
    assert.equal(call(prog, 'clone', 0x00020000n), EPERM); // CLONE_NEWNS
    assert.equal(call(prog, 'clone3'), ENOSYS);
    const admin = programFor([...DOCKER_CAPABILITIES, 'CAP_SYS_ADMIN']);
    assert.equal(call(admin, 'clone', 0x10000000n), ALLOW);
    assert.equal(call(admin, 'clone3'), ALLOW);
    assert.equal(call(admin, 'mount'), ALLOW);
  });

  it('refuses AF_ALG and AF_VSOCK sockets and odd personalities', () => {
    const prog = programFor(DOCKER_CAPABILITIES);
    assert.equal(call(prog, 'socket', 2n), ALLOW); // AF_INET
    assert.equal(call(prog, 'socket', 38n), EPERM);
    assert.equal(call(prog, 'socket', 39n), ALLOW);
    assert.equal(call(prog, 'socket', 40n), EPERM);
    assert.equal(call(prog, 'socket', 41n), ALLOW);
    assert.equal(call(prog, 'personality', 0xffffffffn), ALLOW);
    assert.equal(call(prog, 'personality', 0x0040000n), EPERM); // ADDR_NO_RANDOMIZE
  });

  it('allows ptrace from kernel 4.8 on', () => {
    assert.equal(call(programFor(DOCKER_CAPABILITIES), 'ptrace'), ALLOW);
    assert.equal(call(programFor(DOCKER_CAPABILITIES, KERNELS[0]), 'ptrace'), EPERM);
    assert.equal(call(programFor([...DOCKER_CAPABILITIES, 'CAP_SYS_PTRACE'], KERNELS[0]), 'ptrace'), ALLOW);
  });
});
