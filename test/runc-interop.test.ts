// berth-runc next to the real tools: the same bundle under Debian's runc and under
// berth-runc sees the same container; dockerd and podman run containers with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { dockerdMissing, type PrivateDockerd, startDockerd } from './helpers/registry-auth-dockerd.ts';
import {
  BERTH_RUNC,
  dockerDefaultSeccomp,
  ensureRuncBuilt,
  makeBundle,
  readSpec,
  runcMissing,
  runtimeCmd,
} from './helpers/runc.ts';

const readSpecMasked = (b: string): string[] => readSpec(b).linux?.maskedPaths ?? [];

const skip = process.getuid?.() !== 0 ? 'needs root' : busyboxMissing();
let work: string;

// What a container saw, printed so that the two runtimes' outputs can be compared
// line by line: namespaces as new/host, the mount list (mount point and type), the
// capability sets, the seccomp mode, ids, cwd and environment.
const PROBE = [
  'for n in ipc mnt net pid uts; do',
  '  if [ "$(readlink /proc/self/ns/$n)" = "$(cat /host-ns/$n)" ]; then echo "$n host"; else echo "$n new"; fi',
  'done',
  'echo "hostname $(hostname)"',
  'busybox awk \'{print "mount", $2, $3}\' /proc/self/mounts',
  'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp|NoNewPrivs):" /proc/self/status',
  'echo "uid $(id -u) gid $(id -g) groups $(id -G)"',
  'echo "cwd $(pwd)"',
  'env | busybox sort',
  'exit 7',
].join('\n');

describe('berth-runc and runc on the same bundle', { skip: skip ?? runcMissing() }, () => {
  before(() => {
    ensureRuncBuilt();
    work = mkdtempSync(join(tmpdir(), 'berth-runc-interop-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('both containers see the same thing and exit the same', () => {
    const b = makeBundle(join(work, 'same'), ['sh', '-c', PROBE], (s) => {
      s.process!.env = [...(s.process!.env ?? []), 'FOO=bar baz'];
      s.process!.cwd = '/tmp';
      dockerDefaultSeccomp(s);
    });
    // the host's namespace links, where the probe can read them
    const hostNs = join(b, 'rootfs', 'host-ns');
    spawnSync('mkdir', ['-p', hostNs]);
    for (const n of ['ipc', 'mnt', 'net', 'pid', 'uts']) {
      spawnSync('sh', ['-c', `readlink /proc/self/ns/${n} > ${join(hostNs, n)}`]);
    }
    const runc = runtimeCmd('runc', join(work, 'runc-root'), ['run', 'same-runc'], { cwd: b });
    const berth = runtimeCmd(BERTH_RUNC, join(work, 'berth-root'), ['run', 'same-berth'], { cwd: b });
    assert.equal(runc.status, 7, runc.stderr);
    assert.equal(berth.status, runc.status, berth.stderr);
    assert.match(runc.stdout, /^Seccomp:\s+2$/m);
    // Mounts normalised: sorted by mount point; a masked file is a bind of a /dev/null whose
    // filesystem differs (runc binds the container's, berth the host's), and berth also
    // shows the hybrid host's cgroup2 hierarchy.
    const masked = new Set(b ? readSpecMasked(b) : []);
    const norm = (out: string) =>
      out
        .split('\n')
        .filter((l) => l !== 'mount /sys/fs/cgroup/unified cgroup2')
        .map((l) => {
          const m = /^mount (\S+) (\S+)$/.exec(l);
          return m && masked.has(m[1]) ? `mount ${m[1]} masked` : l;
        })
        .sort();
    assert.deepEqual(norm(berth.stdout), norm(runc.stdout));
  });
});

describe('docker run --runtime berth', { skip: skip ?? dockerdMissing() }, () => {
  let dir: string;
  let dockerd: PrivateDockerd | undefined;
  let sock: string;
  const docker = (args: string[], input?: string) =>
    spawnSync('docker', ['-H', `unix://${sock}`, ...args], { encoding: 'utf8', input, timeout: 120_000 });

  before(async () => {
    ensureRuncBuilt();
    dir = mkdtempSync(join(tmpdir(), 'berth-dockerd-'));
    dockerd = await startDockerd(dir, {
      extraArgs: ['--add-runtime', `berth=${BERTH_RUNC}`],
      storageDriver: 'overlay2',
    });
    sock = join(dir, 'docker.sock');
    const tar = makeBusyboxTarball(dir, join(dir, 'busybox.tar'));
    const imp = docker(['import', tar, 'busybox:berth']);
    assert.equal(imp.status, 0, imp.stderr);
  });
  after(async () => {
    await dockerd?.stop();
    spawnSync('umount', ['-R', join(dir, 'data')]);
    spawnSync('umount', ['-R', join(dir, 'exec')]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a container to completion with its output and exit code', () => {
    const r = docker([
      'run',
      '--rm',
      '--runtime',
      'berth',
      '--network',
      'none',
      'busybox:berth',
      'sh',
      '-c',
      'echo hello from docker; hostname >/dev/null; exit 5',
    ]);
    assert.equal(r.stdout, 'hello from docker\n', r.stderr);
    assert.equal(r.status, 5);
  });

  it('runs a detached container that docker kill and rm handle', () => {
    const run = docker([
      'run',
      '-d',
      '--runtime',
      'berth',
      '--network',
      'none',
      '--name',
      'bd',
      'busybox:berth',
      'sleep',
      '1000',
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(docker(['kill', 'bd']).status, 0);
    const rm = docker(['rm', '-f', 'bd']);
    assert.equal(rm.status, 0, rm.stderr);
  });

  // containerd's shim runs `exec --detach` and reaps the process itself: it must be the shim's,
  // however quickly it exits (a few rounds, since a race would show only now and then).
  it('docker exec in a berth-runc container returns its output and status', () => {
    assert.equal(
      docker([
        'run',
        '-d',
        '--runtime',
        'berth',
        '--network',
        'none',
        '--name',
        'be',
        'busybox:berth',
        'sleep',
        '1000',
      ]).status,
      0,
    );
    for (let round = 0; round < 5; round++) {
      const ex = docker(['exec', 'be', 'sh', '-c', 'echo in exec; exit 3']);
      assert.equal(ex.stdout, 'in exec\n', ex.stderr);
      assert.equal(ex.status, 3);
    }
    // the exec'd process is in the container's own mount namespace, not a copy of it
    const ns = docker(['exec', 'be', 'sh', '-c', 'readlink /proc/self/ns/mnt; readlink /proc/1/ns/mnt']);
    const [mine, init] = ns.stdout.trim().split('\n');
    assert.equal(mine, init, ns.stderr);
    assert.equal(docker(['rm', '-f', 'be']).status, 0);
  });
});

const podmanMissing =
  spawnSync('podman', ['--version']).status === 0
    ? undefined
    : 'podman not installed (apt-get install podman)';

describe('podman --runtime berth-runc', { skip: skip ?? podmanMissing }, () => {
  let dir: string;
  const podman = (args: string[]) =>
    spawnSync(
      'podman',
      [
        '--root',
        join(dir, 'storage'),
        '--runroot',
        join(dir, 'run'),
        '--runtime',
        BERTH_RUNC,
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'none',
        ...args,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
  before(() => {
    ensureRuncBuilt();
    dir = mkdtempSync(join(tmpdir(), 'berth-podman-'));
    const tar = makeBusyboxTarball(dir, join(dir, 'busybox.tar'));
    const imp = podman(['import', tar, 'localhost/busybox:berth']);
    assert.equal(imp.status, 0, imp.stderr);
  });
  after(() => {
    podman(['rm', '-af']);
    spawnSync('umount', ['-R', join(dir, 'storage')]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a container with its output and exit code', () => {
    const r = podman([
      'run',
      '--rm',
      '--network',
      'none',
      '--ulimit',
      'nofile=20000:20000',
      '--ulimit',
      'nproc=32768:32768',
      'localhost/busybox:berth',
      'sh',
      '-c',
      'echo hello from podman; exit 4',
    ]);
    assert.equal(r.stdout, 'hello from podman\n', r.stderr);
    assert.equal(r.status, 4, r.stderr);
  });

  it('podman exec (-t too) and run -t run in the container and return its status', () => {
    const ulimits = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];
    const started = podman([
      'run',
      '-d',
      '--network',
      'none',
      ...ulimits,
      '--name',
      'pe',
      'localhost/busybox:berth',
      'sleep',
      '1000',
    ]);
    assert.equal(started.status, 0, started.stderr);
    for (let round = 0; round < 3; round++) {
      const ex = podman(['exec', 'pe', 'sh', '-c', 'echo in exec; exit 5']);
      assert.equal(ex.stdout, 'in exec\n', ex.stderr);
      assert.equal(ex.status, 5);
    }
    // -t: the pty goes to conmon through --console-socket, for exec as for run
    const tty = podman(['exec', '-t', 'pe', 'sh', '-c', 'tty; exit 2']);
    assert.equal(tty.stdout, '/dev/pts/0\r\n', tty.stderr);
    assert.equal(tty.status, 2);
    assert.equal(podman(['rm', '-f', '-t', '0', 'pe']).status, 0);
    const run = podman([
      'run',
      '--rm',
      '-t',
      '--network',
      'none',
      ...ulimits,
      'localhost/busybox:berth',
      'sh',
      '-c',
      'tty',
    ]);
    assert.equal(run.stdout, '/dev/pts/0\r\n', run.stderr);
  });
});
