import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerMounts } from '../../runtime/spec/defaults.ts';
import type { Mount } from '../../runtime/spec/types.ts';
import { assembleMounts, bindMount } from './container-mounts.ts';

const base = { readonlyRootfs: false, ipcNone: false, privileged: false, writableCgroups: false };
const dests = (ms: Mount[]) => ms.map((m) => m.destination);
const optionsOf = (ms: Mount[], dest: string) => ms.find((m) => m.destination === dest)?.options;

describe('assembleMounts', () => {
  it('puts defaults first, then init, then user mounts parents first', () => {
    const user = ['/a/b/c', '/x', '/a/b', '/etc/hosts', '/y'].map((d) => ({
      mount: bindMount(d, '/src', { readOnly: false }),
    }));
    const init = bindMount('/sbin/berth-init', '/bin/native', { readOnly: true });
    const got = assembleMounts({ ...base, defaults: dockerMounts(), user, init });
    assert.deepEqual(dests(got), [
      ...dests(dockerMounts()),
      '/sbin/berth-init',
      '/x',
      '/y',
      '/a/b',
      '/etc/hosts',
      '/a/b/c',
    ]);
  });

  it('lets user mounts replace defaults, a user /dev replace everything under it', () => {
    const user = [
      { mount: bindMount('/dev', '/hostdev', { readOnly: false }) },
      { mount: { destination: '/proc', type: 'tmpfs' } },
    ];
    const got = assembleMounts({ ...base, defaults: dockerMounts(), user });
    assert.deepEqual(dests(got), ['/sys', '/sys/fs/cgroup', '/dev', '/proc']);
  });

  it('drops /dev/shm for IpcMode none', () => {
    assert.ok(
      !dests(assembleMounts({ ...base, ipcNone: true, defaults: dockerMounts(), user: [] })).includes(
        '/dev/shm',
      ),
    );
  });

  it('makes defaults read-only with a read-only rootfs, except /proc and /dev', () => {
    const got = assembleMounts({ ...base, readonlyRootfs: true, defaults: dockerMounts(), user: [] });
    for (const m of got) {
      const ro = m.options?.includes('ro');
      assert.equal(ro, m.destination === '/sys' || m.destination === '/sys/fs/cgroup', m.destination);
    }
    assert.equal(optionsOf(got, '/sys')?.filter((o) => o === 'ro').length, 1);
  });

  it('gives a privileged container a writable /sys and cgroup mount', () => {
    const got = assembleMounts({ ...base, privileged: true, defaults: dockerMounts(), user: [] });
    assert.ok(!optionsOf(got, '/sys')?.includes('ro'));
    assert.ok(!optionsOf(got, '/sys/fs/cgroup')?.includes('ro'));
    const writable = assembleMounts({ ...base, writableCgroups: true, defaults: dockerMounts(), user: [] });
    assert.ok(optionsOf(writable, '/sys')?.includes('ro'));
    assert.ok(!optionsOf(writable, '/sys/fs/cgroup')?.includes('ro'));
  });

  it('writes bind options as Docker does', () => {
    assert.deepEqual(bindMount('/c', '/h', { readOnly: true, propagation: 'rslave' }).options, [
      'rbind',
      'ro',
      'rslave',
    ]);
    assert.deepEqual(bindMount('/c', '/h', { readOnly: false, nonRecursive: true }).options, ['bind']);
  });
});
