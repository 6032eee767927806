import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerSysctls, DEFAULT_SYSCTLS } from './sysctls.ts';

const all = { netns: true, ipcns: true, utsns: true, exists: () => true };

describe('containerSysctls', () => {
  it("adds Docker's defaults for a network namespace of its own, where the kernel has them", () => {
    assert.deepEqual(containerSysctls({ ...all, ownNetwork: true }), DEFAULT_SYSCTLS);
    assert.deepEqual(containerSysctls({ ...all, ownNetwork: false }), {});
    assert.deepEqual(
      containerSysctls({ ...all, ownNetwork: true, exists: (n) => n !== 'net.ipv4.ping_group_range' }),
      { 'net.ipv4.ip_unprivileged_port_start': '0' },
    );
  });

  it('lets the request override and add namespaced sysctls', () => {
    assert.deepEqual(
      containerSysctls({
        ...all,
        ownNetwork: true,
        sysctls: {
          'net.ipv4.ip_unprivileged_port_start': '1024',
          'kernel.shmmax': '1000',
          'fs.mqueue.msg_max': '20',
        },
      }),
      {
        'net.ipv4.ping_group_range': '0 2147483647',
        'net.ipv4.ip_unprivileged_port_start': '1024',
        'kernel.shmmax': '1000',
        'fs.mqueue.msg_max': '20',
      },
    );
  });

  it('refuses sysctls of the host', () => {
    assert.throws(
      () =>
        containerSysctls({ ...all, netns: false, ownNetwork: false, sysctls: { 'net.core.somaxconn': '1' } }),
      /"net.core.somaxconn" is not allowed in the host's network namespace/,
    );
    assert.throws(
      () => containerSysctls({ ...all, ipcns: false, ownNetwork: false, sysctls: { 'kernel.sem': '1' } }),
      /host's IPC namespace/,
    );
    assert.throws(
      () => containerSysctls({ ...all, ownNetwork: false, sysctls: { 'vm.swappiness': '1' } }),
      /would change the host/,
    );
    assert.throws(
      () => containerSysctls({ ...all, ownNetwork: false, sysctls: { 'kernel.hostname': 'x' } }),
      /use Hostname/,
    );
  });
});
