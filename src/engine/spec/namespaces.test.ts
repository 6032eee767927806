import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostConfig } from '../container-config.ts';
import { parseNamespaceModes, specNamespaces } from './namespaces.ts';

const join = (kind: string, ref: string) => `/proc/${ref}/ns/${kind === 'network' ? 'net' : kind}`;
const nsOf = (hc: HostConfig, opts: { cgroupV2?: boolean; networkDisabled?: boolean } = {}) =>
  specNamespaces(parseNamespaceModes(hc, { cgroupV2: opts.cgroupV2 ?? false, ...opts }), join)
    .map((n) => (n.path ? `${n.type}=${n.path}` : n.type))
    .join(' ');

describe('namespaces', () => {
  const cases: [string, HostConfig, string, { cgroupV2?: boolean; networkDisabled?: boolean }?][] = [
    ['defaults on cgroup v1', {}, 'mount network uts pid ipc'],
    [
      'defaults on cgroup v2 add a cgroup namespace',
      {},
      'mount network uts pid ipc cgroup',
      { cgroupV2: true },
    ],
    ['cgroupns host on v2', { CgroupnsMode: 'host' }, 'mount network uts pid ipc', { cgroupV2: true }],
    ['cgroupns private on v1', { CgroupnsMode: 'private' }, 'mount network uts pid ipc cgroup'],
    ['network none', { NetworkMode: 'none' }, 'mount network uts pid ipc'],
    ['network host', { NetworkMode: 'host' }, 'mount uts pid ipc'],
    [
      'network of another container',
      { NetworkMode: 'container:123' },
      'mount network=/proc/123/ns/net uts pid ipc',
    ],
    [
      'pid and ipc of the host, uts of the host',
      { PidMode: 'host', IpcMode: 'host', UTSMode: 'host' },
      'mount network',
    ],
    [
      'pid and ipc of other containers',
      { PidMode: 'container:7', IpcMode: 'container:8' },
      'mount network uts pid=/proc/7/ns/pid ipc=/proc/8/ns/ipc',
    ],
    ['ipc shareable and none are private', { IpcMode: 'shareable' }, 'mount network uts pid ipc'],
    ['userns host', { UsernsMode: 'host' }, 'mount network uts pid ipc'],
    ['NetworkDisabled', {}, 'mount network uts pid ipc', { networkDisabled: true }],
  ];
  for (const [name, hc, want, opts] of cases) it(name, () => assert.equal(nsOf(hc, opts), want));

  it('names a user network as a private one', () => {
    assert.deepEqual(parseNamespaceModes({ NetworkMode: 'mynet' }, { cgroupV2: false }).network, {
      kind: 'private',
      name: 'mynet',
    });
    assert.deepEqual(parseNamespaceModes({ NetworkMode: 'default' }, { cgroupV2: false }).network, {
      kind: 'private',
      name: 'bridge',
    });
  });

  const bad: [HostConfig, RegExp][] = [
    [{ NetworkMode: 'container:' }, /invalid network mode: invalid container format container:<name\|id>/],
    [{ IpcMode: 'weird' }, /invalid IPC mode: weird/],
    [{ PidMode: 'weird' }, /invalid PID mode: weird/],
    [{ UTSMode: 'private' }, /invalid UTS mode: private/],
    [{ UsernsMode: 'private' }, /no user namespace remapping/],
    [{ CgroupnsMode: 'shared' as 'host' }, /invalid cgroup namespace mode: shared/],
  ];
  for (const [hc, re] of bad) {
    it(`refuses ${JSON.stringify(hc)}`, () =>
      assert.throws(() => parseNamespaceModes(hc, { cgroupV2: false }), re));
  }
});
