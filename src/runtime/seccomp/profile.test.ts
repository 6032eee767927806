import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import AjvModule from 'ajv-draft-04';
import { isBerthError } from '../../util/errors.ts';
import {
  type DockerSeccompProfile,
  hostArch,
  type LinuxSeccomp,
  parseKernelVersion,
  resolveProfile,
} from './profile.ts';

const profile = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;
const schemaDir = new URL('../../../../shared/conformance/oci-runtime-spec/schema/', import.meta.url);

const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_SETUID',
  'CAP_SETGID',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
];
const k61 = { major: 6, minor: 1 };

const namesOf = (s: LinuxSeccomp) => new Set(s.syscalls!.flatMap((r) => r.names));
const rulesNaming = (s: LinuxSeccomp, name: string) => s.syscalls!.filter((r) => r.names.includes(name));

describe('resolveProfile', () => {
  it("amd64, default capabilities: Docker's documented result", () => {
    const s = resolveProfile(profile, { capabilities: DEFAULT_CAPS, arch: 'amd64', kernel: k61 })!;
    assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(s.defaultErrnoRet, 1);
    const names = namesOf(s);
    for (const n of [
      'read',
      'personality',
      'clone',
      'clone3',
      'arch_prctl',
      'modify_ldt',
      'ptrace',
      'chroot',
    ]) {
      assert.ok(names.has(n), n);
    }
    for (const n of [
      'mount',
      'setns',
      'unshare',
      'reboot',
      'bpf',
      'cacheflush',
      's390_runtime_instr',
      'syslog',
    ]) {
      assert.ok(!names.has(n), n);
    }
    assert.equal(rulesNaming(s, 'personality').length, 5);
    const clone = rulesNaming(s, 'clone');
    assert.equal(clone.length, 1);
    assert.deepEqual(clone[0].args, [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);
    assert.deepEqual(rulesNaming(s, 'clone3'), [
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ]);
    for (const r of s.syscalls!) {
      assert.deepEqual(
        Object.keys(r).filter((k) => !['names', 'action', 'errnoRet', 'args'].includes(k)),
        [],
      );
    }
  });

  it('CAP_SYS_ADMIN keeps the admin calls and drops the clone restrictions', () => {
    const s = resolveProfile(profile, {
      capabilities: [...DEFAULT_CAPS, 'SYS_ADMIN'],
      arch: 'amd64',
      kernel: k61,
    })!;
    const names = namesOf(s);
    for (const n of ['mount', 'setns', 'unshare', 'bpf', 'clone3']) assert.ok(names.has(n), n);
    assert.deepEqual(
      rulesNaming(s, 'clone').map((r) => r.args),
      [undefined],
    );
    assert.ok(rulesNaming(s, 'clone3').every((r) => r.action === 'SCMP_ACT_ALLOW'));
  });

  it('minKernel and arches by the host', () => {
    const old = resolveProfile(profile, {
      capabilities: DEFAULT_CAPS,
      arch: 'amd64',
      kernel: { major: 4, minor: 4 },
    })!;
    assert.ok(!namesOf(old).has('ptrace'));
    const exact = resolveProfile(profile, {
      capabilities: DEFAULT_CAPS,
      arch: 'amd64',
      kernel: { major: 4, minor: 8 },
    })!;
    assert.ok(namesOf(exact).has('ptrace'));
    const arm = resolveProfile(profile, { capabilities: DEFAULT_CAPS, arch: 'arm64', kernel: k61 })!;
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(namesOf(arm).has('cacheflush'));
    assert.ok(!namesOf(arm).has('arch_prctl'));
    const s390 = resolveProfile(profile, { capabilities: DEFAULT_CAPS, arch: 's390x', kernel: k61 })!;
    assert.deepEqual(rulesNaming(s390, 'clone')[0].args, [
      { index: 1, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' },
    ]);
    const unknown = resolveProfile(profile, { capabilities: DEFAULT_CAPS, arch: 'mips', kernel: k61 })!;
    assert.equal(unknown.architectures, undefined);
  });

  it('capability names with or without CAP_, any case', () => {
    const a = resolveProfile(profile, { capabilities: ['sys_admin'], arch: 'amd64', kernel: k61 })!;
    const b = resolveProfile(profile, { capabilities: ['CAP_SYS_ADMIN'], arch: 'amd64', kernel: k61 })!;
    assert.deepEqual(a, b);
    assert.ok(namesOf(a).has('mount'));
  });

  it('produces a linux.seccomp the OCI schema accepts', () => {
    // ajv-draft-04 is CommonJS: its class is the default export's `default` under ESM.
    type Validate = ((data: unknown) => boolean) & { errors?: unknown };
    type AjvLike = { addSchema(s: object, key: string): void; compile(s: object): Validate };
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (
      o: object,
    ) => AjvLike;
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const f of ['defs.json', 'defs-linux.json', 'config-linux.json']) {
      ajv.addSchema(JSON.parse(readFileSync(new URL(f, schemaDir), 'utf8')), f);
    }
    const validate = ajv.compile({ $ref: 'config-linux.json#/linux/properties/seccomp' });
    for (const caps of [DEFAULT_CAPS, ['CAP_SYS_ADMIN']]) {
      const s = resolveProfile(profile, { capabilities: caps, arch: 'amd64', kernel: k61 });
      assert.ok(validate(s), JSON.stringify(validate.errors));
    }
    assert.ok(!validate({ defaultAction: 'SCMP_ACT_NOPE' }), 'the schema check can fail');
  });

  it("Docker's format rules: no filter, name vs names, architectures vs archMap", () => {
    const opts = { capabilities: [], arch: 'amd64' as const, kernel: k61 };
    assert.equal(resolveProfile({ defaultAction: '' }, opts), undefined);
    assert.deepEqual(
      resolveProfile(
        { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'read', action: 'SCMP_ACT_ERRNO' }] },
        opts,
      )!.syscalls,
      [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }],
    );
    const fails = (p: DockerSeccompProfile, re: RegExp) =>
      assert.throws(
        () => resolveProfile(p, opts),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && re.test((e as Error).message),
      );
    fails(
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] },
      /syscalls\[0\].*both/,
    );
    fails(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86'],
        archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
      },
      /architectures.*archMap/,
    );
    fails({ defaultAction: 'SCMP_ACT_BAD' as 'SCMP_ACT_ALLOW' }, /SCMP_ACT_BAD/);
    fails(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4' } }],
      },
      /syscalls\[0\]\.includes\.minKernel/,
    );
  });
});

describe('helpers', () => {
  it('parseKernelVersion takes the first two numbers', () => {
    assert.deepEqual(parseKernelVersion('6.1.0-18-amd64'), { major: 6, minor: 1 });
    assert.deepEqual(parseKernelVersion('4.19.0'), { major: 4, minor: 19 });
    assert.throws(
      () => parseKernelVersion('linux'),
      (e: unknown) => isBerthError(e, 'InvalidArgument'),
    );
  });

  it('hostArch maps Node arch names to Go ones', () => {
    assert.equal(hostArch('x64'), 'amd64');
    assert.equal(hostArch('arm64'), 'arm64');
    assert.equal(hostArch('ia32'), '386');
    assert.throws(
      () => hostArch('vax'),
      (e: unknown) => isBerthError(e, 'NotImplemented'),
    );
  });
});
