import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { blkioWeightToIoWeight, sharesToWeight, swapMax } from './apply-v2.ts';
import { resolveCgroupsPath } from './cgroups-path.ts';
import { layoutFromMountinfo } from './detect.ts';
import { deviceRuleLine } from './device-rules.ts';

const HYBRID = `
25 30 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
`;
const V2 =
  '26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate\n';
const V1 = '31 25 0:29 / /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n';

describe('layoutFromMountinfo', () => {
  it('sees a hybrid machine: v1 hierarchies plus the unified one', () => {
    const l = layoutFromMountinfo(HYBRID);
    assert.equal(l.mode, 'hybrid');
    assert.equal(l.unified, '/sys/fs/cgroup/unified');
    assert.deepEqual(l.v1, [
      { mountpoint: '/sys/fs/cgroup/systemd', controllers: [], name: 'systemd' },
      { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] },
      { mountpoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
    ]);
  });
  it('sees v2 only and v1 only, unescaping mount points', () => {
    assert.equal(layoutFromMountinfo(V2).mode, 'v2');
    const v1 = layoutFromMountinfo(V1);
    assert.equal(v1.mode, 'v1');
    assert.equal(v1.v1[0].mountpoint, '/sys/fs/cgroup/my mem');
  });
});

describe('conversions for cgroup v2, as runc makes them', () => {
  it('cpu shares to cpu.weight', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262144), 10000);
    assert.equal(sharesToWeight(512), 20);
  });
  it('blkio weight to io.weight', () => {
    assert.equal(blkioWeightToIoWeight(10), 1);
    assert.equal(blkioWeightToIoWeight(1000), 10000);
    assert.equal(blkioWeightToIoWeight(500), 4950);
  });
  it('memory+swap to memory.swap.max', () => {
    assert.equal(swapMax(200, 100), '100');
    assert.equal(swapMax(-1, 100), 'max');
    assert.equal(swapMax(undefined, 100), undefined);
    assert.throws(() => swapMax(50, 100), /below the memory limit/);
    assert.throws(() => swapMax(50, undefined), /needs a memory limit/);
  });
});

describe('resolveCgroupsPath', () => {
  it('defaults to /berth/<id> and takes absolute or relative paths', () => {
    assert.equal(resolveCgroupsPath(undefined, 'abc'), '/berth/abc');
    assert.equal(resolveCgroupsPath('/docker/abc/', 'abc'), '/docker/abc');
    assert.equal(resolveCgroupsPath('pods/abc', 'abc'), '/pods/abc');
  });
  it('refuses .., the root, and systemd slices', () => {
    assert.throws(
      () => resolveCgroupsPath('/a/../../b', 'x'),
      (e) => isBerthError(e, 'InvalidArgument'),
    );
    assert.throws(() => resolveCgroupsPath('/', 'x'), /root cgroup/);
    assert.throws(
      () => resolveCgroupsPath('system.slice:berth:abc', 'x'),
      (e) => isBerthError(e, 'NotImplemented'),
    );
  });
});

describe('deviceRuleLine', () => {
  it('writes the v1 devices syntax', () => {
    assert.equal(
      deviceRuleLine({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, 'd'),
      'c 1:3 rwm',
    );
    assert.equal(
      deviceRuleLine({ allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }, 'd'),
      'c 136:* rwm',
    );
    assert.equal(deviceRuleLine({ allow: false, access: 'rwm' }, 'd'), 'a *:* rwm');
    assert.throws(() => deviceRuleLine({ allow: true, type: 'x' }, 'devices[2]'), /devices\[2\]\.type/);
    assert.throws(() => deviceRuleLine({ allow: true, access: 'rwx' }, 'devices[0]'), /devices\[0\]\.access/);
  });
});
