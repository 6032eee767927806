// berth-native on the real kernel, as root: namespaces, mounts, masking,
// capabilities, fds, the sealed binary, user namespaces, symlinked mount
// targets, exit statuses, stdio, ptys and the shim.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { busyboxMissing, makeBusyboxRootfs } from '../../../test/helpers/busybox.ts';
import { readExitFile } from './exit-file.ts';
import { decodeError, encodeFrame, type Frame, FrameReader, Msg } from './handshake.ts';
import { exitCodeOfLaunchError, LaunchError } from './launch-error.ts';
import { type LaunchedContainer, type LaunchOptions, launch } from './launcher.ts';
import { MS } from './linux-constants.ts';
import type { LaunchPlan } from './plan.ts';
import { startThroughFifo } from './start-fifo.ts';
import { testPlan } from './test-plan.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const binary = join(repo, 'native/build/berth-native');
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : (busyboxMissing() ?? (existsSync('/proc/self/ns/pid') ? undefined : 'no namespaces'));

const started: number[] = [];
let work: string;

function collect(r: Readable | null): Promise<string> {
  if (!r) return Promise.resolve('');
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => r.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

function freshRootfs(name: string): string {
  return makeBusyboxRootfs(join(work, name));
}

async function run(plan: LaunchPlan, stdin?: string, opts: LaunchOptions = {}) {
  const c = await launch(plan, { binary, stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  started.push(c.pid, c.monitorPid);
  const out = collect(c.stdout);
  const err = collect(c.stderr);
  await c.start();
  c.stdin?.on('error', () => {}); // EPIPE when the process exits without reading
  c.stdin?.end(stdin ?? '');
  const status = await c.wait();
  return { ...status, stdout: await out, stderr: await err };
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('berth-native', { skip }, () => {
  before(() => {
    execFileSync(join(repo, 'scripts/build-native.sh'), { stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'berth-launch-'));
    chmodSync(work, 0o755); // a user namespace's root must reach its rootfs
  });
  after(() => {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs pid 1 in new namespaces with its hostname, /proc and only fds 0-2', async () => {
    const rootfs = freshRootfs('ns');
    const kinds = ['pid', 'mnt', 'uts', 'ipc', 'net'];
    const script = [
      ...kinds.map((k) => `busybox readlink /proc/self/ns/${k}`),
      'echo pid=$$',
      'echo host=$(busybox hostname)',
      'busybox grep -c "^proc /proc proc" /proc/mounts',
    ].join('; ');
    const r = await run(testPlan(rootfs, script));
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    kinds.forEach((k, i) => {
      assert.match(lines[i], new RegExp(`^${k}:\\[\\d+\\]$`));
      assert.notEqual(lines[i], readlinkSync(`/proc/self/ns/${k}`), `${k} namespace is the host's`);
    });
    assert.equal(lines[5], 'pid=1');
    assert.equal(lines[6], 'host=berth-test');
    assert.equal(lines[7], '1');
  });

  it('leaves only fds 0-2 open in the process, and its cwd inside the container', async () => {
    const rootfs = freshRootfs('fds');
    const c = await launch(testPlan(rootfs, 'read x; echo got $x'), {
      binary,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    started.push(c.pid, c.monitorPid);
    const out = collect(c.stdout);
    await c.start();
    assert.deepEqual(readdirSync(`/proc/${c.pid}/fd`).sort(), ['0', '1', '2']);
    // the cwd is the container's root (its path from here is just "/")
    assert.equal(statSync(`/proc/${c.pid}/cwd`).ino, statSync(rootfs).ino);
    c.stdin?.end('line\n');
    assert.equal((await c.wait()).exitCode, 0);
    assert.equal(await out, 'got line\n');
  });

  it('masks paths and makes read-only paths refuse writes', async () => {
    const rootfs = freshRootfs('mask');
    mkdirSync(join(rootfs, 'secret'));
    writeFileSync(join(rootfs, 'secret/key'), 'top secret\n');
    writeFileSync(join(rootfs, 'etc/token'), 'token\n');
    const plan = testPlan(
      rootfs,
      'echo version=$(cat /proc/version); echo token=$(cat /etc/token); echo dir=$(ls /secret); ' +
        'touch /secret/x 2>/dev/null && echo secret-writable; touch /etc/new 2>/dev/null && echo etc-writable; ' +
        'echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable; echo done',
    );
    plan.maskedPaths = [...plan.maskedPaths, '/proc/version', '/etc/token', '/secret', '/does/not/exist'];
    plan.readonlyPaths = [...plan.readonlyPaths, '/etc'];
    const r = await run(plan);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'version=\ntoken=\ndir=\ndone\n');
    assert.equal(readFileSync(join(rootfs, 'secret/key'), 'utf8'), 'top secret\n');
    assert.equal(existsSync(join(rootfs, 'etc/new')), false);
  });

  it('drops capabilities: without CAP_MKNOD and CAP_CHOWN mknod and chown fail', async () => {
    const script =
      'touch /tmp/f; busybox mknod /tmp/n c 1 3 2>/dev/null && echo mknod-ok; busybox chown 1 /tmp/f 2>/dev/null && echo chown-ok; echo end';
    // the capabilities this test itself holds (a container or VM may lack some)
    const eff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
    const all = Array.from({ length: 64 }, (_, i) => i).filter((i) => (eff >> BigInt(i)) & 1n);
    const caps = (set: number[]) => ({
      bounding: set,
      effective: set,
      permitted: set,
      inheritable: [],
      ambient: [],
    });
    const withCaps = await run(testPlan(freshRootfs('caps1'), script, { capabilities: caps(all) }));
    assert.equal(withCaps.stdout, 'mknod-ok\nchown-ok\nend\n', withCaps.stderr);
    const fewer = all.filter((c) => c !== 27 && c !== 0);
    const without = await run(testPlan(freshRootfs('caps2'), script, { capabilities: caps(fewer) }));
    assert.equal(without.exitCode, 0, without.stderr);
    assert.equal(without.stdout, 'end\n');
  });

  it('runs the entering process from a sealed copy that cannot be written', async () => {
    const before = createHash('sha256').update(readFileSync(binary)).digest('hex');
    const c = await launch(testPlan(freshRootfs('exe'), 'exit 0'), { binary });
    started.push(c.pid, c.monitorPid);
    try {
      assert.match(readlinkSync(`/proc/${c.pid}/exe`), /^\/memfd:berth-native/);
      let wrote = false;
      try {
        const fd = openSync(`/proc/${c.pid}/exe`, 'r+');
        try {
          writeSync(fd, 'overwritten');
          wrote = true;
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        assert.match((err as NodeJS.ErrnoException).code ?? '', /^(ETXTBSY|EPERM|EACCES)$/);
      }
      assert.equal(wrote, false, 'the memfd copy took a write');
    } finally {
      await c.start();
      await c.wait();
    }
    assert.equal(createHash('sha256').update(readFileSync(binary)).digest('hex'), before);
  });

  it('maps container root to an unprivileged host uid in a user namespace', async () => {
    const rootfs = freshRootfs('userns');
    execFileSync('chown', ['-R', '200000:200000', rootfs]); // as a userns-remapped image is
    const plan = testPlan(
      rootfs,
      'echo uid=$(id -u) gid=$(id -g); cat /proc/self/uid_map; echo > /dev/null && echo null-ok',
    );
    plan.namespaces.create = ['user', ...plan.namespaces.create];
    plan.uidMappings = [{ containerId: 0, hostId: 200000, size: 65536 }];
    plan.gidMappings = [{ containerId: 0, hostId: 200000, size: 65536 }];
    plan.devices = plan.devices.map((d) => ({ ...d, bindFrom: d.path }));
    const c = await launch(plan, { binary, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(c.pid, c.monitorPid);
    const out = collect(c.stdout);
    const err = collect(c.stderr);
    const status = readFileSync(`/proc/${c.pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+200000\s+200000\s+200000\s+200000$/m);
    await c.start();
    assert.equal((await c.wait()).exitCode, 0, await err);
    const lines = (await out).trim().split('\n');
    assert.equal(lines[0], 'uid=0 gid=0');
    assert.deepEqual(lines[1].trim().split(/\s+/), ['0', '200000', '65536']);
    assert.equal(lines[2], 'null-ok');
  });

  for (const fallback of [false, true]) {
    it(`does not follow a symlinked mount target out of the rootfs${fallback ? ' (walk without openat2)' : ''}`, async () => {
      const rootfs = freshRootfs(`escape${fallback ? '2' : '1'}`);
      const outside = join(work, `outside${fallback ? '2' : '1'}`);
      mkdirSync(outside);
      writeFileSync(join(outside, 'keep'), 'host file\n');
      symlinkSync(outside, join(rootfs, 'abs-link'));
      symlinkSync(`../../../../../../../../../..${outside}`, join(rootfs, 'rel-link'));
      const plan = testPlan(rootfs, 'touch /abs-link/a /rel-link/b; ls /abs-link /rel-link');
      plan.mounts = [
        ...plan.mounts,
        { source: 'tmpfs', target: '/abs-link', fstype: 'tmpfs', flags: 0, propagationFlags: [], data: '' },
        { source: 'tmpfs', target: '/rel-link', fstype: 'tmpfs', flags: 0, propagationFlags: [], data: '' },
      ];
      if (fallback) process.env.BERTH_NATIVE_NO_OPENAT2 = '1';
      try {
        const r = await run(plan);
        assert.equal(r.exitCode, 0, r.stderr);
      } finally {
        delete process.env.BERTH_NATIVE_NO_OPENAT2;
      }
      assert.deepEqual(readdirSync(outside), ['keep']);
      assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'host file\n');
      assert.ok(existsSync(join(rootfs, outside)), 'the target was made inside the rootfs');
    });
  }

  it('reports exit codes and fatal signals', async () => {
    const rootfs = freshRootfs('exit');
    assert.equal((await run(testPlan(rootfs, 'exit 3'))).exitCode, 3);
    // pid 1 of a pid namespace cannot be killed from inside it: kill it from here
    const c = await launch(testPlan(rootfs, 'read x'), { binary, stdio: ['pipe', 'ignore', 'ignore'] });
    started.push(c.pid, c.monitorPid);
    await c.start();
    process.kill(c.pid, 'SIGKILL');
    assert.deepEqual(await c.wait(), { exitCode: 137, signal: 9 });
    // and a process that is not pid 1 dies of its own signal
    const plan = testPlan(rootfs, 'kill -TERM $$');
    plan.namespaces = { create: ['mount', 'uts', 'ipc'], join: [] };
    const termed = await run(plan);
    assert.deepEqual([termed.exitCode, termed.signal], [143, 15]);
  });

  it('names the failing step: exec of a missing command, a bad mount', async () => {
    const rootfs = freshRootfs('errors');
    const missing = testPlan(rootfs, '');
    missing.process = { ...missing.process, args: ['no-such-command'], exec: undefined };
    await assert.rejects(run(missing), (err: unknown) => {
      assert.ok(err instanceof LaunchError);
      assert.equal(err.step, 'exec');
      assert.equal(err.code, 'NotFound');
      assert.equal(exitCodeOfLaunchError(err), 127);
      return true;
    });
    const bad = testPlan(rootfs, 'true');
    bad.mounts = [
      ...bad.mounts,
      { source: 'none', target: '/mnt', fstype: 'no-such-fs', flags: 0, propagationFlags: [], data: '' },
    ];
    await assert.rejects(launch(bad, { binary }), (err: unknown) => {
      assert.ok(err instanceof LaunchError);
      assert.equal(err.step, 'mount');
      assert.match(err.message, /no-such-fs/);
      return true;
    });
  });

  it('passes stdin, stdout and stderr', async () => {
    const r = await run(testPlan(freshRootfs('stdio'), 'cat; echo oops >&2'), 'from stdin\n');
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, 'from stdin\n', 'oops\n']);
  });

  it('gives the process a pty as its controlling terminal', async () => {
    const plan = testPlan(freshRootfs('pty'), 'tty; [ -t 0 ] && [ -t 1 ] && echo is-a-tty');
    plan.process = { ...plan.process, terminal: true };
    const r = await run(plan);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.replaceAll('\r', ''), '/dev/pts/0\nis-a-tty\n');
  });

  it('joins cgroups and loads a seccomp program', {
    skip: process.arch !== 'x64' && 'x86_64 syscall numbers',
  }, async () => {
    const cg = `/sys/fs/cgroup/pids/berth-launch-test-${process.pid}`;
    const haveCg = existsSync('/sys/fs/cgroup/pids/cgroup.procs');
    if (haveCg) mkdirSync(cg);
    try {
      // BPF: load the syscall nr; mkdir (83) and mkdirat (258) fail with EPERM; the rest is allowed
      const ins = (code: number, jt: number, jf: number, k: number) => {
        const b = Buffer.alloc(8);
        b.writeUInt16LE(code, 0);
        b[2] = jt;
        b[3] = jf;
        b.writeUInt32LE(k >>> 0, 4);
        return b;
      };
      const program = Buffer.concat([
        ins(0x20, 0, 0, 0),
        ins(0x15, 2, 0, 83),
        ins(0x15, 1, 0, 258),
        ins(0x06, 0, 0, 0x7fff0000),
        ins(0x06, 0, 0, 0x00050001),
      ]);
      const plan = testPlan(
        freshRootfs('seccomp'),
        'mkdir /tmp/d 2>/dev/null || echo mkdir-denied; touch /tmp/f && echo touch-ok; cat /proc/self/cgroup',
      );
      plan.seccomp = { program, flags: 0 };
      if (haveCg) plan.cgroupProcsFiles = [join(cg, 'cgroup.procs')];
      const r = await run(plan);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^mkdir-denied\ntouch-ok\n/);
      if (haveCg) assert.match(r.stdout, new RegExp(`:pids:/berth-launch-test-${process.pid}$`, 'm'));
    } finally {
      if (haveCg) rmdirSync(cg);
    }
  });

  it('joins the namespaces of a running container', async () => {
    const a = await launch(testPlan(freshRootfs('joinA'), 'read x'), {
      binary,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    started.push(a.pid, a.monitorPid);
    await a.start();
    try {
      const plan = testPlan(freshRootfs('joinB'), 'busybox readlink /proc/self/ns/net; busybox hostname');
      plan.namespaces = {
        create: ['mount', 'pid', 'ipc'],
        join: [
          { type: 'network', path: `/proc/${a.pid}/ns/net` },
          { type: 'uts', path: `/proc/${a.pid}/ns/uts` },
        ],
      };
      delete plan.hostname;
      const r = await run(plan);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, `${readlinkSync(`/proc/${a.pid}/ns/net`)}\nberth-test\n`);
    } finally {
      a.stdin?.end('\n');
      await a.wait();
    }
  });

  it('applies the user, groups, umask, rlimits, sysctls, domainname, oom score, ambient caps and a read-only root', async () => {
    const rootfs = freshRootfs('proc');
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    const script = [
      'id',
      'umask',
      'ulimit -n',
      'cat /proc/sys/net/ipv4/ip_forward',
      'busybox domainname 2>/dev/null || cat /proc/sys/kernel/domainname',
      'cat /proc/self/oom_score_adj',
      'busybox grep CapAmb /proc/self/status',
      'touch /tmp/ok && echo tmp-writable',
      'touch /etc/no 2>/dev/null || echo root-readonly',
    ].join('; ');
    const plan = testPlan(rootfs, script, {
      sysctls: [{ path: 'net/ipv4/ip_forward', value: '1' }],
      rlimits: [{ resource: 7, soft: 100n, hard: 200n }],
      domainname: 'example.test',
      oomScoreAdj: 500,
      capabilities: { bounding: [10], effective: [10], permitted: [10], inheritable: [10], ambient: [10] },
    });
    plan.root = { ...plan.root!, readonly: true };
    plan.mounts = [
      ...plan.mounts,
      { source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: 0, propagationFlags: [], data: 'mode=1777' },
    ];
    plan.process = {
      ...plan.process,
      user: { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o077 },
    };
    const r = await run(plan);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'uid=1000 gid=1000 groups=10,20',
      '0077',
      '100',
      '1',
      'example.test',
      '500',
      'CapAmb:\t0000000000000400',
      'tmp-writable',
      'root-readonly',
    ]);
  });

  it('sends the pty master to a console socket', {
    skip: !existsSync('/usr/bin/python3') && 'needs python3',
  }, async () => {
    const sock = join(work, 'console.sock');
    const receiver = spawn(
      'python3',
      [
        '-c',
        [
          'import os, socket, sys',
          's = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); print("ready", flush=True)',
          'c, _ = s.accept(); msg, fds, _, _ = socket.recv_fds(c, 100, 1)',
          'data = b""',
          'while True:',
          '    try: d = os.read(fds[0], 1024)',
          '    except OSError: break',
          '    if not d: break',
          '    data += d',
          'sys.stdout.write(msg.decode() + "|" + data.decode().replace("\\r", ""))',
        ].join('\n'),
        sock,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    started.push(receiver.pid!);
    const out = collect(receiver.stdout);
    await until('the receiver', () => (existsSync(sock) ? true : undefined));
    const plan = testPlan(freshRootfs('console'), 'echo hello-tty; tty');
    plan.process = { ...plan.process, terminal: true };
    const c = await launch(plan, { binary, consoleSocket: sock });
    started.push(c.pid, c.monitorPid);
    await c.start();
    assert.equal((await c.wait()).exitCode, 0);
    assert.equal(await out, 'ready\n/dev/ptmx|hello-tty\n/dev/pts/0\n');
  });

  it('refuses a malformed plan, naming the step', async () => {
    const child = spawn(binary, ['create'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    started.push(child.pid!);
    const sock = child.stdio[3] as Socket;
    const reader = new FrameReader();
    const frames: Frame[] = [];
    sock.on('data', (b: Buffer) => frames.push(...reader.push(b)));
    const body = Buffer.from(
      'BERTHPLN\x01\x00\x00\x00\x08\x00\x00\x00\x63\x00\x00\x00\x00\x00\x00\x00',
      'latin1',
    );
    sock.write(encodeFrame(Msg.Plan, body));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 125);
    await until('the error frame', () => (frames.some((f) => f.type === Msg.Error) ? true : undefined));
    const e = decodeError(frames.find((f) => f.type === Msg.Error)!.payload);
    assert.equal(e.step, 'plan');
    assert.match(e.detail, /unknown record tag 99/);
    sock.destroy();
  });

  it('runs under a shim that outlives its starter, logs json-file lines and records the exit', async () => {
    const rootfs = freshRootfs('shim');
    const logPath = join(work, 'shim.log');
    const exitFile = join(work, 'shim.exit');
    const plan = testPlan(
      rootfs,
      'echo out; echo "<err> & \\"quoted\\"" >&2; printf partial; while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 7',
    );
    const c: LaunchedContainer = await launch(plan, { binary, shim: { logPath, exitFile } });
    started.push(c.pid, c.monitorPid);
    await c.start();
    c.release();
    const ppid = Number(readFileSync(`/proc/${c.monitorPid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    assert.notEqual(ppid, process.pid, 'the shim is still our child');
    assert.equal(
      Number(readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]),
      c.monitorPid,
    );
    const rss = Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(c.monitorPid)], { encoding: 'utf8' }).trim(),
    );
    console.log(`# shim RSS ${rss} KiB`);
    assert.ok(rss > 0 && rss < 2048, `shim RSS ${rss} KiB`);
    await until('the output', () =>
      existsSync(logPath) && readFileSync(logPath, 'utf8').split('\n').length > 2 ? true : undefined,
    );
    writeFileSync(join(rootfs, 'tmp/go'), '');
    const exit = await until('the exit file', () => readExitFile(exitFile));
    assert.equal(exit.exitCode, 7);
    assert.equal(exit.signal, 0);
    assert.match(exit.exitedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    const raw = readFileSync(logPath, 'utf8');
    assert.ok(raw.includes('"log":"\\u003cerr\\u003e \\u0026 \\"quoted\\"\\n","stream":"stderr"'), raw);
    const lines = raw
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    const byStream = (s: string) => lines.filter((l) => l.stream === s).map((l) => l.log);
    assert.deepEqual(byStream('stdout'), ['out\n', 'partial']);
    assert.deepEqual(byStream('stderr'), ['<err> & "quoted"\n']);
    for (const l of lines) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    await until('the shim to exit', () => (existsSync(`/proc/${c.monitorPid}`) ? undefined : true));
  });

  it('logs a terminal session from the shim', async () => {
    const logPath = join(work, 'tty.log');
    const exitFile = join(work, 'tty.exit');
    const plan = testPlan(freshRootfs('shimtty'), 'tty; exit 0');
    plan.process = { ...plan.process, terminal: true };
    const c = await launch(plan, { binary, shim: { logPath, exitFile } });
    started.push(c.pid, c.monitorPid);
    await c.start();
    assert.deepEqual(await c.wait(), { exitCode: 0, signal: 0 });
    c.release();
    await until('the exit file', () => readExitFile(exitFile));
    const lines = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { log: string; stream: string });
    assert.deepEqual(lines, [
      { log: '/dev/pts/0\r\n', stream: 'stdout', time: (lines[0] as { time?: string }).time },
    ]);
  });

  it('waits on a start fifo with no process of ours left, and execs when a byte arrives', async () => {
    const fifo = join(work, 'start.fifo');
    const out = join(work, 'fifo-out');
    writeFileSync(out, '');
    const outFd = openSync(out, 'a');
    const c = await launch(testPlan(freshRootfs('fifo'), 'echo started'), {
      binary,
      stdio: ['ignore', outFd, outFd],
      keeper: { startFifo: fifo },
    });
    closeSync(outFd);
    started.push(c.pid);
    await until('berth-native to exit', () => (existsSync(`/proc/${c.monitorPid}`) ? undefined : true));
    assert.ok(existsSync(`/proc/${c.pid}`), 'the init waits');
    assert.equal(readFileSync(out, 'utf8'), '');
    await assert.rejects(c.start(), /starts through its fifo/);
    startThroughFifo(fifo);
    await until('the output', () => (readFileSync(out, 'utf8') === 'started\n' ? true : undefined));
    assert.throws(() => startThroughFifo(fifo), /started already/);
  });

  it('refuses to start through a fifo whose init is gone', async () => {
    const fifo = join(work, 'gone.fifo');
    const c = await launch(testPlan(freshRootfs('fifoGone'), 'true'), {
      binary,
      keeper: { startFifo: fifo },
    });
    process.kill(c.pid, 'SIGKILL');
    await until('the init to go', () => {
      const st = existsSync(`/proc/${c.pid}/stat`) ? readFileSync(`/proc/${c.pid}/stat`, 'utf8') : ') Z';
      return st.includes(') Z') ? true : undefined;
    });
    assert.throws(() => startThroughFifo(fifo), /exited before start/);
  });

  it('execs into a running container without a root: its own mount namespace, detached', async () => {
    const a = await launch(testPlan(freshRootfs('execA'), 'echo hi > /tmp/mark; read x'), {
      binary,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    started.push(a.pid, a.monitorPid);
    await a.start();
    try {
      await until('the mark', () => (existsSync(`/proc/${a.pid}/root/tmp/mark`) ? true : undefined));
      const plan = testPlan(
        '/',
        'busybox readlink /proc/self/ns/mnt; cat /tmp/mark; busybox hostname; exit 6',
      );
      plan.namespaces = {
        create: [],
        join: (['pid', 'uts', 'ipc', 'network', 'mount'] as const).map((type) => ({
          type,
          path: `/proc/${a.pid}/ns/${type === 'network' ? 'net' : type === 'mount' ? 'mnt' : type}`,
        })),
      };
      delete plan.root;
      delete plan.hostname;
      plan.mounts = [];
      plan.devices = [];
      plan.links = [];
      plan.maskedPaths = [];
      plan.readonlyPaths = [];
      plan.sysctls = [];
      const r = await run(plan);
      assert.equal(r.exitCode, 6, r.stderr);
      assert.equal(r.stdout, `${readlinkSync(`/proc/${a.pid}/ns/mnt`)}\nhi\nberth-test\n`);

      // detached: berth-native leaves once the exec succeeded; the process is not its child
      const out = join(work, 'detached-out');
      writeFileSync(out, '');
      const fd = openSync(out, 'a');
      plan.process = { ...plan.process, args: ['sh', '-c', 'sleep 0.2; echo $PPID'] };
      const d = await launch(plan, { binary, stdio: ['ignore', fd, fd], keeper: 'detach' });
      closeSync(fd);
      started.push(d.pid);
      await d.start();
      await assert.rejects(d.wait(), /not ours to wait for/);
      await until('berth-native to exit', () => (existsSync(`/proc/${d.monitorPid}`) ? undefined : true));
      await until('the output', () => (readFileSync(out, 'utf8') ? true : undefined));
      assert.equal(readFileSync(out, 'utf8'), '0\n'); // its parent is outside the container's pid namespace
    } finally {
      a.stdin?.end('\n');
      await a.wait();
    }
  });

  it('pivots into a rootfs whose parent mount is shared (root propagation rshared)', async () => {
    const parent = join(work, 'shared-parent');
    mkdirSync(parent);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', parent]);
    try {
      execFileSync('mount', ['--make-shared', parent]);
      const rootfs = makeBusyboxRootfs(join(parent, 'rootfs'));
      const plan = testPlan(rootfs, 'echo pivoted');
      plan.root = { ...plan.root!, propagation: MS.SHARED | MS.REC };
      const r = await run(plan);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, 'pivoted\n');
    } finally {
      execFileSync('umount', ['-l', parent]);
    }
  });
});
