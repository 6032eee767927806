import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { buildCreateRequest, type CreatePlan } from './create-request.ts';
import { CREATE_OPTIONS, RUN_OPTIONS } from './run-options.ts';

const ENV = { HOME: '/root', FOO_SET: 'from-env' };
const FILES: Record<string, string> = {
  '/env1': 'A=1\n# c\n\n  B= x \nFOO_SET\nUNSET_VAR\nQ="quoted"\n',
  '/labels1': 'l1=v\nl2\n',
  '/prof.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n',
};
const readFile = (p: string): string => {
  if (p in FILES) return FILES[p]!;
  throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
};

function plan(args: string[], command: 'run' | 'create' = 'run'): CreatePlan {
  const specs = command === 'run' ? RUN_OPTIONS : CREATE_OPTIONS;
  const parsed = parseCommandArgs(args, specs, { stopAtFirstPositional: true });
  return buildCreateRequest(parsed.options, parsed.positionals, ENV, readFile, { cpus: 2, cwd: '/work' });
}

const BASE = {
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
};
const HOST = { NetworkMode: 'default', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } };

describe('buildCreateRequest: the request', () => {
  it('sends the image and command, and only what the flags say', () => {
    assert.deepEqual(plan(['busybox', 'echo', '-n', 'hi']).request, {
      ...BASE,
      Cmd: ['echo', '-n', 'hi'],
      Image: 'busybox',
      HostConfig: HOST,
    });
  });

  // Each expectation is what Docker 28's CLI sends for the same flags (zero values left out).
  const cases: [string[], object][] = [
    [
      [
        '-e',
        'A=1',
        '-e',
        'FOO_SET',
        '-e',
        'UNSET',
        '-e',
        'X=',
        '-p',
        '8080:80',
        '-v',
        '/a:/b:ro',
        '-v',
        '/anon',
        'img',
      ],
      {
        Env: ['A=1', 'FOO_SET=from-env', 'X='],
        ExposedPorts: { '80/tcp': {} },
        Volumes: { '/anon': {} },
        HostConfig: { Binds: ['/a:/b:ro'], PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
      },
    ],
    [
      ['--env-file', '/env1', '--label-file', '/labels1', '-l', 'a', '-l', 'b=c', '-e', 'Z=9', 'img'],
      {
        Env: ['A=1', 'B= x ', 'FOO_SET=from-env', 'Q="quoted"', 'Z=9'],
        Labels: { l1: 'v', l2: '', a: '', b: 'c' },
      },
    ],
    [['--entrypoint', '', 'img'], { Entrypoint: [''] }],
    [['--entrypoint', 'sh -c', 'img'], { Entrypoint: ['sh -c'] }],
    [['--stop-timeout', '0', '--init=false', 'img'], { StopTimeout: 0, HostConfig: { Init: false } }],
    [
      ['--stop-timeout', '5', '--init', '--stop-signal', 'SIGKILL', 'img'],
      { StopSignal: 'SIGKILL', StopTimeout: 5, HostConfig: { Init: true } },
    ],
    [
      [
        '--cpus',
        '1.5',
        '-m',
        '1.5g',
        '--memory-swap',
        '-1',
        '--shm-size',
        '64m',
        '--memory-reservation',
        '512k',
        'img',
      ],
      {
        HostConfig: {
          ShmSize: 67108864,
          Memory: 1610612736,
          NanoCpus: 1500000000,
          MemoryReservation: 524288,
          MemorySwap: -1,
        },
      },
    ],
    [
      ['--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10', '--ulimit', 'nofile=5', 'img'],
      {
        HostConfig: {
          Ulimits: [
            { Name: 'nofile', Soft: 5, Hard: 5 },
            { Name: 'nproc', Soft: 10, Hard: 10 },
          ],
        },
      },
    ],
    [
      ['--restart', 'on-failure:3', 'img'],
      { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } } },
    ],
    [
      ['--restart', 'unless-stopped', 'img'],
      { HostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } } },
    ],
    [
      [
        '--health-cmd',
        'curl x',
        '--health-interval',
        '1m30s',
        '--health-timeout',
        '500ms',
        '--health-retries',
        '3',
        '--health-start-period',
        '1h',
        '--health-start-interval',
        '2s',
        'img',
      ],
      {
        Healthcheck: {
          Test: ['CMD-SHELL', 'curl x'],
          Interval: 90000000000,
          Timeout: 500000000,
          StartPeriod: 3600000000000,
          StartInterval: 2000000000,
          Retries: 3,
        },
      },
    ],
    [['--no-healthcheck', 'img'], { Healthcheck: { Test: ['NONE'] } }],
    [
      ['--network', 'mynet', '--network-alias', 'a1', '--ip', '10.0.0.5', 'img'],
      {
        HostConfig: { NetworkMode: 'mynet' },
        NetworkingConfig: {
          EndpointsConfig: { mynet: { Aliases: ['a1'], IPAMConfig: { IPv4Address: '10.0.0.5' } } },
        },
      },
    ],
    [['--net', 'mynet', 'img'], { HostConfig: { NetworkMode: 'mynet' } }],
    [['--network', 'container:abc', 'img'], { HostConfig: { NetworkMode: 'container:abc' } }],
    [
      [
        '--add-host',
        'a=1.2.3.4',
        '--add-host',
        'b:[::1]',
        '--dns',
        '8.8.8.8',
        '--dns-search',
        'example.com',
        '--dns-option',
        'ndots:2',
        'img',
      ],
      {
        HostConfig: {
          ExtraHosts: ['a:1.2.3.4', 'b:::1'],
          Dns: ['8.8.8.8'],
          DnsSearch: ['example.com'],
          DnsOptions: ['ndots:2'],
        },
      },
    ],
    [
      ['-v', './rel:/x', '--tmpfs', '/run:size=64m', 'img'],
      { HostConfig: { Binds: ['/work/rel:/x'], Tmpfs: { '/run': 'size=64m' } } },
    ],
    [
      ['--mount', 'type=bind,source=/a,target=/b,readonly', 'img'],
      { HostConfig: { Mounts: [{ Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true }] } },
    ],
    [
      ['--expose', '80-81/tcp', '-P', 'img'],
      { ExposedPorts: { '80/tcp': {}, '81/tcp': {} }, HostConfig: { PublishAllPorts: true } },
    ],
    [
      ['--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_ADMIN', '--cap-drop', 'all', 'img'],
      { HostConfig: { CapAdd: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], CapDrop: ['ALL'] } },
    ],
    [
      [
        '--security-opt',
        'seccomp=/prof.json',
        '--security-opt',
        'no-new-privileges',
        '--security-opt',
        'systempaths=unconfined',
        'img',
      ],
      {
        HostConfig: {
          SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', 'no-new-privileges'],
          MaskedPaths: [],
          ReadonlyPaths: [],
        },
      },
    ],
    [
      ['--device', '/dev/sda:/dev/xvdc:rwm', '--device-cgroup-rule', 'c 1:3 mr', 'img'],
      {
        HostConfig: {
          Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/xvdc', CgroupPermissions: 'rwm' }],
          DeviceCgroupRules: ['c 1:3 mr'],
        },
      },
    ],
    [
      [
        '--blkio-weight',
        '300',
        '--oom-score-adj',
        '-500',
        '--pids-limit',
        '100',
        '--cpuset-cpus',
        '0-1',
        '--cpuset-mems',
        '0',
        '--runtime',
        'runc',
        '--privileged',
        '--read-only',
        '--cgroup-parent',
        '/foo',
        '--oom-kill-disable',
        '--memory-swappiness',
        '0',
        '-c',
        '512',
        '--cpu-period',
        '100000',
        '--cpu-quota',
        '50000',
        'img',
      ],
      {
        HostConfig: {
          BlkioWeight: 300,
          OomScoreAdj: -500,
          PidsLimit: 100,
          CpusetCpus: '0-1',
          CpusetMems: '0',
          Runtime: 'runc',
          Privileged: true,
          ReadonlyRootfs: true,
          CgroupParent: '/foo',
          OomKillDisable: true,
          MemorySwappiness: 0,
          CpuShares: 512,
          CpuPeriod: 100000,
          CpuQuota: 50000,
        },
      },
    ],
    [
      [
        '--pid',
        'host',
        '--uts',
        'host',
        '--userns',
        'host',
        '--cgroupns',
        'private',
        '--ipc',
        'shareable',
        'img',
      ],
      {
        HostConfig: {
          PidMode: 'host',
          UTSMode: 'host',
          UsernsMode: 'host',
          CgroupnsMode: 'private',
          IpcMode: 'shareable',
        },
      },
    ],
    [
      [
        '--sysctl',
        'net.ipv4.ip_forward=1',
        '--group-add',
        'audio',
        '--log-driver',
        'json-file',
        '--log-opt',
        'max-size=10m',
        '--log-opt',
        'foo',
        'img',
      ],
      {
        HostConfig: {
          Sysctls: { 'net.ipv4.ip_forward': '1' },
          GroupAdd: ['audio'],
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', foo: '' } },
        },
      },
    ],
    [
      ['-h', 'myhost', '--domainname', 'example.org', '-u', '1000:1000', '-w', '/srv', 'img'],
      { Hostname: 'myhost', Domainname: 'example.org', User: '1000:1000', WorkingDir: '/srv' },
    ],
    [
      ['--volumes-from', 'other:ro', '--link', 'a:b', '--cidfile', '/tmp/cid', '--rm', 'img'],
      {
        HostConfig: {
          ContainerIDFile: '/tmp/cid',
          AutoRemove: true,
          VolumesFrom: ['other:ro'],
          Links: ['a:b'],
        },
      },
    ],
  ];
  for (const [args, extra] of cases) {
    it(`reads ${args.join(' ')}`, () => {
      const { HostConfig: host = {}, ...config } = extra as { HostConfig?: object };
      assert.deepEqual(plan(args).request, {
        ...BASE,
        ...config,
        Image: 'img',
        HostConfig: { ...HOST, ...host },
      });
    });
  }
});

describe('buildCreateRequest: stdio and the run plan', () => {
  it('-i keeps stdin open and attached; -t allocates a tty', () => {
    const p = plan(['-it', 'img']);
    assert.deepEqual(
      { ...p.request, HostConfig: undefined },
      {
        ...BASE,
        AttachStdin: true,
        Tty: true,
        OpenStdin: true,
        StdinOnce: true,
        Image: 'img',
        HostConfig: undefined,
      },
    );
    assert.deepEqual(p.attach, ['stdin', 'stdout', 'stderr']);
    assert.equal(p.tty, true);
  });
  it('-a picks the streams, any case', () => {
    const p = plan(['-a', 'stdin', '-a', 'STDOUT', 'img']);
    assert.deepEqual(p.attach, ['stdin', 'stdout']);
    assert.equal(p.request.AttachStdin, true);
    assert.equal(p.request.AttachStderr, false);
    assert.equal(p.request.StdinOnce, false);
  });
  it('-d attaches nothing and keeps stdin open for a later attach', () => {
    const p = plan(['-d', '-i', '--name', 'web', 'img']);
    assert.deepEqual(p.attach, []);
    assert.equal(p.detach, true);
    assert.equal(p.name, 'web');
    assert.equal(p.request.OpenStdin, true);
    assert.equal(p.request.AttachStdin, false);
    assert.equal(p.request.StdinOnce, false);
  });
  it('carries the other run flags', () => {
    const p = plan([
      '--pull',
      'always',
      '-q',
      '--platform',
      'linux/arm64',
      '--sig-proxy=false',
      '--rm',
      '--cidfile',
      '/c',
      '--detach-keys',
      'ctrl-x',
      '--dns',
      '127.0.0.53',
      'img',
    ]);
    assert.deepEqual(
      { ...p, request: undefined },
      {
        request: undefined,
        platform: 'linux/arm64',
        pull: 'always',
        quiet: true,
        detach: false,
        detachKeys: 'ctrl-x',
        attach: ['stdout', 'stderr'],
        tty: false,
        sigProxy: false,
        autoRemove: true,
        cidfile: '/c',
        warnings: ['Localhost DNS (127.0.0.53) may fail in containers.'],
      },
    );
  });
  it('defaults: pull missing, signals proxied, no removal', () => {
    const p = plan(['img'], 'create');
    assert.equal(p.pull, 'missing');
    assert.equal(p.sigProxy, true);
    assert.equal(p.autoRemove, false);
    assert.equal(p.detach, false);
    assert.deepEqual(p.warnings, []);
  });
});

describe('buildCreateRequest: errors', () => {
  // Docker 28's CLI messages, and its daemon's where the check is the daemon's.
  const cases: [string[], string][] = [
    [['-p', '1-3:1-2', 'x'], 'invalid ranges specified for container and host Ports: 1-2 and 1-3'],
    [['--rm', '--restart', 'always', 'x'], 'conflicting options: cannot specify both --restart and --rm'],
    [['-a', 'stdin', '-d', 'x'], 'conflicting options: cannot specify both --attach and --detach'],
    [
      ['--restart', 'always:3', 'x'],
      "invalid restart policy: maximum retry count can only be used with 'on-failure'",
    ],
    [
      ['--restart', 'on-failure:x', 'x'],
      'invalid restart policy format: maximum retry count must be an integer',
    ],
    [['-m', '1x', 'x'], 'invalid argument "1x" for "-m, --memory" flag: invalid suffix: \'x\''],
    [['--memory-swap', '-2', 'x'], 'invalid argument "-2" for "--memory-swap" flag: invalid size: \'-2\''],
    [
      ['--cpus', '1.5x', 'x'],
      'invalid argument "1.5x" for "--cpus" flag: failed to parse 1.5x as a rational number',
    ],
    [['--cpus', '4', 'x'], 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [
      ['--ulimit', 'nofile=10:5', 'x'],
      'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5',
    ],
    [['--ulimit', 'foo=1', 'x'], 'invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo'],
    [['-v', 'a:b:c:d', 'x'], "invalid volume specification: 'a:b:c:d'"],
    [['-v', '/a:/b:zz', 'x'], 'invalid mode: zz'],
    [
      ['--mount', 'type=bind,src=/a', 'x'],
      'invalid argument "type=bind,src=/a" for "--mount" flag: target is required',
    ],
    [
      ['--mount', 'foo=bar', 'x'],
      'invalid argument "foo=bar" for "--mount" flag: unexpected key \'foo\' in \'foo=bar\'',
    ],
    [
      ['--health-interval', '5x', 'x'],
      'invalid argument "5x" for "--health-interval" flag: time: unknown unit "x" in duration "5x"',
    ],
    [['--health-interval', '-5s', 'x'], '--health-interval cannot be negative'],
    [['--no-healthcheck', '--health-cmd', 'x', 'x'], '--no-healthcheck conflicts with --health-* options'],
    [
      ['--security-opt', 'seccomp=/nonexist.json', 'x'],
      'opening seccomp profile (/nonexist.json) failed: open /nonexist.json: no such file or directory',
    ],
    [['--security-opt', 'foo', 'x'], 'Invalid --security-opt: "foo"'],
    [['-e', '=x', 'x'], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'],
    [['--label', '', 'x'], 'invalid argument "" for "-l, --label" flag: invalid label \'\': empty name'],
    [
      ['--label', ' a b=c', 'x'],
      'invalid argument " a b=c" for "-l, --label" flag: label \'a b\' contains whitespaces',
    ],
    [
      ['--add-host', 'foo', 'x'],
      'invalid argument "foo" for "--add-host" flag: bad format for add-host: "foo"',
    ],
    [
      ['--add-host', 'foo:notip', 'x'],
      'invalid argument "foo:notip" for "--add-host" flag: invalid IP address in add-host: "notip"',
    ],
    [
      ['--dns', 'notip', 'x'],
      'invalid argument "notip" for "--dns" flag: IP address is not correctly formatted: notip',
    ],
    [
      ['--dns-search', 'not valid!', 'x'],
      'invalid argument "not valid!" for "--dns-search" flag: not valid! is not a valid domain',
    ],
    [
      ['--expose', '80-x', 'x'],
      'invalid range format for --expose: 80-x, error: strconv.ParseUint: parsing "x": invalid syntax',
    ],
    [['--device', '/dev/a:/dev/b:rwx', 'x'], 'bad mode specified: rwx'],
    [
      ['--device-cgroup-rule', 'bad', 'x'],
      'invalid argument "bad" for "--device-cgroup-rule" flag: invalid device cgroup format \'bad\'',
    ],
    [
      ['--pull', 'sometimes', 'x'],
      'invalid pull option: \'sometimes\': must be one of "always", "missing" or "never"',
    ],
    [['--memory-swappiness', '101', 'x'], 'invalid value: 101. Valid memory swappiness range is 0-100'],
    [['--pid', 'foo', 'x'], '--pid: invalid PID mode'],
    [['--cgroupns', 'foo', 'x'], '--cgroupns: invalid CGROUP mode'],
    [
      ['--blkio-weight', '70000', 'x'],
      'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range',
    ],
    [['--blkio-weight', '5', 'x'], 'Range of blkio weight is from 10 to 1000'],
    [['--oom-score-adj', '2000', 'x'], 'Invalid value 2000, range for oom score adj is [-1000, 1000]'],
    [
      ['-a', 'foo', 'x'],
      'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR',
    ],
    [['--log-driver', 'none', '--log-opt', 'a=b', 'x'], 'invalid logging opts for driver none'],
    [
      ['--sysctl', 'kernel.foo=1', 'x'],
      'invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl \'kernel.foo=1\' is not allowed',
    ],
    [
      ['--network', 'host', '--network-alias', 'a1', 'x'],
      'network-scoped aliases are only supported for user-defined networks',
    ],
    [
      ['--network', 'name=a,foo=b', 'x'],
      'invalid argument "name=a,foo=b" for "--network" flag: invalid field key foo',
    ],
    [['--env-file', '/nonexistent', 'x'], 'open /nonexistent: no such file or directory'],
    [
      ['--ip', 'notip', 'x'],
      'invalid argument "notip" for "--ip" flag: invalid string being converted to IP address: notip',
    ],
    [['-w', 'rel', 'x'], "the working directory 'rel' is invalid, it needs to be an absolute path"],
    [
      ['--name', 'bad name', 'x'],
      'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    ],
    [['-m', '1KiB', 'x'], 'Minimum memory limit allowed is 6MB'],
  ];
  for (const [args, message] of cases) {
    it(`refuses ${args.join(' ')}`, () => {
      assert.throws(
        () => plan(args),
        (err: unknown) => isBerthError(err, 'InvalidArgument') && (err as Error).message === message,
        message,
      );
    });
  }
  it('needs an image', () => {
    assert.throws(
      () => plan([]),
      (err: unknown) => isBerthError(err, 'InvalidArgument'),
    );
  });
});
