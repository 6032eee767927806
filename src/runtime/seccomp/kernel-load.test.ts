// Loads compiled filters into real processes: testdata/load-filter.c installs
// the program with prctl(PR_SET_SECCOMP) and reports each syscall's errno.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER_CAPABILITIES } from '../spec/defaults.ts';
import { compileSeccomp } from './compile.ts';
import { type DockerSeccompProfile, type LinuxSeccomp, resolveProfile } from './profile.ts';

const source = new URL('./testdata/load-filter.c', import.meta.url).pathname;
const profile = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;
// Docker's 14 default capabilities, as berth's spec defaults list them.
const DEFAULT_CAPS = [...DOCKER_CAPABILITIES];
const EPERM = 1;
const ENOSYS = 38;

const hasCc = spawnSync('cc', ['--version']).status === 0;
const onX86 = process.arch === 'x64' && process.platform === 'linux';
const skip = !onX86 ? 'needs Linux on x86_64' : !hasCc ? 'no C compiler: `cc` not found' : false;

describe('compiled filters in the kernel', { skip }, () => {
  let dir = '';
  let helper = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
    helper = join(dir, 'load-filter');
    const cc = spawnSync('cc', ['-O2', '-Wall', '-Werror', '-o', helper, source], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `cc failed: ${cc.stderr}`);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the helper under `seccomp`; returns name → errno and how the process ended. */
  function run(name: string, seccomp: LinuxSeccomp, calls: string[]) {
    const file = join(dir, `${name}.bpf`);
    writeFileSync(file, compileSeccomp(seccomp, 'amd64'));
    const r = spawnSync(helper, [file, ...calls], { encoding: 'utf8' });
    const errnos: Record<string, number> = {};
    for (const line of r.stdout.split('\n')) {
      const m = /^(\w+)=(\d+)$/.exec(line);
      if (m) errnos[m[1]] = Number(m[2]);
    }
    return { errnos, status: r.status, signal: r.signal, stderr: r.stderr };
  }

  const CALLS = [
    'getpid',
    'personality_0',
    'personality_query',
    'personality_norandom',
    'socket_unix',
    'socket_vsock',
    'keyctl',
    'clone3',
    'i386_getpid',
    'i386_personality_norandom',
    'x32_getpid',
    'unshare_user', // last: unfiltered, it moves the helper into a new user namespace
  ];
  const ALL_ARCHES: LinuxSeccomp['architectures'] = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

  it("Docker's default profile: denied calls fail with EPERM, allowed ones work", () => {
    const s = resolveProfile(profile, {
      capabilities: DEFAULT_CAPS,
      arch: 'amd64',
      kernel: { major: 6, minor: 1 },
    })!;
    const r = run('default', s, CALLS);
    assert.equal(r.status, 0, `helper failed: ${r.stderr} (signal ${r.signal})`);
    const { x32_getpid, ...rest } = r.errnos;
    assert.deepEqual(rest, {
      getpid: 0,
      personality_0: 0,
      personality_query: 0,
      personality_norandom: EPERM,
      socket_unix: 0,
      socket_vsock: EPERM,
      keyctl: EPERM,
      clone3: ENOSYS,
      i386_getpid: 0,
      i386_personality_norandom: EPERM,
      unshare_user: EPERM,
    });
    // The filter lets x32 getpid through; a kernel without the x32 ABI then says ENOSYS.
    assert.ok(x32_getpid === 0 || x32_getpid === ENOSYS, `x32 getpid: errno ${x32_getpid}`);
  });

  it('the same calls under an allow-all filter: the errors above came from the filter', () => {
    const r = run('allow', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ALL_ARCHES }, CALLS);
    assert.equal(r.status, 0, `helper failed: ${r.stderr} (signal ${r.signal})`);
    assert.equal(r.errnos.personality_norandom, 0);
    assert.equal(r.errnos.i386_personality_norandom, 0);
    assert.notEqual(r.errnos.socket_vsock, EPERM);
    assert.notEqual(r.errnos.keyctl, EPERM);
    assert.notEqual(r.errnos.clone3, ENOSYS);
  });

  it('an ABI outside the filter kills the process (SIGSYS): x32 under an x86_64-only filter', () => {
    const r = run('native-only', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'] }, [
      'getpid',
      'x32_getpid',
      'getpid',
    ]);
    assert.equal(r.signal, 'SIGSYS');
    assert.deepEqual(r.errnos, { getpid: 0 });
  });

  it('an i386 call under an x86_64-only filter is killed too', () => {
    const r = run('no-i386', { defaultAction: 'SCMP_ACT_ALLOW' }, ['getpid', 'i386_getpid']);
    assert.equal(r.signal, 'SIGSYS');
    assert.deepEqual(r.errnos, { getpid: 0 });
  });

  it('errno values and argument rules as written', () => {
    const s: LinuxSeccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ALL_ARCHES,
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 },
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 13,
          args: [{ index: 0, value: 0x40000, valueTwo: 0x40000, op: 'SCMP_CMP_MASKED_EQ' }],
        },
      ],
    };
    const r = run('custom', s, [
      'getpid',
      'personality_query',
      'personality_norandom',
      'i386_personality_norandom',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.errnos, {
      getpid: 42,
      personality_query: 13, // 0xffffffff has the ADDR_NO_RANDOMIZE bit too
      personality_norandom: 13,
      i386_personality_norandom: 13,
    });
  });
});
