import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DOCKER_DEVICE_RULES } from '../../runtime/spec/defaults.ts';
import {
  containerDevices,
  devMajor,
  devMinor,
  hostDevices,
  mappedDevices,
  parseDeviceCgroupRule,
} from './devices.ts';

describe('device numbers', () => {
  it("splits dev_t as the kernel's major() and minor()", () => {
    assert.deepEqual([devMajor(0x103n), devMinor(0x103n)], [1, 3]);
    // major 259, minor 300000: both beyond the old 8-bit fields
    const rdev = ((259n & 0xfffn) << 8n) | ((300000n & 0xffn) | ((300000n & ~0xffn) << 12n));
    assert.deepEqual([devMajor(rdev), devMinor(rdev)], [259, 300000]);
  });
});

describe('--device', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-devices-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('stats the host node and allows it', () => {
    const { devices, rules } = mappedDevices(
      { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' },
      'd',
    );
    assert.equal(devices.length, 1);
    assert.deepEqual(
      { ...devices[0], fileMode: undefined, uid: undefined, gid: undefined },
      {
        type: 'c',
        path: '/dev/mynull',
        major: 1,
        minor: 3,
        fileMode: undefined,
        uid: undefined,
        gid: undefined,
      },
    );
    assert.deepEqual(rules, [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
  });

  it('follows a symlink and takes a directory of devices', () => {
    const dir = join(work, 'devs');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    symlinkSync('/dev/zero', join(dir, 'sub/z'));
    symlinkSync('/dev/null', join(work, 'nul'));
    assert.equal(
      mappedDevices({ PathOnHost: join(work, 'nul'), PathInContainer: '', CgroupPermissions: '' }, 'd')
        .devices[0].path,
      join(work, 'nul'),
    );
    // A directory walk does not follow links (runc's rule): a tree of links alone has no devices.
    assert.throws(
      () => mappedDevices({ PathOnHost: dir, PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }, 'd'),
      /not a device node/,
    );
    execFileSync('mknod', [join(dir, 'sub/null'), 'c', '1', '3']);
    const got = mappedDevices({ PathOnHost: dir, PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }, 'd');
    assert.deepEqual(
      got.devices.map((d) => [d.path, d.major, d.minor]),
      [['/dev/x/sub/null', 1, 3]],
    );
  });

  it('refuses what is not a device, and bad permissions', () => {
    assert.throws(
      () =>
        mappedDevices(
          { PathOnHost: '/etc/hostname', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' },
          'HostConfig.Devices[0]',
        ),
      /HostConfig.Devices\[0\]: error gathering device information while adding custom device "\/etc\/hostname": not a device node/,
    );
    assert.throws(
      () => mappedDevices({ PathOnHost: '/nonexistent', PathInContainer: '', CgroupPermissions: '' }, 'd'),
      /error gathering device information/,
    );
    assert.throws(
      () => mappedDevices({ PathOnHost: '/dev/null', PathInContainer: '', CgroupPermissions: 'rwx' }, 'd'),
      /invalid device permissions "rwx"/,
    );
  });
});

describe('--device-cgroup-rule', () => {
  const cases: [string, ReturnType<typeof parseDeviceCgroupRule>][] = [
    ['c 1:3 mr', { allow: true, type: 'c', major: 1, minor: 3, access: 'mr' }],
    ['b 8:* rwm', { allow: true, type: 'b', major: 8, minor: -1, access: 'rwm' }],
    ['c *:* m', { allow: true, type: 'c', major: -1, minor: -1, access: 'm' }],
    ['a *:* rwm', { allow: true, major: -1, minor: -1, access: 'rwm' }],
    ['a', { allow: true, major: -1, minor: -1, access: 'rwm' }],
  ];
  for (const [rule, want] of cases) it(rule, () => assert.deepEqual(parseDeviceCgroupRule(rule, 'r'), want));
  for (const bad of ['c 1:3', 'x 1:3 rwm', 'c 1-3 rwm', 'c 1:3 rwx', 'c 1:3 rr', 'a 1:3 rwm']) {
    it(`refuses ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseDeviceCgroupRule(bad, 'r'), /invalid device/));
  }
});

describe('containerDevices', () => {
  it("starts from Docker's rules and adds the request's", () => {
    const got = containerDevices({
      privileged: false,
      devices: [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/zz', CgroupPermissions: 'r' }],
      rules: ['c 10:200 rwm'],
      warnings: [],
      hostDevices: () => assert.fail('not privileged'),
    });
    assert.deepEqual(
      got.devices.map((d) => d.path),
      ['/dev/zz'],
    );
    assert.deepEqual(got.rules, [
      ...DOCKER_DEVICE_RULES,
      { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
      { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
    ]);
  });

  it('gives a privileged container every host device and every access', () => {
    const warnings: string[] = [];
    const got = containerDevices({
      privileged: true,
      devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/other-null', CgroupPermissions: 'r' }],
      warnings,
      hostDevices: () => [{ type: 'c', path: '/dev/null', major: 1, minor: 3 }],
    });
    assert.deepEqual(
      got.devices.map((d) => d.path),
      ['/dev/null', '/dev/other-null'],
    );
    assert.deepEqual(got.rules, [{ allow: true, access: 'rwm' }]);
    assert.equal(warnings.length, 1);
  });

  it("finds the host's devices", () => {
    const all = hostDevices();
    const nul = all.find((d) => d.path === '/dev/null');
    assert.equal(nul?.major, 1);
    assert.ok(!all.some((d) => d.path.startsWith('/dev/pts/') || d.path === '/dev/console'));
  });
});
