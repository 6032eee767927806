import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSourcePropagation, mountOf, parseMountinfo } from './propagation.ts';

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:26 / /srv rw,relatime master:7 - ext4 /dev/sdb1 rw',
  '31 22 0:27 / /priv rw,relatime - tmpfs tmpfs rw',
  '32 22 0:28 / /with\\040space rw - tmpfs tmpfs rw',
].join('\n');

describe('mount propagation of bind sources', () => {
  it('finds the mount under a path', () => {
    const mounts = parseMountinfo(MOUNTINFO);
    assert.equal(mountOf('/srv/data', mounts)?.mountpoint, '/srv');
    assert.equal(mountOf('/srvx', mounts)?.mountpoint, '/');
    assert.equal(mountOf('/with space/a', mounts)?.mountpoint, '/with space');
  });

  it('lets private propagation through everywhere', () => {
    checkSourcePropagation('/priv/x', 'rprivate', MOUNTINFO);
    checkSourcePropagation('/priv/x', 'private', MOUNTINFO);
  });

  it('wants a shared mount for shared propagation', () => {
    checkSourcePropagation('/home/x', 'rshared', MOUNTINFO);
    assert.throws(
      () => checkSourcePropagation('/srv/x', 'shared', MOUNTINFO),
      /path \/srv\/x is mounted on \/srv but it is not a shared mount/,
    );
  });

  it('wants a shared or slave mount for slave propagation', () => {
    checkSourcePropagation('/srv/x', 'rslave', MOUNTINFO);
    checkSourcePropagation('/home/x', 'slave', MOUNTINFO);
    assert.throws(
      () => checkSourcePropagation('/priv/x', 'rslave', MOUNTINFO),
      /path \/priv\/x is mounted on \/priv but it is not a shared or slave mount/,
    );
  });
});
