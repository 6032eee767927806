import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactJson, normalizeCapabilities, parseSecurityOpts, parseSysctl } from './security-options.ts';

const files: Record<string, string> = {
  '/prof.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "names": [ "a b", "c\\"d" ]\n}\n',
  '/bad.json': '{bad',
};
const readFile = (p: string): string => {
  if (p in files) return files[p]!;
  throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
};

describe('parseSecurityOpts', () => {
  it('keeps options, inlines a seccomp profile read from a file, and takes systempaths out', () => {
    const out = parseSecurityOpts(
      [
        'seccomp=unconfined',
        'no-new-privileges',
        'label=disable',
        'apparmor:foo',
        'systempaths=unconfined',
        'seccomp:/prof.json',
      ],
      readFile,
    );
    assert.deepEqual(out, {
      securityOpt: [
        'seccomp=unconfined',
        'no-new-privileges',
        'label=disable',
        'apparmor:foo',
        'seccomp={"defaultAction":"SCMP_ACT_ALLOW","names":["a b","c\\"d"]}',
      ],
      unmaskPaths: true,
    });
  });
  it('refuses as Docker does', () => {
    assert.throws(() => parseSecurityOpts(['foo'], readFile), { message: 'Invalid --security-opt: "foo"' });
    assert.throws(() => parseSecurityOpts(['label='], readFile), {
      message: 'Invalid --security-opt: "label="',
    });
    assert.throws(() => parseSecurityOpts(['seccomp=/nonexist.json'], readFile), {
      message:
        'opening seccomp profile (/nonexist.json) failed: open /nonexist.json: no such file or directory',
    });
    assert.throws(() => parseSecurityOpts(['seccomp=/bad.json'], readFile), {
      message: /^compacting json for seccomp profile \(\/bad\.json\) failed: /,
    });
  });
  it('compacts JSON without touching strings or numbers', () => {
    assert.equal(compactJson('{ "a" : [1.50, 2e3] ,"b":"x  y"}'), '{"a":[1.50,2e3],"b":"x  y"}');
  });
});

describe('capabilities and sysctls', () => {
  it("normalizes capabilities as Docker's client", () => {
    assert.deepEqual(normalizeCapabilities(['net_admin', 'CAP_SYS_ADMIN', 'sys_admin']), [
      'CAP_NET_ADMIN',
      'CAP_SYS_ADMIN',
    ]);
    assert.deepEqual(normalizeCapabilities(['all', 'foo']), ['ALL', 'CAP_FOO']);
    assert.deepEqual(normalizeCapabilities([' x ']), ['CAP_ X ']);
  });
  it('allows only namespaced sysctls', () => {
    assert.deepEqual(parseSysctl('net.ipv4.ip_forward=1'), ['net.ipv4.ip_forward', '1']);
    assert.deepEqual(parseSysctl('kernel.shmmax=5'), ['kernel.shmmax', '5']);
    assert.deepEqual(parseSysctl('fs.mqueue.msg_max=10'), ['fs.mqueue.msg_max', '10']);
    assert.throws(() => parseSysctl('kernel.foo=1'), { message: "sysctl 'kernel.foo=1' is not allowed" });
    assert.throws(() => parseSysctl('a'), { message: "sysctl 'a' is not allowed" });
  });
});
