import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LaunchError } from '../runtime/launch/launch-error.ts';
import type { ExecOptions, RunningProcess } from '../runtime/runc/runtime.ts';
import type { Process, Spec } from '../runtime/spec/types.ts';
import { notFound } from '../util/errors.ts';
import type { ContainerRecord, ContainerStatus } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import { ExecService } from './exec-service.ts';

const ID = 'c'.repeat(64);

interface FakeProcess {
  proc: RunningProcess;
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  exit(code: number): void;
}

function fakeProcess(pid = 4242): FakeProcess {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit: (code: number) => void = () => {};
  const exited = new Promise<{ exitCode: number; signal: number }>((resolve) => {
    exit = (exitCode) => resolve({ exitCode, signal: 0 });
  });
  return {
    proc: { pid, stdin, stdout, stderr, wait: () => exited },
    stdin,
    stdout,
    stderr,
    exit: (c) => exit(c),
  };
}

describe('ExecService', () => {
  let rootfs: string;
  let status: ContainerStatus;
  let launches: { process: Process; opts: ExecOptions }[];
  let next: () => Promise<RunningProcess>;
  const events = new EventEmitter();
  const spec: Spec = {
    ociVersion: '1.2.0',
    process: {
      cwd: '/',
      args: ['sleep', '1000'],
      env: ['PATH=/usr/bin:/bin', 'HOSTNAME=myhost', 'HOME=/root'],
      user: { uid: 0, gid: 0, additionalGids: [0] },
      capabilities: {
        bounding: ['CAP_CHOWN', 'CAP_KILL'],
        effective: ['CAP_CHOWN', 'CAP_KILL'],
        permitted: ['CAP_CHOWN', 'CAP_KILL'],
      },
      noNewPrivileges: true,
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
    },
  };
  const record = (): ContainerRecord => ({
    id: ID,
    name: 'box',
    imageId: 'sha256:x',
    imageRef: 'x',
    created: '2025-01-01T00:00:00Z',
    request: {},
    config: { Env: ['FROM_IMAGE=1', 'SHARED=image'], WorkingDir: '/srv', User: '' },
    path: 'sleep',
    args: ['1000'],
    state: {
      Status: status,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2025-01-01T00:00:00Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      OOMKilled: false,
    },
    restartCount: 0,
    snapshotKey: 'k',
    manuallyStopped: false,
    mounts: [],
  });
  const containers = {
    events,
    resolve: (ref: string) => {
      if (ref !== ID && ref !== 'box') throw notFound(`No such container: ${ref}`);
      return record();
    },
    rootfs: () => rootfs,
    runtime: {
      savedSpec: () => structuredClone(spec),
      exec: (_id: string, process: Process, opts: ExecOptions) => {
        launches.push({ process, opts });
        return next();
      },
    },
  } as unknown as ContainerService;

  before(() => {
    rootfs = mkdtempSync(join(tmpdir(), 'berth-exec-rootfs-'));
    mkdirSync(join(rootfs, 'etc'));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1000:\nwheel:x:10:app\n');
  });
  after(() => rmSync(rootfs, { recursive: true, force: true }));

  const fresh = () => {
    status = 'running';
    launches = [];
    return new ExecService(containers);
  };

  it('refuses a container that is not running, paused or restarting, with Docker words', () => {
    const svc = fresh();
    status = 'exited';
    assert.throws(() => svc.create('box', { Cmd: ['true'] }), {
      code: 'Conflict',
      message: `container ${ID} is not running`,
    });
    status = 'paused';
    assert.throws(() => svc.create('box', { Cmd: ['true'] }), {
      message: 'container box is paused, unpause the container before exec',
    });
    status = 'restarting';
    assert.throws(() => svc.create('box', { Cmd: ['true'] }), {
      message: `container ${ID} is restarting, wait until the container is running`,
    });
    status = 'running';
    assert.throws(() => svc.create('box', { Cmd: [] }), { message: 'No exec command specified' });
    assert.throws(() => svc.create('box', { Cmd: ['x'], WorkingDir: 'rel' }), { code: 'InvalidArgument' });
    assert.throws(() => svc.create('nope', { Cmd: ['x'] }), { code: 'NotFound' });
    assert.throws(() => svc.inspect('f'.repeat(64)), { message: `No such exec instance: ${'f'.repeat(64)}` });
  });

  it("runs with the container's settings, its env under the exec's, and streams until exit", async () => {
    const svc = fresh();
    const id = svc.create('box', {
      Cmd: ['sh', '-c', 'echo'],
      Env: ['SHARED=exec', 'MINE=1'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    assert.equal(svc.inspect(id).Running, false);
    assert.equal(svc.inspect(id).ExitCode, null);
    const p = fakeProcess();
    next = async () => p.proc;
    const got: string[] = [];
    let ended = false;
    const input = new PassThrough();
    await svc.start(id, {
      stdin: input,
      write: (stream, chunk) => got.push(`${stream}:${chunk}`),
      end: () => {
        ended = true;
      },
    });
    const { process, opts } = launches[0];
    assert.deepEqual(opts.stdio, ['pipe', 'pipe', 'pipe']);
    assert.equal(opts.withoutSeccomp, false);
    assert.deepEqual(process.args, ['sh', '-c', 'echo']);
    assert.deepEqual(process.env, [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=myhost',
      'FROM_IMAGE=1',
      'SHARED=exec',
      'MINE=1',
      'HOME=/root',
    ]);
    assert.equal(process.cwd, '/srv', "the container's working directory");
    assert.equal(process.terminal, false);
    assert.equal(process.noNewPrivileges, true);
    assert.deepEqual(process.capabilities?.effective, ['CAP_CHOWN', 'CAP_KILL']);
    assert.deepEqual(process.rlimits, spec.process?.rlimits);
    assert.equal(svc.inspect(id).Running, true);
    assert.equal(svc.inspect(id).Pid, 4242);
    assert.throws(() => svc.checkStartable(id), { message: `Error: Exec command ${id} is already running` });

    const fromClient: Buffer[] = [];
    p.stdin.on('data', (c: Buffer) => fromClient.push(c));
    input.end('typed');
    p.stdout.end('out');
    p.stderr.end('err');
    await sleep(10);
    assert.equal(Buffer.concat(fromClient).toString(), 'typed');
    assert.equal(ended, false, 'the stream stays open until the process exited');
    p.exit(3);
    for (let i = 0; i < 100 && !ended; i++) await sleep(5);
    assert.equal(ended, true);
    assert.deepEqual(got.sort(), ['stderr:err', 'stdout:out']);
    const inspected = svc.inspect(id);
    assert.equal(inspected.ExitCode, 3);
    assert.equal(inspected.Running, false);
    assert.deepEqual(inspected.ProcessConfig, {
      tty: false,
      entrypoint: 'sh',
      arguments: ['-c', 'echo'],
      privileged: false,
    });
    assert.throws(() => svc.checkStartable(id), { message: `Error: Exec command ${id} has already run` });
  });

  it('takes -u from the passwd file (home, groups, no effective capabilities), -w and -t', async () => {
    const svc = fresh();
    const id = svc.create(ID, {
      Cmd: ['id'],
      User: 'app',
      WorkingDir: '/tmp',
      Tty: true,
      AttachStdout: true,
      AttachStderr: true,
      ConsoleSize: [40, 120],
    });
    next = async () => fakeProcess().proc;
    await svc.start(id, { write: () => {}, end: () => {} });
    const { process, opts } = launches[0];
    assert.deepEqual(process.user, { uid: 1000, gid: 1000, additionalGids: [1000, 10] });
    assert.ok(process.env?.includes('HOME=/home/app'));
    assert.ok(process.env?.includes('TERM=xterm'));
    assert.equal(process.cwd, '/tmp');
    assert.equal(process.terminal, true);
    assert.deepEqual(process.consoleSize, { height: 40, width: 120 });
    assert.deepEqual(process.capabilities, { bounding: ['CAP_CHOWN', 'CAP_KILL'] });
    assert.deepEqual(opts.stdio, ['ignore', 'pipe', 'ignore'], 'a terminal has one output');
  });

  it('refuses an unknown -u with the passwd lookup error', async () => {
    const svc = fresh();
    const id = svc.create(ID, { Cmd: ['id'], User: 'ghost' });
    await assert.rejects(svc.start(id), {
      message: 'unable to find user ghost: no matching entries in passwd file',
    });
    assert.equal(svc.inspect(id).ExitCode, 126);
  });

  it('lifts seccomp and no_new_privs and gives every capability with --privileged', async () => {
    const svc = fresh();
    const id = svc.create(ID, { Cmd: ['true'], Privileged: true });
    next = async () => fakeProcess().proc;
    await svc.start(id);
    const { process, opts } = launches[0];
    assert.equal(opts.withoutSeccomp, true);
    assert.deepEqual(opts.stdio, ['ignore', 'ignore', 'ignore'], 'detached: nothing attached');
    assert.equal(process.noNewPrivileges, false);
    assert.ok((process.capabilities?.effective?.length ?? 0) > 2);
    assert.ok(process.capabilities?.effective?.includes('CAP_SYS_ADMIN'));
  });

  it("gives 127 for a program not found and 126 for one that cannot run, in runc's words", async () => {
    const svc = fresh();
    const missing = svc.create(ID, { Cmd: ['nosuch'] });
    next = async () => {
      throw new LaunchError('NotFound', 'exec', 'ENOENT', 'x');
    };
    await assert.rejects(svc.start(missing), {
      message:
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown',
    });
    assert.equal(svc.inspect(missing).ExitCode, 127);
    assert.equal(svc.inspect(missing).Running, false);
    const denied = svc.create(ID, { Cmd: ['/etc'] });
    next = async () => {
      throw new LaunchError('PermissionDenied', 'exec', 'EACCES', 'x');
    };
    await assert.rejects(svc.start(denied), { message: /exec: "\/etc": permission denied/ });
    assert.equal(svc.inspect(denied).ExitCode, 126);
  });

  it('forgets the execs of a removed container', () => {
    const svc = fresh();
    const id = svc.create(ID, { Cmd: ['true'] });
    assert.deepEqual(svc.idsOf(ID), [id]);
    events.emit('remove', record());
    assert.throws(() => svc.inspect(id), { code: 'NotFound' });
  });

  it('run collects the output (cut at the limit) and kills a command that times out', async () => {
    const svc = fresh();
    const p = fakeProcess();
    next = async () => p.proc;
    const running = svc.run(ID, ['check'], { timeoutMs: 60_000, maxOutput: 5 });
    await sleep(5);
    p.stdout.end('0123456789');
    p.stderr.end();
    p.exit(1);
    assert.deepEqual(await running, { exitCode: 1, output: '01234...', timedOut: false });
    assert.equal(launches[0].process.cwd, '/srv');

    // a real process stands in for the probe, so the kill can be seen
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => sleeper.on('exit', (_code, signal) => resolve(signal)));
    const slow = fakeProcess(sleeper.pid!);
    next = async () => slow.proc;
    const r = await svc.run(ID, ['check'], { timeoutMs: 20, maxOutput: 100 });
    assert.deepEqual(r, { exitCode: -1, output: '', timedOut: true });
    assert.equal(await gone, 'SIGKILL');
  });
});
