// A launch plan for tests: a busybox rootfs in new pid/mount/uts/ipc/net
// namespaces with Docker-like mounts, written by hand (the spec translation is
// src/runtime/spec's). Not used by berth itself.
import { MS } from './linux-constants.ts';
import type { LaunchPlan } from './plan.ts';

export function testPlan(rootfs: string, script: string, over: Partial<LaunchPlan> = {}): LaunchPlan {
  return {
    version: 1,
    namespaces: { create: ['pid', 'mount', 'uts', 'ipc', 'network'], join: [] },
    uidMappings: [],
    gidMappings: [],
    setgroupsDeny: false,
    root: { path: rootfs, propagation: MS.SLAVE | MS.REC, readonly: false, pivotRoot: true },
    mounts: [
      {
        source: 'proc',
        target: '/proc',
        fstype: 'proc',
        flags: MS.NOSUID | MS.NOEXEC | MS.NODEV,
        propagationFlags: [],
        data: '',
      },
      {
        source: 'tmpfs',
        target: '/dev',
        fstype: 'tmpfs',
        flags: MS.NOSUID | MS.STRICTATIME,
        propagationFlags: [],
        data: 'mode=755,size=65536k',
      },
      {
        source: 'devpts',
        target: '/dev/pts',
        fstype: 'devpts',
        flags: MS.NOSUID | MS.NOEXEC,
        propagationFlags: [],
        data: 'newinstance,ptmxmode=0666,mode=0620',
      },
      {
        source: 'sysfs',
        target: '/sys',
        fstype: 'sysfs',
        flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY,
        propagationFlags: [],
        data: '',
      },
      {
        source: 'mqueue',
        target: '/dev/mqueue',
        fstype: 'mqueue',
        flags: MS.NOSUID | MS.NOEXEC | MS.NODEV,
        propagationFlags: [],
        data: '',
      },
    ],
    devices: [
      { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
      { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
      { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
    ],
    links: [
      { path: '/dev/ptmx', target: 'pts/ptmx' },
      { path: '/dev/fd', target: '/proc/self/fd' },
    ],
    maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/scsi'],
    readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    hostname: 'berth-test',
    sysctls: [],
    rlimits: [],
    cgroupProcsFiles: [],
    noNewPrivileges: true,
    process: {
      args: ['/bin/sh', '-c', script],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd: '/',
      user: { uid: 0, gid: 0, additionalGids: [] },
      terminal: false,
    },
    ...over,
  };
}
