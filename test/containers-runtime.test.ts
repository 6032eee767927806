// `--runtime`: containers on berth's own runtime (the default, in-process) or on an OCI
// runtime command, runc here, as a user runs them: `bin/berth` against daemons on temporary
// roots with the busybox test image. runc keeps its containers in the daemon's own state
// root for it (`<state>/runtimes/<name>`), where `runc --root … list` finds them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCommand } from '../src/runtime/runc/runtime-commands.ts';
import { BERTH_BIN, httpRequest, runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { ptyMissing, runInPty } from './helpers/pty.ts';

const RUNC = findCommand('runc', process.env.PATH ?? '');
const skip =
  process.getuid?.() !== 0
    ? 'needs root (namespaces, overlayfs, cgroups)'
    : !RUNC
      ? 'runc is not installed (apt install runc): --runtime runc has nothing to run'
      : busyboxMissing();
const IMAGE = 'busybox:ctr';

interface RuncEntry {
  id: string;
  pid: number;
  status: string;
}

describe('containers on an OCI runtime command (--runtime)', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let tarball: string;
  const berth = (args: string[], input?: string) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { input, timeoutMs: 60_000 });
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (ref: string, format: string) =>
    (await ok('inspect', '--format', format, ref)).trim();
  /** What runc itself knows in a runtime's state root under the daemon's state. */
  const runcList = (state: string, runtime: string): RuncEntry[] =>
    JSON.parse(
      execFileSync(RUNC!, ['--root', join(state, 'runtimes', runtime), 'list', '--format', 'json'], {
        encoding: 'utf8',
      }) || 'null',
    ) ?? [];

  before(async () => {
    dirs = await tempDirs('berth-runtime-');
    work = mkdtempSync(join(tmpdir(), 'berth-runtime-work-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    // runc is found on PATH; `other` is the same binary added by path, under another name
    daemon = await TestDaemon.start({
      root: dirs.root,
      state: dirs.state,
      args: ['--add-runtime', `other=${RUNC}`],
    });
    await ok('import', tarball, IMAGE);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('info lists berth, runc and the added runtime, berth the default', async () => {
    const info = JSON.parse((await httpRequest(dirs.socket, 'GET', '/info')).body) as {
      Runtimes: Record<string, { path: string }>;
      DefaultRuntime: string;
    };
    assert.deepEqual(info.Runtimes, {
      berth: { path: 'berth' },
      runc: { path: RUNC },
      other: { path: RUNC },
    });
    assert.equal(info.DefaultRuntime, 'berth');
  });

  it('run --rm --runtime runc prints the output, keeps stderr apart and exits with the status', async () => {
    const r = await berth([
      'run',
      '--rm',
      '--runtime',
      'runc',
      IMAGE,
      'sh',
      '-c',
      'echo out; echo err >&2; exit 7',
    ]);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 7);
    const zero = await berth(['run', '--rm', '--runtime', 'runc', IMAGE, 'echo', 'fine']);
    assert.deepEqual([zero.code, zero.stdout], [0, 'fine\n']);
    const stdin = await berth(
      ['run', '--rm', '-i', '--runtime', 'runc', IMAGE, 'sh', '-c', 'cat; echo done'],
      'a\nb\n',
    );
    assert.equal(stdin.stdout, 'a\nb\ndone\n', stdin.stderr);
    assert.equal((await ok('ps', '-aq')).trim(), '', '--rm removed the containers');
    assert.deepEqual(runcList(dirs.state, 'runc'), [], 'runc has nothing left either');
  });

  it('a command missing from the image exits 127, as on berth’s runtime', async () => {
    const r = await berth(['run', '--rm', '--runtime', 'runc', IMAGE, 'no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /no-such-command.*executable file not found/);
  });

  it('run -d --runtime runc: the init is runc’s; ps, logs, exec, top, pause, stop and rm work', async () => {
    const script = 'echo started; trap "echo bye; exit 3" TERM; while :; do sleep 0.1; done';
    const id = (
      await ok('run', '-d', '--name', 'rc1', '--runtime', 'runc', IMAGE, 'sh', '-c', script)
    ).trim();
    assert.equal(await inspect('rc1', '{{.HostConfig.Runtime}} {{.State.Status}}'), 'runc running');
    const pid = Number(await inspect('rc1', '{{.State.Pid}}'));
    const known = runcList(dirs.state, 'runc');
    assert.deepEqual(
      known.map((c) => [c.id, c.pid, c.status]),
      [[id, pid, 'running']],
      'runc runs the container and its init is the one berth reports',
    );
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sh\0-c\0/);
    assert.match(await ok('ps'), /rc1\n$/);
    for (let i = 0; i < 100 && !(await ok('logs', 'rc1')).includes('started'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(await ok('logs', 'rc1'), 'started\n');
    const ex = await berth(['exec', 'rc1', 'sh', '-c', 'echo in $((6*7)); exit 4']);
    assert.deepEqual([ex.code, ex.stdout], [4, 'in 42\n']);
    const missing = await berth(['exec', 'rc1', 'no-such-command']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(await ok('top', 'rc1'), /sh -c echo started/);
    await ok('pause', 'rc1');
    assert.equal(await inspect('rc1', '{{.State.Status}}'), 'paused');
    assert.equal(runcList(dirs.state, 'runc')[0]?.status, 'paused');
    await ok('unpause', 'rc1');
    await ok('stop', 'rc1');
    assert.equal(await inspect('rc1', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 3');
    assert.equal(await ok('logs', 'rc1'), 'started\nbye\n');
    await ok('rm', 'rc1');
    assert.deepEqual(runcList(dirs.state, 'runc'), []);
  });

  it('a container on berth’s runtime says so in inspect, and runc knows nothing of it', async () => {
    await ok('run', '-d', '--name', 'own', IMAGE, 'sleep', '1000');
    assert.equal(await inspect('own', '{{.HostConfig.Runtime}}'), 'berth');
    assert.deepEqual(runcList(dirs.state, 'runc'), []);
    await ok('rm', '-f', 'own');
  });

  it('an unknown runtime gets Docker’s error and exit 125', async () => {
    const r = await berth(['run', '--rm', '--runtime', 'nope', IMAGE, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /unknown or invalid runtime name: nope/);
    const created = await httpRequest(
      dirs.socket,
      'POST',
      '/containers/create',
      JSON.stringify({ Image: IMAGE, Cmd: ['true'], HostConfig: { Runtime: 'nope' } }),
    );
    assert.equal(created.status, 400);
    assert.equal(JSON.parse(created.body).message, 'unknown or invalid runtime name: nope');
    assert.equal((await ok('ps', '-aq')).trim(), '');
  });

  it('--add-runtime NAME=PATH: containers run on it, in its own state root', async () => {
    const id = (await ok('run', '-d', '--runtime', 'other', IMAGE, 'sleep', '1000')).trim();
    assert.equal(await inspect(id, '{{.HostConfig.Runtime}}'), 'other');
    assert.deepEqual(
      runcList(dirs.state, 'other').map((c) => c.id),
      [id],
    );
    assert.deepEqual(runcList(dirs.state, 'runc'), []);
    await ok('rm', '-f', id);
    assert.deepEqual(runcList(dirs.state, 'other'), []);
  });

  it('run -it --runtime runc works through a pty', { skip: ptyMissing() }, () => {
    const env = { ...process.env, BERTH_HOST: `unix://${dirs.socket}` };
    const r = runInPty(
      [process.execPath, BERTH_BIN, 'run', '-it', '--rm', '--runtime', 'runc', IMAGE, 'sh'],
      'tty; echo "in $((6*7))"; exit 3\r',
      env,
    );
    assert.equal(r.status, 3, r.output);
    assert.match(r.output, /\/dev\/pts\/0\r\n/);
    assert.match(r.output, /in 42\r\n/);
  });

  it('containers on runc outlive a daemon restart', async () => {
    await ok('run', '-d', '--name', 'lasting', '--runtime', 'runc', IMAGE, 'sleep', '1000');
    const pid = Number(await inspect('lasting', '{{.State.Pid}}'));
    await daemon.stop();
    daemon = await TestDaemon.start({
      root: dirs.root,
      state: dirs.state,
      args: ['--add-runtime', `other=${RUNC}`],
    });
    assert.equal(await inspect('lasting', '{{.State.Status}} {{.State.Pid}}'), `running ${pid}`);
    assert.equal((await ok('exec', 'lasting', 'echo', 'still here')).trim(), 'still here');
    await ok('rm', '-f', 'lasting');
    assert.deepEqual(runcList(dirs.state, 'runc'), []);
  });
});

describe('the daemon’s runtime flags', { skip }, () => {
  it('--default-runtime runc: containers created without --runtime run on runc', async () => {
    const dirs = await tempDirs('berth-runtime-default-');
    const work = mkdtempSync(join(tmpdir(), 'berth-runtime-default-work-'));
    const daemon = await TestDaemon.start({
      root: dirs.root,
      state: dirs.state,
      args: ['--default-runtime', 'runc'],
    });
    const berth = (args: string[]) =>
      runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { timeoutMs: 60_000 });
    try {
      assert.equal((await berth(['import', makeBusyboxTarball(work, join(work, 'b.tar')), IMAGE])).code, 0);
      const r = await berth(['run', '--name', 'dflt', IMAGE, 'sh', '-c', 'exit 5']);
      assert.equal(r.code, 5, r.stderr);
      assert.equal((await berth(['inspect', '-f', '{{.HostConfig.Runtime}}', 'dflt'])).stdout.trim(), 'runc');
      const info = JSON.parse((await httpRequest(dirs.socket, 'GET', '/info')).body) as {
        DefaultRuntime: string;
      };
      assert.equal(info.DefaultRuntime, 'runc');
      const own = await berth(['run', '--rm', '--runtime', 'berth', IMAGE, 'true']);
      assert.equal(own.code, 0, own.stderr);
      await berth(['rm', '-f', 'dflt']);
    } finally {
      await daemon.stop();
      rmSync(work, { recursive: true, force: true });
      await dirs.cleanup();
    }
  });

  it('refuses an unknown default runtime and a bad --add-runtime, exit 125', async () => {
    const dirs = await tempDirs('berth-runtime-flags-');
    try {
      const base = ['daemon', '--root', dirs.root, '--state', dirs.state, '--bridge', 'none'];
      const unknown = await runBerth([...base, '--default-runtime', 'nope']);
      assert.equal(unknown.code, 125);
      assert.match(unknown.stderr, /--default-runtime nope: no such runtime/);
      const missing = await runBerth([...base, '--add-runtime', 'x=/no/such/runtime']);
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /--add-runtime x=\/no\/such\/runtime: no executable file/);
      const reserved = await runBerth([...base, '--add-runtime', `berth=${RUNC}`]);
      assert.equal(reserved.code, 125);
      assert.match(reserved.stderr, /"berth" is reserved/);
    } finally {
      await dirs.cleanup();
    }
  });
});
