import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { MS } from '../launch/linux-constants.ts';
import { encodePlan, RLIM_INFINITY } from '../launch/plan.ts';
import { CAPABILITIES, capabilityNumber } from './capabilities.ts';
import { DOCKER_CAPABILITIES, defaultSpec, runcSpec } from './defaults.ts';
import { type PlanOptions, planFromSpec } from './plan-from-spec.ts';
import type { Spec } from './types.ts';

const CGROUPS: PlanOptions = {
  cgroupProcsFiles: ['/sys/fs/cgroup/memory/berth/x/cgroup.procs'],
  cgroupMounts: [
    { name: 'memory', hostPath: '/sys/fs/cgroup/memory/berth/x' },
    { name: 'pids', hostPath: '/sys/fs/cgroup/pids/berth/x' },
  ],
};

const spec = (): Spec => defaultSpec({ args: ['sh', '-c', 'true'], env: ['A=1'], hostname: 'box' });

function refuses(s: Spec, code: string, message: RegExp, opts: PlanOptions = CGROUPS) {
  assert.throws(
    () => planFromSpec(s, '/bundle', opts),
    (e) => isBerthError(e) && e.code === code && message.test(e.message),
  );
}

describe('capabilities', () => {
  it('numbers every CAP_ name up to CAP_CHECKPOINT_RESTORE (40)', () => {
    assert.equal(CAPABILITIES.length, 41);
    assert.equal(capabilityNumber('CAP_CHOWN', 'x'), 0);
    assert.equal(capabilityNumber('CAP_SYS_ADMIN', 'x'), 21);
    assert.equal(capabilityNumber('CAP_AUDIT_WRITE', 'x'), 29);
    assert.equal(capabilityNumber('CAP_CHECKPOINT_RESTORE', 'x'), 40);
  });
  it('names an unknown one', () => {
    assert.throws(() => capabilityNumber('CAP_FLY', 'caps[2]'), /caps\[2\]: unknown capability "CAP_FLY"/);
    assert.throws(() => capabilityNumber('chown', 'c'), /did you mean "CAP_CHOWN"/);
  });
});

describe('planFromSpec', () => {
  it("turns Docker's default spec into a plan the launcher can encode", () => {
    const plan = planFromSpec(spec(), '/var/lib/b/ctr', CGROUPS);
    assert.equal(plan.root?.path, '/var/lib/b/ctr/rootfs');
    assert.equal(plan.root?.propagation, MS.SLAVE | MS.REC);
    assert.equal(plan.root?.pivotRoot, true);
    assert.deepEqual(plan.namespaces, { create: ['mount', 'network', 'uts', 'pid', 'ipc'], join: [] });
    assert.deepEqual(plan.process.args, ['sh', '-c', 'true']);
    assert.equal(plan.process.cwd, '/');
    assert.deepEqual(plan.process.user, { uid: 0, gid: 0, additionalGids: [] });
    assert.equal(plan.hostname, 'box');
    assert.deepEqual(
      plan.capabilities!.bounding,
      DOCKER_CAPABILITIES.map((c) => CAPABILITIES.indexOf(c)),
    );
    assert.deepEqual(plan.capabilities!.ambient, []);
    assert.deepEqual(plan.cgroupProcsFiles, CGROUPS.cgroupProcsFiles);
    assert.deepEqual(plan.sysctls, [
      { path: 'net/ipv4/ip_unprivileged_port_start', value: '0' },
      { path: 'net/ipv4/ping_group_range', value: '0 2147483647' },
    ]);
    const pts = plan.mounts.find((m) => m.target === '/dev/pts')!;
    assert.deepEqual(pts, {
      source: 'devpts',
      target: '/dev/pts',
      fstype: 'devpts',
      flags: MS.NOSUID | MS.NOEXEC,
      propagationFlags: [],
      data: 'newinstance,ptmxmode=0666,mode=0620,gid=5',
    });
    assert.ok(plan.links.some((l) => l.path === '/dev/ptmx' && l.target === 'pts/ptmx'));
    assert.deepEqual(
      plan.devices.map((d) => d.path),
      ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'],
    );
    assert.ok(encodePlan(plan).length > 16);
  });

  it('shows the container its cgroups: a tmpfs, a bind per hierarchy, then read-only', () => {
    const plan = planFromSpec(spec(), '/b', CGROUPS);
    const cg = plan.mounts.filter((m) => m.target.startsWith('/sys/fs/cgroup'));
    assert.deepEqual(
      cg.map((m) => [m.target, m.fstype, m.source]),
      [
        ['/sys/fs/cgroup', 'tmpfs', 'tmpfs'],
        ['/sys/fs/cgroup/memory', 'bind', '/sys/fs/cgroup/memory/berth/x'],
        ['/sys/fs/cgroup/pids', 'bind', '/sys/fs/cgroup/pids/berth/x'],
        ['/sys/fs/cgroup', 'tmpfs', 'tmpfs'],
      ],
    );
    assert.ok(cg[1].flags & MS.RDONLY && cg[1].flags & MS.BIND);
    assert.ok(cg[3].flags & MS.REMOUNT && cg[3].flags & MS.RDONLY);
    const v2 = planFromSpec(spec(), '/b', {
      cgroupProcsFiles: [],
      cgroupMounts: [{ name: '', hostPath: '/sys/fs/cgroup/berth/x' }],
    });
    assert.deepEqual(
      v2.mounts.filter((m) => m.target === '/sys/fs/cgroup').map((m) => [m.fstype, m.source]),
      [['bind', '/sys/fs/cgroup/berth/x']],
    );
    refuses(spec(), 'FailedPrecondition', /mounts\[4\]: a cgroup mount needs/, { cgroupProcsFiles: [] });
  });

  it('resolves bind sources against the bundle and keeps the bind flags', () => {
    const s = spec();
    s.mounts!.push({ destination: '/data', source: 'vol', options: ['rbind', 'ro', 'rprivate'] });
    s.mounts!.push({ destination: '/abs', type: 'bind', source: '/srv/x' });
    const plan = planFromSpec(s, '/bundle', CGROUPS);
    const data = plan.mounts.find((m) => m.target === '/data')!;
    assert.equal(data.source, '/bundle/vol');
    assert.equal(data.fstype, 'bind');
    assert.equal(data.flags, MS.BIND | MS.REC | MS.RDONLY);
    assert.deepEqual(data.propagationFlags, [MS.PRIVATE | MS.REC]);
    assert.equal(plan.mounts.find((m) => m.target === '/abs')!.flags, MS.BIND);
  });

  it("binds the host's /sys and /dev/mqueue when the container shares the host's network and IPC", () => {
    const s = defaultSpec({ args: ['x'], hostNetwork: true });
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'ipc');
    const plan = planFromSpec(s, '/b', CGROUPS);
    const sys = plan.mounts.find((m) => m.target === '/sys')!;
    assert.equal(sys.source, '/sys');
    assert.ok(sys.flags & MS.BIND && sys.flags & MS.REC && sys.flags & MS.RDONLY);
    assert.equal(plan.mounts.find((m) => m.target === '/dev/mqueue')!.source, '/dev/mqueue');
  });

  it('refuses a mount destination that is relative or climbs out with ..', () => {
    for (const bad of ['data', '../etc', '/a/../../etc', '/x/..']) {
      const s = spec();
      s.mounts!.push({ destination: bad, type: 'tmpfs', source: 'tmpfs' });
      refuses(s, 'InvalidArgument', /^config\.json: mounts\[7\]\.destination: /);
    }
  });

  it('names an unknown capability with its place', () => {
    const s = spec();
    s.process!.capabilities!.effective!.push('CAP_FOO');
    refuses(s, 'InvalidArgument', /process\.capabilities\.effective\[14\]: unknown capability "CAP_FOO"/);
  });

  it('translates rlimits, with 2^64-1 meaning unlimited', () => {
    const s = spec();
    s.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 }, // how JSON.parse reads 18446744073709551615,
    ];
    const plan = planFromSpec(s, '/b', CGROUPS);
    assert.deepEqual(plan.rlimits, [
      { resource: 7, soft: 1024n, hard: 4096n },
      { resource: 4, soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    s.process!.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }];
    refuses(s, 'InvalidArgument', /process\.rlimits\[0\]\.type: unknown rlimit type "RLIMIT_FOO"/);
    s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 1 }];
    refuses(s, 'InvalidArgument', /soft limit 10 is above the hard limit 1/);
  });

  it('splits namespaces into new and joined, and refuses duplicates', () => {
    const s = spec();
    s.linux!.namespaces = [
      { type: 'pid' },
      { type: 'network', path: '/proc/1/ns/net' },
      { type: 'mount' },
      { type: 'uts' },
    ];
    const plan = planFromSpec(s, '/b', CGROUPS);
    assert.deepEqual(plan.namespaces, {
      create: ['pid', 'mount', 'uts'],
      join: [{ type: 'network', path: '/proc/1/ns/net' }],
    });
    s.linux!.namespaces.push({ type: 'pid' });
    refuses(s, 'InvalidArgument', /linux\.namespaces\[4\]\.type: duplicate namespace type "pid"/);
  });

  it('maps users with a user namespace, binds devices in it, and refuses maps without one', () => {
    const s = spec();
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const plan = planFromSpec(s, '/b', CGROUPS);
    assert.deepEqual(plan.uidMappings, [{ containerId: 0, hostId: 100000, size: 65536 }]);
    assert.equal(plan.devices[0].bindFrom, '/dev/null');
    const noUser = spec();
    noUser.linux!.uidMappings = s.linux!.uidMappings;
    refuses(noUser, 'InvalidArgument', /mappings need a new user namespace/);
    delete s.linux!.gidMappings;
    refuses(s, 'InvalidArgument', /needs linux\.uidMappings and linux\.gidMappings/);
  });

  it('lets a spec device replace a default one, and checks device fields', () => {
    const s = spec();
    s.linux!.devices = [
      { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600, uid: 5, gid: 6 },
      { type: 'b', path: '/dev/sda', major: 8, minor: 0 },
      { type: 'p', path: '/dev/fifo' },
    ];
    const plan = planFromSpec(s, '/b', CGROUPS);
    assert.deepEqual(
      plan.devices.find((d) => d.path === '/dev/null'),
      {
        path: '/dev/null',
        type: 'c',
        major: 1,
        minor: 3,
        fileMode: 0o600,
        uid: 5,
        gid: 6,
      },
    );
    assert.equal(plan.devices.filter((d) => d.path === '/dev/null').length, 1);
    assert.equal(plan.devices.find((d) => d.path === '/dev/fifo')!.type, 'p');
    s.linux!.devices = [{ type: 'c', path: '/dev/x' }];
    refuses(s, 'InvalidArgument', /linux\.devices\[0\]: a "c" device needs major and minor/);
    s.linux!.devices = [{ type: 'c', path: 'dev/x', major: 1, minor: 1 }];
    refuses(s, 'InvalidArgument', /linux\.devices\[0\]\.path: "dev\/x" is not an absolute path/);
  });

  it("allows only sysctls the container's own namespaces hold", () => {
    const s = spec();
    s.linux!.sysctl = { 'kernel.shmmax': '1000', 'fs.mqueue.msg_max': '20' };
    assert.deepEqual(
      planFromSpec(s, '/b', CGROUPS).sysctls.map((x) => x.path),
      ['kernel/shmmax', 'fs/mqueue/msg_max'],
    );
    s.linux!.sysctl = { 'vm.swappiness': '1' };
    refuses(s, 'InvalidArgument', /linux\.sysctl\["vm\.swappiness"\]: .*would change the host/);
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    refuses(s, 'InvalidArgument', /needs a private network namespace/);
    s.linux!.sysctl = { 'net..x': '1' };
    refuses(s, 'InvalidArgument', /is not a sysctl name/);
  });

  it('needs a compiled program for a seccomp profile and carries its flags', () => {
    const s = spec();
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] };
    refuses(s, 'FailedPrecondition', /linux\.seccomp: the profile must be compiled/);
    const program = Buffer.alloc(8);
    const plan = planFromSpec(s, '/b', { ...CGROUPS, seccompProgram: program });
    assert.deepEqual(plan.seccomp, { program, flags: 2 });
  });

  it('refuses what the launcher cannot do instead of ignoring it', () => {
    const s = spec();
    s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    refuses(s, 'NotImplemented', /process\.selinuxLabel: SELinux is not supported/);
    const a = spec();
    a.process!.apparmorProfile = 'docker-default';
    refuses(a, 'NotImplemented', /apparmorProfile/);
    a.process!.apparmorProfile = 'unconfined';
    planFromSpec(a, '/b', CGROUPS);
  });

  it('checks the process: args, an absolute cwd, NAME=value env, and a hostname needs a UTS namespace', () => {
    const s = spec();
    s.process!.args = [];
    refuses(s, 'InvalidArgument', /process\.args: empty/);
    const c = spec();
    c.process!.cwd = 'work';
    refuses(c, 'InvalidArgument', /process\.cwd: "work" is not an absolute path/);
    const e = spec();
    e.process!.env!.push('JUSTANAME');
    refuses(e, 'InvalidArgument', /process\.env\[2\]: "JUSTANAME" is not NAME=value/);
    const h = spec();
    h.linux!.namespaces = h.linux!.namespaces!.filter((n) => n.type !== 'uts');
    refuses(h, 'InvalidArgument', /hostname: setting the hostname needs a private UTS namespace/);
  });

  it("plans runc's example spec: user, umask, terminal, rootfs propagation, no pivot", () => {
    const s = runcSpec();
    s.process!.user = { uid: 1000, gid: 1000, umask: 0o22, additionalGids: [10, 20] };
    s.linux!.rootfsPropagation = 'private';
    s.linux!.personality = { domain: 'LINUX32' };
    const plan = planFromSpec(s, '/b', { ...CGROUPS, noPivotRoot: true });
    assert.deepEqual(plan.process.user, { uid: 1000, gid: 1000, umask: 0o22, additionalGids: [10, 20] });
    assert.equal(plan.process.terminal, true);
    assert.equal(plan.root?.readonly, true);
    assert.equal(plan.root?.pivotRoot, false);
    assert.equal(plan.root?.propagation, MS.PRIVATE);
    assert.equal(plan.personality, 8);
    assert.equal(plan.noNewPrivileges, true);
    assert.deepEqual(plan.capabilities!.ambient, [29, 5, 10]);
    assert.deepEqual(plan.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
  });
});
