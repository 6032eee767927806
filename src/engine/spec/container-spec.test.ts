import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { busyboxMissing } from '../../../test/helpers/busybox.ts';
import {
  DEFAULT_READONLY_PATHS,
  DOCKER_CAPABILITIES,
  DOCKER_DEVICE_RULES,
  DOCKER_MASKED_PATHS,
  dockerMounts,
} from '../../runtime/spec/defaults.ts';
import type { Mount, Spec } from '../../runtime/spec/types.ts';
import type { ContainerCreateRequest } from '../container-config.ts';
import { grantableCapabilities } from './capabilities.ts';
import { containerSpec } from './container-spec.ts';
import { DEFAULT_HOSTS } from './network-files.ts';
import { HOST, ID, make, World } from './test-helpers.ts';

const skip = busyboxMissing();
let world: World;

before(() => {
  world = new World();
});
after(() => world?.remove());
afterEach(() => {
  // Each test starts from an empty container directory and no volumes.
  for (const dir of [world.containerDir, world.volumesDir]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  }
  world.volumeCalls.length = 0;
});

const mountAt = (spec: Spec, dest: string): Mount | undefined =>
  spec.mounts?.find((m) => m.destination === dest);
const nsTypes = (spec: Spec) => spec.linux?.namespaces?.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));
const run = (request: ContainerCreateRequest, over = {}) => make(world, request, over);

describe('containerSpec: a plain container', { skip }, () => {
  it("makes Docker's spec for `docker run IMAGE`", async () => {
    const r = await run({});
    const { spec } = r;
    assert.deepEqual(spec.process?.args, ['sh']);
    assert.deepEqual(spec.process?.env, [
      'PATH=/usr/local/bin:/usr/bin:/bin',
      `HOSTNAME=${ID.slice(0, 12)}`,
      'HOME=/root',
    ]);
    assert.equal(spec.process?.cwd, '/');
    assert.equal(spec.process?.terminal, false);
    assert.deepEqual(spec.process?.user, { uid: 0, gid: 0, additionalGids: [0, 10] });
    assert.deepEqual(spec.process?.capabilities, {
      bounding: [...DOCKER_CAPABILITIES],
      effective: [...DOCKER_CAPABILITIES],
      permitted: [...DOCKER_CAPABILITIES],
    });
    assert.equal(spec.process?.oomScoreAdj, 0);
    assert.equal(spec.process?.noNewPrivileges, undefined);
    assert.equal(spec.process?.rlimits, undefined);
    assert.equal(spec.hostname, ID.slice(0, 12));
    assert.deepEqual(spec.root, { path: world.rootfs, readonly: false });
    assert.deepEqual(nsTypes(spec), ['mount', 'network', 'uts', 'pid', 'ipc']);
    assert.equal(spec.linux?.cgroupsPath, `/berth/${ID}`);
    assert.deepEqual(spec.linux?.resources, { devices: [...DOCKER_DEVICE_RULES] });
    assert.deepEqual(spec.linux?.maskedPaths, [...DOCKER_MASKED_PATHS]);
    assert.deepEqual(spec.linux?.readonlyPaths, [...DEFAULT_READONLY_PATHS]);
    assert.deepEqual(spec.linux?.sysctl, {
      'net.ipv4.ping_group_range': '0 2147483647',
      'net.ipv4.ip_unprivileged_port_start': '0',
    });
    assert.equal(spec.linux?.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(spec.linux?.devices, undefined);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.mounts, []);
    assert.deepEqual(r.volumesCreated, []);
    assert.deepEqual([r.path, r.args], ['sh', []]);
  });

  it('binds hostname, hosts and resolv.conf from the container directory', async () => {
    const r = await run({});
    const dests = r.spec.mounts?.map((m) => m.destination);
    assert.deepEqual(dests, [
      ...dockerMounts().map((m) => m.destination),
      '/etc/hostname',
      '/etc/hosts',
      '/etc/resolv.conf',
    ]);
    assert.deepEqual(mountAt(r.spec, '/etc/hosts'), {
      destination: '/etc/hosts',
      type: 'bind',
      source: join(world.containerDir, 'hosts'),
      options: ['rbind', 'rprivate'],
    });
    assert.equal(r.hostsPath, join(world.containerDir, 'hosts'));
    assert.equal(readFileSync(r.hostnamePath, 'utf8'), `${ID.slice(0, 12)}\n`);
    assert.equal(readFileSync(r.hostsPath, 'utf8'), `${DEFAULT_HOSTS.join('\n')}\n`);
    // The host's loopback nameserver would point at the container itself.
    assert.equal(readFileSync(r.resolvConfPath, 'utf8'), 'nameserver 10.0.0.53\nsearch lan\n');
  });

  it('gives the container its own line in /etc/hosts when it has addresses', async () => {
    const r = await run(
      {
        Hostname: 'web',
        Domainname: 'example.test',
        HostConfig: { ExtraHosts: ['db:10.1.1.1', 'gw:host-gateway'] },
      },
      {
        addresses: ['172.18.0.2'],
        hostGateway: '172.18.0.1',
      },
    );
    assert.equal(r.spec.domainname, 'example.test');
    assert.match(
      readFileSync(r.hostsPath, 'utf8'),
      /10\.1\.1\.1\tdb\n172\.18\.0\.1\tgw\n172\.18\.0\.2\tweb\.example\.test web\n$/,
    );
  });

  it('stands 127.0.0.1 in for host-gateway when the engine has no gateway, and says so', async () => {
    const r = await run({ HostConfig: { ExtraHosts: ['host.docker.internal:host-gateway'] } });
    assert.match(readFileSync(r.hostsPath, 'utf8'), /\n127\.0\.0\.1\thost\.docker\.internal\n$/);
    assert.match(r.warnings.join('\n'), /host-gateway stands for 127\.0\.0\.1/);
  });

  it('runs as the image user, in its working directory, with a terminal', async () => {
    const r = await run(
      { Tty: true, Env: ['FOO=bar'], HostConfig: { GroupAdd: ['audio', '4242'] } },
      {
        image: {
          config: {
            Entrypoint: ['/bin/env'],
            User: 'app',
            WorkingDir: '/srv/app',
            Env: ['FOO=img', 'PATH=/bin'],
          },
        },
      },
    );
    const p = r.spec.process;
    assert.deepEqual(p?.args, ['/bin/env']);
    assert.deepEqual(p?.user, { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29, 4242] });
    assert.deepEqual(p?.env, [
      'PATH=/bin',
      `HOSTNAME=${ID.slice(0, 12)}`,
      'TERM=xterm',
      'FOO=bar',
      'HOME=/home/app',
    ]);
    assert.equal(p?.cwd, '/srv/app');
    assert.equal(p?.terminal, true);
    assert.deepEqual(p?.capabilities, { bounding: [...DOCKER_CAPABILITIES] });
    assert.ok(existsSync(join(world.rootfs, 'srv/app')), 'the working directory was made in the rootfs');
    assert.deepEqual(r.config.User, 'app');
  });

  it('numeric users need no passwd entry', async () => {
    const r = await run({ User: '4000:4001' });
    assert.deepEqual(r.spec.process?.user, { uid: 4000, gid: 4001, additionalGids: [4001] });
    assert.ok(r.spec.process?.env?.includes('HOME=/'));
  });
});

describe('containerSpec: refusals leave nothing behind', { skip }, () => {
  const bad: [string, ContainerCreateRequest, RegExp, object?][] = [
    ['no command', { Entrypoint: [''] }, /no command specified/],
    ['unknown user', { User: 'ghost' }, /unable to find user ghost: no matching entries in passwd file/],
    [
      'relative working dir',
      { WorkingDir: 'srv' },
      /the working directory 'srv' is invalid, it needs to be an absolute path/,
    ],
    ['unknown capability', { HostConfig: { CapAdd: ['WINGS'] } }, /unknown capability: "WINGS"/],
    [
      'duplicate mount point',
      { HostConfig: { Binds: ['a1:/data', '/tmp:/data'] } },
      /Duplicate mount point: \/data$/,
    ],
    [
      'bad security option',
      { HostConfig: { SecurityOpt: ['seccomp=nonsense'] } },
      /invalid --security-opt seccomp/,
    ],
    [
      "hostname with another container's network",
      { Hostname: 'x', HostConfig: { NetworkMode: 'container:abc' } },
      /conflicting options: hostname and the network mode/,
    ],
    [
      "dns with another container's network",
      { HostConfig: { NetworkMode: 'container:abc', Dns: ['1.1.1.1'] } },
      /conflicting options: dns and the network mode/,
    ],
    [
      "extra hosts with another container's network",
      { HostConfig: { NetworkMode: 'container:abc', ExtraHosts: ['a:1.1.1.1'] } },
      /custom host-to-IP mapping and the network mode/,
    ],
    [
      'hostname with the host UTS namespace',
      { Hostname: 'x', HostConfig: { UTSMode: 'host' } },
      /conflicting options: hostname and the UTS mode/,
    ],
    ['too little memory', { HostConfig: { Memory: 1024 } }, /Minimum memory limit allowed is 6MB/],
    ['bad ulimit', { HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 2, Hard: 1 }] } }, /ulimit soft limit/],
    [
      'host sysctl',
      { HostConfig: { NetworkMode: 'host', Sysctls: { 'net.core.somaxconn': '1' } } },
      /host's network namespace/,
    ],
    ['negative shm size', { HostConfig: { ShmSize: -1 } }, /SHM size can not be less than 0/],
    ['oom score', { HostConfig: { OomScoreAdj: 2000 } }, /range for oom score adj/],
    ['--init without the binary', { HostConfig: { Init: true } }, /--init needs the path of berth-native/],
    [
      'relative masked path',
      { HostConfig: { MaskedPaths: ['proc/kcore'] } },
      /HostConfig.MaskedPaths\[0\]: "proc\/kcore" is not an absolute path/,
    ],
    [
      'a bad volume after a good one',
      { Volumes: { '/ok': {} }, HostConfig: { Binds: ['./rel:/x'] } },
      /invalid characters for a local volume name/,
    ],
  ];
  for (const [name, request, re] of bad) {
    it(name, async () => {
      const wd = { ...request, WorkingDir: request.WorkingDir ?? '/made-by-create' };
      await assert.rejects(containerSpec(world.input(wd)), re);
      assert.deepEqual(readdirSync(world.containerDir), [], 'no files written');
      assert.deepEqual(world.volumeCalls, [], 'no volume asked for');
      assert.ok(!existsSync(join(world.rootfs, 'made-by-create')), 'no working directory made');
    });
  }
});

describe('containerSpec: networks and namespaces', { skip }, () => {
  it("uses the host's network, name, hosts and resolver for --network host", async () => {
    const r = await run({ HostConfig: { NetworkMode: 'host', ExtraHosts: ['extra:1.2.3.4'] } });
    assert.deepEqual(nsTypes(r.spec), ['mount', 'uts', 'pid', 'ipc']);
    assert.equal(r.spec.hostname, 'hosty');
    assert.ok(r.spec.process?.env?.includes('HOSTNAME=hosty'));
    assert.equal(r.spec.linux?.sysctl, undefined);
    assert.equal(readFileSync(r.hostsPath, 'utf8'), `${HOST.hosts}1.2.3.4\textra\n`);
    assert.equal(readFileSync(r.resolvConfPath, 'utf8'), HOST.resolvConf);
  });

  it('keeps a requested hostname on the host network (in its own UTS namespace)', async () => {
    const r = await run({ Hostname: 'mine', HostConfig: { NetworkMode: 'host' } });
    assert.equal(r.spec.hostname, 'mine');
  });

  it('gives --network none a namespace with loopback only', async () => {
    const r = await run({ HostConfig: { NetworkMode: 'none' } });
    assert.deepEqual(nsTypes(r.spec), ['mount', 'network', 'uts', 'pid', 'ipc']);
    assert.ok(r.spec.linux?.sysctl);
  });

  it("joins another container's network and shares its /etc files", async () => {
    const peerDir = join(world.dir, 'peer');
    const calls: string[] = [];
    const r = await run(
      {
        HostConfig: {
          NetworkMode: 'container:peer1',
          PidMode: 'container:peer2',
          IpcMode: 'container:peer3',
        },
      },
      {
        namespacePath: (kind: string, ref: string) => {
          calls.push(`${kind}:${ref}`);
          return `/proc/1/ns/${kind === 'network' ? 'net' : kind}`;
        },
        networkPeer: (ref: string) => ({
          hostname: `${ref}-host`,
          domainname: 'peer.test',
          containerDir: peerDir,
        }),
      },
    );
    assert.deepEqual(calls, ['network:peer1', 'pid:peer2', 'ipc:peer3']);
    assert.deepEqual(nsTypes(r.spec), [
      'mount',
      'network=/proc/1/ns/net',
      'uts',
      'pid=/proc/1/ns/pid',
      'ipc=/proc/1/ns/ipc',
    ]);
    assert.equal(r.spec.hostname, 'peer1-host');
    assert.equal(r.spec.domainname, 'peer.test');
    assert.equal(mountAt(r.spec, '/etc/resolv.conf')?.source, join(peerDir, 'resolv.conf'));
    assert.equal(
      r.spec.linux?.sysctl,
      undefined,
      "Docker's network sysctls are the namespace owner's business",
    );
    assert.deepEqual(readdirSync(world.containerDir), []);
    assert.match(r.warnings.join('\n'), /POSIX shared memory is not shared/);
  });

  it('needs the engine callbacks for container modes', async () => {
    await assert.rejects(
      containerSpec(world.input({ HostConfig: { PidMode: 'container:x' } })),
      /needs the engine's namespacePath/,
    );
    await assert.rejects(
      containerSpec(world.input({ HostConfig: { NetworkMode: 'container:x' } })),
      /needs the engine's networkPeer/,
    );
  });

  it('leaves out the UTS namespace and hostname with --uts host', async () => {
    const r = await run({ HostConfig: { UTSMode: 'host' } });
    assert.ok(!nsTypes(r.spec)?.includes('uts'));
    assert.equal(r.spec.hostname, undefined);
    assert.equal(readFileSync(r.hostnamePath, 'utf8'), 'hosty\n');
  });

  it('binds the host /dev/shm for --ipc host and has none for --ipc none', async () => {
    const host = await run({ HostConfig: { IpcMode: 'host' } });
    assert.ok(!nsTypes(host.spec)?.includes('ipc'));
    assert.deepEqual(mountAt(host.spec, '/dev/shm'), {
      destination: '/dev/shm',
      type: 'bind',
      source: '/dev/shm',
      options: ['rbind', 'rprivate'],
    });
    const none = await run({ HostConfig: { IpcMode: 'none' } });
    assert.equal(mountAt(none.spec, '/dev/shm'), undefined);
  });

  it('makes a cgroup namespace on cgroup v2 unless asked not to', async () => {
    const v2 = { host: { ...HOST, cgroupV2: true } };
    assert.ok(nsTypes((await run({}, v2)).spec)?.includes('cgroup'));
    assert.ok(!nsTypes((await run({ HostConfig: { CgroupnsMode: 'host' } }, v2)).spec)?.includes('cgroup'));
    assert.ok(nsTypes((await run({ HostConfig: { CgroupnsMode: 'private' } })).spec)?.includes('cgroup'));
  });

  it('takes Dns, DnsSearch and DnsOptions', async () => {
    const r = await run({
      HostConfig: { Dns: ['9.9.9.9'], DnsSearch: ['corp.test'], DnsOptions: ['ndots:1'] },
    });
    assert.equal(
      readFileSync(r.resolvConfPath, 'utf8'),
      'nameserver 9.9.9.9\nsearch corp.test\noptions ndots:1\n',
    );
  });
});

describe('containerSpec: security', { skip }, () => {
  it('adds and drops capabilities, and sets no-new-privileges', async () => {
    const r = await run({
      HostConfig: { CapAdd: ['NET_ADMIN'], CapDrop: ['chown'], SecurityOpt: ['no-new-privileges'] },
    });
    const caps = r.spec.process?.capabilities?.bounding ?? [];
    assert.ok(caps.includes('CAP_NET_ADMIN') && !caps.includes('CAP_CHOWN'));
    assert.equal(r.spec.process?.noNewPrivileges, true);
    // The seccomp profile follows the capabilities: CAP_NET_ADMIN is no gate in it, CAP_SYS_ADMIN is.
    const withAdmin = await run({ HostConfig: { CapAdd: ['SYS_ADMIN'] } });
    const names = (s: Spec) => new Set(s.linux?.seccomp?.syscalls?.flatMap((c) => c.names));
    assert.ok(names(withAdmin.spec).has('mount') && !names(r.spec).has('mount'));
  });

  it('drops seccomp with seccomp=unconfined and takes an inline profile', async () => {
    assert.equal(
      (await run({ HostConfig: { SecurityOpt: ['seccomp=unconfined'] } })).spec.linux?.seccomp,
      undefined,
    );
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO' }],
    };
    const r = await run({ HostConfig: { SecurityOpt: [`seccomp=${JSON.stringify(profile)}`] } });
    assert.deepEqual(r.spec.linux?.seccomp, profile);
    assert.equal((await run({}, { seccompDefault: undefined })).spec.linux?.seccomp, undefined);
  });

  it('gives a privileged container everything', async () => {
    const r = await run({ HostConfig: { Privileged: true } });
    const p = r.spec.process;
    // every capability the kernel knows that this process may pass on (a sandboxed host lacks some)
    assert.deepEqual(p?.capabilities?.bounding, grantableCapabilities(40));
    assert.deepEqual(p?.capabilities?.effective, grantableCapabilities(40));
    assert.equal(r.spec.linux?.seccomp, undefined);
    assert.deepEqual(r.spec.linux?.maskedPaths, []);
    assert.deepEqual(r.spec.linux?.readonlyPaths, []);
    assert.deepEqual(r.spec.linux?.resources?.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(
      r.spec.linux?.devices?.map((d) => d.path),
      ['/dev/kmsg'],
    );
    assert.ok(!mountAt(r.spec, '/sys')?.options?.includes('ro'));
    assert.ok(!mountAt(r.spec, '/sys/fs/cgroup')?.options?.includes('ro'));
  });

  it('replaces masked and read-only paths when asked, or drops them', async () => {
    const r = await run({ HostConfig: { MaskedPaths: ['/proc/x'], ReadonlyPaths: [] } });
    assert.deepEqual(r.spec.linux?.maskedPaths, ['/proc/x']);
    assert.deepEqual(r.spec.linux?.readonlyPaths, []);
    const u = await run({ HostConfig: { SecurityOpt: ['systempaths=unconfined'] } });
    assert.deepEqual([u.spec.linux?.maskedPaths, u.spec.linux?.readonlyPaths], [[], []]);
  });

  it('makes the rootfs and the /etc files read-only with ReadonlyRootfs', async () => {
    const r = await run({ HostConfig: { ReadonlyRootfs: true } });
    assert.equal(r.spec.root?.readonly, true);
    assert.deepEqual(mountAt(r.spec, '/etc/hosts')?.options, ['rbind', 'ro', 'rprivate']);
    assert.ok(!mountAt(r.spec, '/dev/shm')?.options?.includes('ro'));
  });
});

describe('containerSpec: resources and process limits', { skip }, () => {
  it('passes resources, devices, ulimits, sysctls and the OOM score on', async () => {
    const r = await run({
      HostConfig: {
        Memory: 64 << 20,
        NanoCpus: 5e8,
        PidsLimit: 50,
        Devices: [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/myzero', CgroupPermissions: 'rw' }],
        DeviceCgroupRules: ['c 10:200 rwm'],
        Ulimits: [{ Name: 'nofile', Soft: 1000, Hard: 2000 }],
        Sysctls: { 'net.ipv4.ip_forward': '1' },
        OomScoreAdj: 500,
      },
    });
    const res = r.spec.linux?.resources;
    assert.deepEqual(res?.memory, { limit: 64 << 20, swap: 128 << 20 });
    assert.deepEqual(res?.cpu, { period: 100000, quota: 50000 });
    assert.deepEqual(res?.pids, { limit: 50 });
    assert.deepEqual(res?.devices?.slice(DOCKER_DEVICE_RULES.length), [
      { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' },
      { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
    ]);
    assert.deepEqual(
      r.spec.linux?.devices?.map((d) => [d.path, d.major, d.minor]),
      [['/dev/myzero', 1, 5]],
    );
    assert.deepEqual(r.spec.process?.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 }]);
    assert.equal(r.spec.linux?.sysctl?.['net.ipv4.ip_forward'], '1');
    assert.equal(r.spec.process?.oomScoreAdj, 500);
  });

  it('sizes /dev/shm from ShmSize', async () => {
    const r = await run({ HostConfig: { ShmSize: 1 << 20 } });
    assert.ok(mountAt(r.spec, '/dev/shm')?.options?.includes('size=1048576'));
  });
});

describe('containerSpec: --init', { skip }, () => {
  it('runs the command under berth-init, bound read-only', async () => {
    const r = await run(
      { Cmd: ['echo', 'hi'], HostConfig: { Init: true } },
      { initBinary: '/opt/berth-native' },
    );
    assert.deepEqual(r.spec.process?.args, ['/sbin/berth-init', 'init', '--', 'echo', 'hi']);
    assert.deepEqual(mountAt(r.spec, '/sbin/berth-init'), {
      destination: '/sbin/berth-init',
      type: 'bind',
      source: '/opt/berth-native',
      options: ['bind', 'ro'],
    });
    assert.deepEqual([r.path, r.args], ['echo', ['hi']]);
  });

  it('is skipped, with a warning, without a PID namespace of its own', async () => {
    const r = await run({ HostConfig: { Init: true, PidMode: 'host' } });
    assert.deepEqual(r.spec.process?.args, ['sh']);
    assert.match(r.warnings[0], /--init is ignored/);
  });
});

describe('containerSpec: mounts and volumes', { skip }, () => {
  it('binds, creates missing -v sources, and mounts tmpfs', async () => {
    const src = join(world.dir, 'bind-src-missing');
    const r = await run({
      HostConfig: {
        Binds: [`${src}:/data:ro`],
        Tmpfs: { '/run': 'size=64m' },
        Mounts: [{ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1 << 20 } }],
      },
    });
    assert.ok(existsSync(src), 'the -v source was created');
    assert.deepEqual(mountAt(r.spec, '/data'), {
      destination: '/data',
      type: 'bind',
      source: src,
      options: ['rbind', 'ro', 'rprivate'],
    });
    assert.deepEqual(mountAt(r.spec, '/run'), {
      destination: '/run',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=64m'],
    });
    assert.deepEqual(r.mounts, [
      { Type: 'bind', Source: src, Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'tmpfs', Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: '' },
    ]);
  });

  it('makes volumes: named, anonymous for the image, copy-up into new empty ones', async () => {
    mkdirSync(join(world.rootfs, 'var/lib/db'), { recursive: true });
    writeFileSync(join(world.rootfs, 'var/lib/db/seed'), 'seed\n');
    mkdirSync(join(world.rootfs, 'cache'), { recursive: true });
    writeFileSync(join(world.rootfs, 'cache/c'), 'c\n');
    const r = await run(
      {
        Volumes: { '/extra': {} },
        HostConfig: { Binds: ['dbdata:/var/lib/db', 'nc:/cache:nocopy', '/tmp:/covered'] },
      },
      { image: { config: { Cmd: ['sh'], Volumes: { '/covered': {}, '/logs/': {} } } } },
    );
    assert.deepEqual(world.volumeCalls, [
      ['dbdata', '/var/lib/db'],
      ['nc', '/cache'],
      [undefined, '/extra'],
      [undefined, '/logs'],
    ]);
    assert.deepEqual(r.volumesCreated, ['dbdata', 'nc', 'anon1', 'anon2']);
    assert.equal(readFileSync(join(world.volumesDir, 'dbdata/_data/seed'), 'utf8'), 'seed\n');
    assert.deepEqual(readdirSync(join(world.volumesDir, 'nc/_data')), [], 'nocopy');
    assert.deepEqual(mountAt(r.spec, '/var/lib/db'), {
      destination: '/var/lib/db',
      type: 'bind',
      source: join(world.volumesDir, 'dbdata/_data'),
      options: ['rbind'],
    });
    assert.deepEqual(r.mounts[0], {
      Type: 'volume',
      Name: 'dbdata',
      Source: join(world.volumesDir, 'dbdata/_data'),
      Destination: '/var/lib/db',
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
    });
    // Mounts are ordered parents first: /cache, /covered, /extra, /logs before /var/lib/db and /etc files.
    const users = r.spec.mounts?.slice(dockerMounts().length).map((m) => m.destination);
    assert.deepEqual(users, [
      '/cache',
      '/covered',
      '/extra',
      '/logs',
      '/etc/hostname',
      '/etc/hosts',
      '/etc/resolv.conf',
      '/var/lib/db',
    ]);
  });

  it('does not copy into a volume that already has files, nor count it as created', async () => {
    mkdirSync(join(world.volumesDir, 'old/_data'), { recursive: true });
    writeFileSync(join(world.volumesDir, 'old/_data/mine'), 'mine\n');
    mkdirSync(join(world.rootfs, 'opt/x'), { recursive: true });
    writeFileSync(join(world.rootfs, 'opt/x/theirs'), 'theirs\n');
    const r = await run({ HostConfig: { Binds: ['old:/opt/x'] } });
    assert.deepEqual(r.volumesCreated, []);
    assert.deepEqual(readdirSync(join(world.volumesDir, 'old/_data')), ['mine']);
  });

  it('mounts a volume subpath', async () => {
    mkdirSync(join(world.volumesDir, 'sp/_data/inner'), { recursive: true });
    const r = await run({
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: 'sp', Target: '/in', VolumeOptions: { Subpath: 'inner' } }],
      },
    });
    assert.equal(mountAt(r.spec, '/in')?.source, join(world.volumesDir, 'sp/_data/inner'));
    await assert.rejects(
      containerSpec(
        world.input({
          HostConfig: {
            Mounts: [{ Type: 'volume', Source: 'sp', Target: '/in', VolumeOptions: { Subpath: 'nope' } }],
          },
        }),
      ),
      /the volume has no "nope"/,
    );
  });

  it('lets a user mount replace the /etc files and the defaults', async () => {
    const hosts = join(world.dir, 'myhosts');
    writeFileSync(hosts, '1.1.1.1 one\n');
    const r = await run({ HostConfig: { Binds: [`${hosts}:/etc/hosts`], Tmpfs: { '/dev/shm': 'size=1m' } } });
    assert.deepEqual(
      r.spec.mounts
        ?.filter((m) => m.destination === '/etc/hosts' || m.destination === '/dev/shm')
        .map((m) => m.source),
      [hosts, 'tmpfs'],
    );
  });

  it('marks the root shared for a shared bind', async () => {
    const r = await run({ HostConfig: { Binds: ['/tmp:/shared:rshared'] } });
    assert.equal(r.spec.linux?.rootfsPropagation, 'shared');
    await assert.rejects(
      containerSpec(
        world.input(
          { HostConfig: { Binds: ['/tmp:/s:shared'] } },
          { host: { ...HOST, mountinfo: '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n' } },
        ),
      ),
      /is mounted on \/ but it is not a shared mount/,
    );
  });

  it('refuses an image volume over a file', async () => {
    writeFileSync(join(world.rootfs, 'notadir'), 'x');
    await assert.rejects(
      containerSpec(world.input({}, { image: { config: { Cmd: ['sh'], Volumes: { '/notadir': {} } } } })),
      /cannot mount volume over existing file, file exists/,
    );
    assert.deepEqual(world.volumeCalls, []);
  });
});
