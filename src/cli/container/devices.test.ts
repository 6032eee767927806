import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDeviceCgroupRule, parseDevice } from './devices.ts';

describe('parseDevice', () => {
  it('reads host[:container][:permissions]', () => {
    assert.deepEqual(parseDevice('/dev/sda:/dev/xvdc:rwm'), {
      PathOnHost: '/dev/sda',
      PathInContainer: '/dev/xvdc',
      CgroupPermissions: 'rwm',
    });
    assert.deepEqual(parseDevice('/dev/null'), {
      PathOnHost: '/dev/null',
      PathInContainer: '/dev/null',
      CgroupPermissions: 'rwm',
    });
    assert.deepEqual(parseDevice('/dev/zero:r'), {
      PathOnHost: '/dev/zero',
      PathInContainer: '/dev/zero',
      CgroupPermissions: 'r',
    });
    assert.deepEqual(parseDevice('/dev/a/../b:/dev/c/./d'), {
      PathOnHost: '/dev/a/../b',
      PathInContainer: '/dev/c/d',
      CgroupPermissions: 'rwm',
    });
  });
  const invalid: [string, string][] = [
    ['relative', 'relative is not an absolute path'],
    ['/dev/a:/dev/b:rwx', 'bad mode specified: rwx'],
    ['/dev/a:/dev/b:r:x', 'bad format for path: /dev/a:/dev/b:r:x'],
    [':/dev/b', 'bad format for path: :/dev/b'],
    ['/dev/a:rel', 'rel is not an absolute path'],
  ];
  for (const [value, message] of invalid) {
    it(`refuses ${value}`, () => assert.throws(() => parseDevice(value), { message }));
  }
  it('checks cgroup rules', () => {
    assert.equal(checkDeviceCgroupRule('c 1:3 mr'), 'c 1:3 mr');
    assert.equal(checkDeviceCgroupRule('a *:* rwm'), 'a *:* rwm');
    assert.throws(() => checkDeviceCgroupRule('bad'), { message: "invalid device cgroup format 'bad'" });
  });
});
