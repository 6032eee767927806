import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import { containerSeccomp } from './seccomp.ts';
import { parseSecurityOpts } from './security-opts.ts';

const DEFAULT_PROFILE = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;

describe('parseSecurityOpts', () => {
  const parse = (opts: string[]) => parseSecurityOpts(opts, []);

  it('reads no-new-privileges in its spellings', () => {
    assert.equal(parse([]).noNewPrivileges, false);
    for (const o of [
      'no-new-privileges',
      'no-new-privileges:true',
      'no-new-privileges=true',
      'no-new-privileges=1',
    ]) {
      assert.equal(parse([o]).noNewPrivileges, true, o);
    }
    assert.equal(parse(['no-new-privileges', 'no-new-privileges=false']).noNewPrivileges, false);
    assert.throws(() => parse(['no-new-privileges=maybe']), /not true or false/);
  });

  it('reads seccomp choices, including a profile sent inline', () => {
    assert.deepEqual(parse([]).seccomp, { kind: 'default' });
    assert.deepEqual(parse(['seccomp=unconfined']).seccomp, { kind: 'unconfined' });
    assert.deepEqual(parse(['seccomp:unconfined']).seccomp, { kind: 'unconfined' });
    assert.deepEqual(parse(['seccomp=builtin']).seccomp, { kind: 'default' });
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    };
    assert.deepEqual(parse([`seccomp=${JSON.stringify(profile)}`]).seccomp, { kind: 'custom', profile });
    assert.throws(
      () => parse(['seccomp=/etc/profile.json']),
      /want "unconfined", "builtin" or a profile's JSON/,
    );
    assert.throws(() => parse(['seccomp=[1]']), /must be a JSON object/);
  });

  it('reads systempaths and writable-cgroups', () => {
    assert.equal(parse(['systempaths=unconfined']).systemPathsUnconfined, true);
    assert.throws(() => parse(['systempaths=confined']), /takes only "unconfined"/);
    assert.equal(parse(['writable-cgroups=true']).writableCgroups, true);
  });

  it('warns about AppArmor and SELinux options it cannot honour', () => {
    const warnings: string[] = [];
    parseSecurityOpts(
      ['apparmor=docker-default', 'apparmor=unconfined', 'label=disable', 'label=type:svirt_t'],
      warnings,
    );
    assert.deepEqual(warnings, [
      'AppArmor is not supported by berth: apparmor=docker-default ignored',
      'SELinux labels are not supported by berth: label=type:svirt_t ignored',
    ]);
  });

  it('refuses unknown options', () => {
    assert.throws(() => parse(['frobnicate=1']), /unknown option "frobnicate"/);
    assert.throws(() => parse(['frobnicate']), /want KEY=VALUE/);
  });
});

describe('containerSeccomp', () => {
  const base = {
    defaultProfile: DEFAULT_PROFILE,
    capabilities: ['CAP_CHOWN', 'CAP_KILL'],
    arch: 'amd64' as const,
    kernel: { major: 6, minor: 1 },
  };

  it('settles the default profile for the container', () => {
    const s = containerSeccomp({ ...base, choice: { kind: 'default' }, privileged: false });
    assert.equal(s?.defaultAction, 'SCMP_ACT_ERRNO');
    assert.deepEqual(s?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const names = new Set(s?.syscalls?.flatMap((c) => c.names));
    assert.ok(names.has('read'));
    assert.ok(!names.has('mount'), 'CAP_SYS_ADMIN-gated calls are left out');
  });

  it('keeps CAP-gated calls when the capability is there', () => {
    const s = containerSeccomp({
      ...base,
      capabilities: ['CAP_SYS_ADMIN'],
      choice: { kind: 'default' },
      privileged: false,
    });
    assert.ok(s?.syscalls?.some((c) => c.names.includes('mount')));
  });

  it('gives none when unconfined, privileged, or without a default', () => {
    assert.equal(containerSeccomp({ ...base, choice: { kind: 'unconfined' }, privileged: false }), undefined);
    assert.equal(containerSeccomp({ ...base, choice: { kind: 'default' }, privileged: true }), undefined);
    assert.equal(
      containerSeccomp({
        ...base,
        defaultProfile: undefined,
        choice: { kind: 'default' },
        privileged: false,
      }),
      undefined,
    );
  });

  it('applies a given profile even to a privileged container', () => {
    const profile: DockerSeccompProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    };
    const s = containerSeccomp({ ...base, choice: { kind: 'custom', profile }, privileged: true });
    assert.deepEqual(s, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    });
  });

  it('reports a broken profile', () => {
    const profile = { defaultAction: 'SCMP_ACT_NOPE' } as unknown as DockerSeccompProfile;
    assert.throws(
      () => containerSeccomp({ ...base, choice: { kind: 'custom', profile }, privileged: false }),
      /defaultAction "SCMP_ACT_NOPE"/,
    );
  });
});
