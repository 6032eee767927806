import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { DOCKER_CAPABILITIES } from '../spec/defaults.ts';
import { BPF_JA, BPF_JMP, decodeProgram, type SockFilter } from './bpf.ts';
import { runFilter } from './bpf-interpreter.ts';
import { compileSeccomp, compileSeccompProgram } from './compile.ts';
import { type DockerSeccompProfile, type HostArch, type LinuxSeccomp, resolveProfile } from './profile.ts';
import { syscallNumber, syscallTable, type TabledArch } from './syscall-table.ts';

const profile = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;

// Docker's 14 default capabilities, as berth's spec defaults list them.
const DEFAULT_CAPS = [...DOCKER_CAPABILITIES];
const ADMIN_CAPS = [...DEFAULT_CAPS, 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_NICE', 'SYS_TIME', 'NET_ADMIN'];
const KERNEL = { major: 6, minor: 1 };

const AUDIT_X86_64 = 0xc000003e;
const AUDIT_I386 = 0x40000003;
const AUDIT_AARCH64 = 0xc00000b7;
const AUDIT_ARM = 0x40000028;
const X32 = 0x40000000;

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL_PROCESS = 0x80000000;
const KILL_THREAD = 0;

// ---- The reference: the resolved profile evaluated plainly, with no BPF. ----

const NATIVE: Partial<Record<HostArch, TabledArch>> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
};

function actionValue(action: string, errno: number | undefined): number {
  const e = errno ?? 1;
  const table: Record<string, number> = {
    SCMP_ACT_ALLOW: 0x7fff0000,
    SCMP_ACT_ERRNO: 0x00050000 + e,
    SCMP_ACT_TRACE: 0x7ff00000 + e,
    SCMP_ACT_KILL: 0,
    SCMP_ACT_KILL_THREAD: 0,
    SCMP_ACT_KILL_PROCESS: 0x80000000,
    SCMP_ACT_TRAP: 0x00030000,
    SCMP_ACT_LOG: 0x7ffc0000,
  };
  return table[action];
}

function holds(op: string, arg: bigint, value: bigint, valueTwo: bigint): boolean {
  if (op === 'SCMP_CMP_EQ') return arg === value;
  if (op === 'SCMP_CMP_NE') return arg !== value;
  if (op === 'SCMP_CMP_LT') return arg < value;
  if (op === 'SCMP_CMP_LE') return arg <= value;
  if (op === 'SCMP_CMP_GT') return arg > value;
  if (op === 'SCMP_CMP_GE') return arg >= value;
  if (op === 'SCMP_CMP_MASKED_EQ') return (arg & value) === valueTwo;
  throw new Error(op);
}

/** Which ABI a call of (audit arch, nr) belongs to. */
function abiOf(audit: number, nr: number): TabledArch | undefined {
  if (audit === AUDIT_X86_64) return nr >>> 0 >= X32 ? 'SCMP_ARCH_X32' : 'SCMP_ARCH_X86_64';
  if (audit === AUDIT_I386) return 'SCMP_ARCH_X86';
  if (audit === AUDIT_AARCH64) return 'SCMP_ARCH_AARCH64';
  if (audit === AUDIT_ARM) return 'SCMP_ARCH_ARM';
  return undefined;
}

function reference(s: LinuxSeccomp, host: HostArch, audit: number, nr: number, args: bigint[]): number {
  const abi = abiOf(audit, nr);
  const inFilter = new Set<string>([NATIVE[host]!, ...(s.architectures ?? [])]);
  if (!abi || !inFilter.has(abi)) return KILL_PROCESS;
  const fallback = actionValue(s.defaultAction, s.defaultErrnoRet);
  const rules = rulesFor(s, abi, nr, fallback);
  const unconditional = rules.find((r) => r.conds?.length === 0);
  if (unconditional) return unconditional.ret;
  for (const r of rules) {
    const ok = (r.conds ?? []).every((c) =>
      holds(c.op, args[c.index] ?? 0n, BigInt(c.value), BigInt(c.valueTwo ?? 0)),
    );
    if (ok) return r.ret;
  }
  return fallback;
}

type RefRule = { ret: number; conds: NonNullable<LinuxSeccomp['syscalls']>[number]['args'] };
const refCache = new WeakMap<LinuxSeccomp, Map<string, RefRule[]>>();

/** The rules naming syscall `nr` of `abi`, in profile order, minus those with the default's own action. */
function rulesFor(s: LinuxSeccomp, abi: TabledArch, nr: number, fallback: number): RefRule[] {
  let cache = refCache.get(s);
  if (!cache) {
    cache = new Map();
    refCache.set(s, cache);
  }
  const key = `${abi}:${nr}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rules: RefRule[] = [];
  for (const sc of s.syscalls ?? []) {
    if (!sc.names.some((n) => syscallNumber(abi, n) === nr >>> 0)) continue;
    const ret = actionValue(sc.action, sc.errnoRet);
    if (ret === fallback) continue;
    const args = sc.args ?? [];
    const indexes = args.map((a) => a.index);
    if (new Set(indexes).size !== indexes.length) for (const a of args) rules.push({ ret, conds: [a] });
    else rules.push({ ret, conds: args });
  }
  cache.set(key, rules);
  return rules;
}

// ---- Argument values to try: the profile's own constants, their neighbours, high bits. ----

function probeValues(s: LinuxSeccomp): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffffffffn, 1n << 32n, (1n << 64n) - 1n, 0x10000000n, 0x11n]);
  for (const sc of s.syscalls ?? []) {
    for (const a of sc.args ?? []) {
      for (const v of [BigInt(a.value), BigInt(a.valueTwo ?? 0)]) {
        for (const w of [v, v - 1n, v + 1n, v | (1n << 32n), v ^ 0xffffffffn]) {
          if (w >= 0n && w < 1n << 64n) out.add(w);
        }
      }
    }
  }
  return [...out];
}

function checkAgainstReference(
  s: LinuxSeccomp,
  host: HostArch,
  prog: SockFilter[],
  audit: number,
  nrs: number[],
) {
  const values = probeValues(s);
  let checked = 0;
  for (const nr of nrs) {
    const argSets: bigint[][] = [[]];
    for (const v of values) argSets.push([v], [0n, v], [v, v, v, v, v, v]);
    for (const args of argSets) {
      const got = runFilter(prog, { nr, arch: audit, args });
      const want = reference(s, host, audit, nr, args);
      if (got !== want) {
        assert.fail(
          `nr ${nr} (arch 0x${audit.toString(16)}) args [${args.join(', ')}]: filter 0x${got.toString(16)}, reference 0x${want.toString(16)}`,
        );
      }
      checked++;
    }
  }
  return checked;
}

const profileNames = [...new Set((profile.syscalls ?? []).flatMap((s) => s.names ?? []))];
const numbersOf = (arch: TabledArch, names: string[]) =>
  names.map((n) => syscallNumber(arch, n)).filter((n): n is number => n !== undefined);
const allNumbers = (arch: TabledArch) => [...new Set(Object.values(syscallTable(arch)))];

function resolved(caps: string[], arch: HostArch = 'amd64'): LinuxSeccomp {
  const s = resolveProfile(profile, { capabilities: caps, arch, kernel: KERNEL });
  assert.ok(s);
  return s;
}

for (const [label, caps] of [
  ['default capabilities', DEFAULT_CAPS],
  ['with CAP_SYS_ADMIN', ADMIN_CAPS],
] as const) {
  describe(`Docker's default profile, amd64, ${label}`, () => {
    const s = resolved([...caps]);
    const prog = compileSeccompProgram(s, 'amd64');

    it('fits the kernel limit and passes the kernel-style program check', () => {
      assert.ok(prog.length > 10 && prog.length <= 4096, `${prog.length} instructions`);
      runFilter(prog, { nr: 0, arch: AUDIT_X86_64 }); // checkFilter runs first
    });

    it('agrees with the reference for every profile syscall and every x86_64 syscall', () => {
      const nrs = [
        ...new Set([...numbersOf('SCMP_ARCH_X86_64', profileNames), ...allNumbers('SCMP_ARCH_X86_64')]),
      ];
      nrs.push(500, 1000, 0x3fffffff, 0xffffffff); // unknown numbers and -1
      assert.ok(checkAgainstReference(s, 'amd64', prog, AUDIT_X86_64, nrs) > 10000);
    });

    it('agrees with the reference for every i386 and x32 syscall', () => {
      checkAgainstReference(s, 'amd64', prog, AUDIT_I386, [...allNumbers('SCMP_ARCH_X86'), 1000, 0xffffffff]);
      checkAgainstReference(s, 'amd64', prog, AUDIT_X86_64, [...allNumbers('SCMP_ARCH_X32'), X32 + 1000]);
    });
  });
}

describe("Docker's default profile: the decisions that matter, spelt out", () => {
  const user = compileSeccompProgram(resolved(DEFAULT_CAPS), 'amd64');
  const admin = compileSeccompProgram(resolved(ADMIN_CAPS), 'amd64');
  const nr = (name: string, arch: TabledArch = 'SCMP_ARCH_X86_64') => syscallNumber(arch, name)!;
  const call = (
    prog: SockFilter[],
    name: string,
    args: bigint[] = [],
    arch = AUDIT_X86_64,
    abi?: TabledArch,
  ) => runFilter(prog, { nr: nr(name, abi), arch, args });

  it('allows ordinary calls and denies unlisted ones with EPERM', () => {
    assert.equal(call(user, 'getpid'), ALLOW);
    assert.equal(call(user, 'read'), ALLOW);
    assert.equal(call(user, 'keyctl'), EPERM);
    assert.equal(call(user, 'add_key'), EPERM);
    assert.equal(call(user, 'mount'), EPERM);
    assert.equal(call(admin, 'mount'), ALLOW);
    assert.equal(call(user, 'setns'), EPERM);
    assert.equal(call(user, 'unshare'), EPERM);
    assert.equal(call(admin, 'unshare'), ALLOW);
    assert.equal(call(user, 'ptrace'), ALLOW); // kernel >= 4.8
    assert.equal(runFilter(user, { nr: 1000, arch: AUDIT_X86_64 }), EPERM);
  });

  it('personality: only 0x0, 0x8, 0x20000, 0x20008 and 0xffffffff', () => {
    const cases: Array<[bigint, number]> = [
      [0x0n, ALLOW],
      [0x8n, ALLOW],
      [0x20000n, ALLOW],
      [0x20008n, ALLOW],
      [0xffffffffn, ALLOW],
      [0x1n, EPERM],
      [0x9n, EPERM],
      [0x40000n, EPERM],
      [0x20009n, EPERM],
      [0xfffffffen, EPERM],
      [0x1_00000000n, EPERM], // the high word counts
      [0x1_00000008n, EPERM],
      [0xffffffff_ffffffffn, EPERM],
    ];
    for (const [arg, want] of cases)
      assert.equal(call(user, 'personality', [arg]), want, `personality(0x${arg.toString(16)})`);
  });

  it('clone: namespace flags denied without CAP_SYS_ADMIN, clone3 ENOSYS', () => {
    const CLONE_NEWUSER = 0x10000000n;
    const CLONE_NEWNS = 0x00020000n;
    const threadFlags = 0x3d0f00n; // what pthread_create passes
    assert.equal(call(user, 'clone', [0x11n]), ALLOW);
    assert.equal(call(user, 'clone', [threadFlags]), ALLOW);
    assert.equal(call(user, 'clone', [CLONE_NEWUSER | 0x11n]), EPERM);
    assert.equal(call(user, 'clone', [CLONE_NEWNS]), EPERM);
    assert.equal(call(user, 'clone', [0x11n | (1n << 40n)]), ALLOW); // mask has no high bits
    assert.equal(call(admin, 'clone', [CLONE_NEWUSER]), ALLOW);
    assert.equal(call(user, 'clone3'), ENOSYS);
    assert.equal(call(admin, 'clone3'), ALLOW);
  });

  it('socket: AF_VSOCK (40) denied, the rest allowed', () => {
    for (const [family, want] of [
      [1n, ALLOW],
      [2n, ALLOW],
      [10n, ALLOW],
      [37n, ALLOW],
      [38n, EPERM],
      [39n, ALLOW],
      [40n, EPERM],
      [41n, ALLOW],
      [45n, ALLOW],
    ] as const) {
      assert.equal(call(user, 'socket', [family]), want, `socket(${family})`);
    }
  });

  it('i386 calls go by the i386 numbers', () => {
    assert.equal(call(user, 'getpid', [], AUDIT_I386, 'SCMP_ARCH_X86'), ALLOW);
    assert.equal(call(user, 'socket', [40n], AUDIT_I386, 'SCMP_ARCH_X86'), EPERM);
    assert.equal(call(user, 'socketcall', [], AUDIT_I386, 'SCMP_ARCH_X86'), ALLOW);
    assert.equal(call(user, 'personality', [9n], AUDIT_I386, 'SCMP_ARCH_X86'), EPERM);
    // nr 20 is getpid on i386 but writev on x86_64, 56 is clone on x86_64 but nothing on i386
    assert.equal(runFilter(user, { nr: 56, arch: AUDIT_I386, args: [0x10000000n] }), EPERM);
    assert.equal(runFilter(user, { nr: 56, arch: AUDIT_X86_64, args: [0x10000000n] }), EPERM);
    assert.equal(runFilter(user, { nr: 56, arch: AUDIT_X86_64, args: [0x11n] }), ALLOW);
  });

  it('x32 calls carry the x32 bit; without SCMP_ARCH_X32 they are killed', () => {
    assert.equal(runFilter(user, { nr: X32 | 39, arch: AUDIT_X86_64 }), ALLOW); // x32 getpid
    assert.equal(runFilter(user, { nr: X32 | 512, arch: AUDIT_X86_64 }), ALLOW); // x32 rt_sigaction
    assert.equal(runFilter(user, { nr: X32 | 250, arch: AUDIT_X86_64 }), EPERM); // x32 keyctl
    const nativeOnly = compileSeccompProgram(
      { ...resolved(DEFAULT_CAPS), architectures: ['SCMP_ARCH_X86_64'] },
      'amd64',
    );
    assert.equal(runFilter(nativeOnly, { nr: 39, arch: AUDIT_X86_64 }), ALLOW);
    assert.equal(runFilter(nativeOnly, { nr: X32 | 39, arch: AUDIT_X86_64 }), KILL_PROCESS);
    assert.equal(runFilter(nativeOnly, { nr: 0xffffffff, arch: AUDIT_X86_64 }), KILL_PROCESS);
    assert.equal(runFilter(nativeOnly, { nr: 20, arch: AUDIT_I386 }), KILL_PROCESS);
  });

  it('a wrong arch gets the bad-arch action', () => {
    assert.equal(runFilter(user, { nr: 39, arch: AUDIT_AARCH64 }), KILL_PROCESS);
    assert.equal(runFilter(user, { nr: 39, arch: 0 }), KILL_PROCESS);
    const thread = compileSeccompProgram(resolved(DEFAULT_CAPS), 'amd64', { badArchAction: 'SCMP_ACT_KILL' });
    assert.equal(runFilter(thread, { nr: 39, arch: AUDIT_ARM }), KILL_THREAD);
    const errno = compileSeccompProgram(resolved(DEFAULT_CAPS), 'amd64', { badArchAction: 'SCMP_ACT_ERRNO' });
    assert.equal(runFilter(errno, { nr: 39, arch: AUDIT_ARM }), EPERM);
  });

  it('compileSeccomp writes 8-byte little-endian sock_filter records', () => {
    const buf = compileSeccomp(resolved(DEFAULT_CAPS), 'amd64');
    assert.equal(buf.length, user.length * 8);
    assert.deepEqual(decodeProgram(buf), user);
    // ld [4]: code 0x20, jt 0, jf 0, k 4
    assert.deepEqual([...buf.subarray(0, 8)], [0x20, 0, 0, 0, 4, 0, 0, 0]);
  });
});

describe("Docker's default profile, arm64", () => {
  const s = resolved(DEFAULT_CAPS, 'arm64');
  const prog = compileSeccompProgram(s, 'arm64');

  it('lists aarch64 and arm and keeps the arm-only rules', () => {
    assert.deepEqual(s.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.equal(runFilter(prog, { nr: 0xf0002, arch: AUDIT_ARM }), ALLOW); // ARM cacheflush
  });

  it('agrees with the reference for every aarch64 and arm syscall', () => {
    checkAgainstReference(s, 'arm64', prog, AUDIT_AARCH64, [
      ...allNumbers('SCMP_ARCH_AARCH64'),
      1000,
      0xffffffff,
    ]);
    checkAgainstReference(s, 'arm64', prog, AUDIT_ARM, [...allNumbers('SCMP_ARCH_ARM'), 1000]);
    assert.equal(runFilter(prog, { nr: 39, arch: AUDIT_X86_64 }), KILL_PROCESS);
  });
});

describe('compileSeccomp: comparisons, rule order, long programs, errors', () => {
  const OPS = [
    'SCMP_CMP_EQ',
    'SCMP_CMP_NE',
    'SCMP_CMP_LT',
    'SCMP_CMP_LE',
    'SCMP_CMP_GT',
    'SCMP_CMP_GE',
    'SCMP_CMP_MASKED_EQ',
  ] as const;
  const getpid = 39;

  it('every operator on 64-bit values, high and low words', () => {
    const values = [0n, 5n, 0xffffffffn, 0x1_00000000n, 0x1_00000005n, 0x5_00000000n, (1n << 64n) - 1n];
    const probes = new Set<bigint>();
    for (const v of values) for (const d of [-1n, 0n, 1n, 1n << 32n, -(1n << 32n)]) probes.add(v + d);
    for (const op of OPS) {
      for (const value of values) {
        const valueTwo = op === 'SCMP_CMP_MASKED_EQ' ? value & 0x3_0000000fn : undefined;
        const s: LinuxSeccomp = {
          defaultAction: 'SCMP_ACT_ERRNO',
          syscalls: [
            { names: ['getpid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 3, value, valueTwo, op }] },
          ],
        };
        const prog = compileSeccompProgram(s, 'amd64');
        for (const p of probes) {
          if (p < 0n || p >= 1n << 64n) continue;
          const args = [0n, 0n, 0n, p];
          const want = holds(op, p, value, valueTwo ?? 0n) ? ALLOW : EPERM;
          assert.equal(
            runFilter(prog, { nr: getpid, arch: AUDIT_X86_64, args }),
            want,
            `${op} ${value} on ${p}`,
          );
          assert.equal(reference(s, 'amd64', AUDIT_X86_64, getpid, args), want);
        }
      }
    }
  });

  it('ANDs a rule’s comparisons and ORs rules; first unconditional rule wins', () => {
    const s: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 13,
      syscalls: [
        {
          names: ['getpid'],
          action: 'SCMP_ACT_ALLOW',
          args: [
            { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
            { index: 1, value: 2, op: 'SCMP_CMP_EQ' },
          ],
        },
        { names: ['getpid'], action: 'SCMP_ACT_LOG', args: [{ index: 2, value: 3, op: 'SCMP_CMP_GE' }] },
        { names: ['getppid'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['getppid'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
        {
          names: ['gettid'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 13,
          args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }],
        },
        { names: ['gettid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 5, op: 'SCMP_CMP_LT' }] },
        {
          names: ['getuid'],
          action: 'SCMP_ACT_ALLOW',
          args: [
            { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
            { index: 0, value: 2, op: 'SCMP_CMP_EQ' },
          ],
        },
        { names: ['no_such_syscall', 'getgid'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    };
    const prog = compileSeccompProgram(s, 'amd64');
    const run = (name: string, args: bigint[]) =>
      runFilter(prog, { nr: syscallNumber('SCMP_ARCH_X86_64', name)!, arch: AUDIT_X86_64, args });
    const E13 = 0x0005000d;
    assert.equal(run('getpid', [1n, 2n]), ALLOW);
    assert.equal(run('getpid', [1n, 3n]), E13);
    assert.equal(run('getpid', [1n, 3n, 3n]), 0x7ffc0000);
    assert.equal(run('getpid', [1n, 2n, 3n]), ALLOW); // the first matching rule
    assert.equal(run('getppid', [1n]), 0x7ff00007); // the unconditional rule beats the earlier conditional one
    assert.equal(run('gettid', [1n]), ALLOW); // a rule with the default's own action is dropped
    assert.equal(run('gettid', [7n]), E13);
    assert.equal(run('getuid', [1n]), ALLOW); // repeated index: comparisons ORed
    assert.equal(run('getuid', [2n]), ALLOW);
    assert.equal(run('getuid', [3n]), E13);
    assert.equal(run('getgid', []), KILL_PROCESS);
    for (const name of ['getpid', 'getppid', 'gettid', 'getuid', 'getgid']) {
      for (const args of [[0n], [1n], [1n, 2n], [1n, 3n, 3n], [2n], [7n]]) {
        assert.equal(
          run(name, args),
          reference(s, 'amd64', AUDIT_X86_64, syscallNumber('SCMP_ARCH_X86_64', name)!, args),
        );
      }
    }
  });

  it('long programs jump through trampolines and stay correct', () => {
    const rules = Array.from({ length: 200 }, (_, i) => ({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW' as const,
      args: [{ index: 0, value: i * 3, op: 'SCMP_CMP_EQ' as const }],
    }));
    const s: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }, ...rules],
    };
    const prog = compileSeccompProgram(s, 'amd64');
    assert.ok(prog.length > 200 * 5 * 3, `${prog.length} instructions`);
    assert.ok(
      prog.some((i) => i.code === (BPF_JMP | BPF_JA) && i.k > 255),
      'a trampoline with a long jump',
    );
    for (const [audit, abi] of [
      [AUDIT_X86_64, 'SCMP_ARCH_X86_64'],
      [AUDIT_I386, 'SCMP_ARCH_X86'],
      [AUDIT_X86_64, 'SCMP_ARCH_X32'],
    ] as const) {
      const personality = syscallNumber(abi, 'personality')!;
      for (let v = 0; v < 605; v++) {
        const got = runFilter(prog, { nr: personality, arch: audit, args: [BigInt(v)] });
        assert.equal(got, v % 3 === 0 && v < 600 ? ALLOW : EPERM, `${abi} personality(${v})`);
      }
      assert.equal(runFilter(prog, { nr: syscallNumber(abi, 'write')!, arch: audit }), ALLOW);
      assert.equal(runFilter(prog, { nr: syscallNumber(abi, 'getpid')!, arch: audit }), EPERM);
    }
  });

  it('refuses a program over 4096 instructions', () => {
    const s: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: Array.from({ length: 1000 }, (_, i) => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW' as const,
        args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' as const }],
      })),
    };
    assert.throws(
      () => compileSeccomp(s, 'amd64'),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && /4096/.test((e as Error).message),
    );
  });

  it('refuses SCMP_ACT_NOTIFY, unknown actions and operators, bad indexes and errnos', () => {
    const base = { defaultAction: 'SCMP_ACT_ERRNO' };
    const bad = (s: object, code: 'NotImplemented' | 'InvalidArgument', re: RegExp) =>
      assert.throws(
        () => compileSeccomp({ ...base, ...s } as LinuxSeccomp, 'amd64'),
        (e: unknown) => isBerthError(e, code) && re.test((e as Error).message),
      );
    bad(
      { syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] },
      'NotImplemented',
      /syscalls\[0\].*NOTIFY/,
    );
    bad({ defaultAction: 'SCMP_ACT_NOTIFY' }, 'NotImplemented', /defaultAction/);
    bad({ defaultAction: 'SCMP_ACT_NOPE' }, 'InvalidArgument', /SCMP_ACT_NOPE/);
    bad(
      {
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] },
        ],
      },
      'InvalidArgument',
      /args\[0\]\.index/,
    );
    bad(
      {
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_XX' }] },
        ],
      },
      'InvalidArgument',
      /SCMP_CMP_XX/,
    );
    bad(
      {
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] },
        ],
      },
      'InvalidArgument',
      /uint64/,
    );
    bad(
      { syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }] },
      'InvalidArgument',
      /errno 70000/,
    );
    assert.throws(
      () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, 's390x'),
      (e: unknown) => isBerthError(e, 'NotImplemented'),
    );
  });

  it('takes bigint values beyond 2^53', () => {
    const big = 0xfedcba98_76543210n;
    const prog = compileSeccompProgram(
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          {
            names: ['getpid'],
            action: 'SCMP_ACT_ALLOW',
            args: [{ index: 5, value: big, op: 'SCMP_CMP_EQ' }],
          },
        ],
      },
      'amd64',
    );
    assert.equal(runFilter(prog, { nr: getpid, arch: AUDIT_X86_64, args: [0n, 0n, 0n, 0n, 0n, big] }), ALLOW);
    assert.equal(
      runFilter(prog, { nr: getpid, arch: AUDIT_X86_64, args: [0n, 0n, 0n, 0n, 0n, big + 1n] }),
      EPERM,
    );
  });

  it('the host arch is always in the filter', () => {
    const prog = compileSeccompProgram(
      { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'] },
      'amd64',
    );
    assert.equal(runFilter(prog, { nr: 39, arch: AUDIT_X86_64 }), ALLOW);
    assert.equal(runFilter(prog, { nr: 20, arch: AUDIT_I386 }), ALLOW);
    assert.equal(runFilter(prog, { nr: X32 | 39, arch: AUDIT_X86_64 }), KILL_PROCESS);
  });
});
