// berth's container commands as a user runs them, as root on the real kernel:
// `bin/berth` against a daemon on a temporary root with the busybox test image.
// run (output, stdin, exit codes), the container layer (writes land there, the
// image stays as it was, rm deletes it), the lifecycle (create, start, stop,
// kill, restart, pause, rename, wait, rm), logs, inspect, restart policies,
// containers that outlive a daemon restart, and the docker CLI driving berthd.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BERTH_BIN,
  findDocker,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { ptyMissing, runInPty } from './helpers/pty.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs, cgroups)' : busyboxMissing();
const IMAGE = 'busybox:ctr';

describe('berth container commands', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const berth = (args: string[], input?: string) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { input, timeoutMs: 60_000 });
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (ref: string, format: string) =>
    (await ok('inspect', '--format', format, ref)).trim();
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await sleep(50);
    }
    assert.fail(`gave up waiting: ${what}`);
  }

  before(async () => {
    dirs = await tempDirs('berth-containers-');
    work = mkdtempSync(join(tmpdir(), 'berth-containers-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    await ok('import', makeBusyboxTarball(work, join(work, 'busybox.tar')), IMAGE);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('run prints the output, keeps stderr apart and exits with the status', async () => {
    const r = await berth(['run', '--rm', IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 7);
    assert.equal((await ok('ps', '-aq')).trim(), '', '--rm removed the container');
  });

  it('run -i passes stdin; a missing command exits 127', async () => {
    const r = await berth(['run', '-i', '--rm', IMAGE, 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    assert.equal(r.stdout, 'line one\nline two\ndone\n', r.stderr);
    const missing = await berth(['run', '--rm', IMAGE, 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /no-such-command: no such file or directory/);
    const bad = await berth(['run', '--rm', '--memory', '1x', IMAGE, 'true']);
    assert.equal(bad.code, 125);
  });

  it('writes land in the container layer; the image stays as it was; rm deletes the layer', async () => {
    const id = (
      await ok(
        'run',
        '-d',
        '--name',
        'writer',
        IMAGE,
        'sh',
        '-c',
        'echo new > /new; rm /bin/echo; sleep 1000',
      )
    ).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const upper = await inspect('writer', '{{.GraphDriver.Data.UpperDir}}');
    await until('the container wrote its file', async () => existsSync(join(upper, 'new')));
    assert.equal(readFileSync(join(upper, 'new'), 'utf8'), 'new\n');
    // a fresh container from the same image sees none of it
    const other = await berth(['run', '--rm', IMAGE, 'sh', '-c', 'cat /new 2>&1; ls /bin/echo']);
    assert.equal(other.stdout, "cat: can't open '/new': No such file or directory\n/bin/echo\n");
    await ok('rm', '-f', 'writer');
    assert.equal(existsSync(upper), false, 'the container layer is gone');
    assert.equal(existsSync(join(dirs.root, 'containers', id)), false);
  });

  it('create, start, stop, restart, kill, pause, rename, wait and rm go through the states', async () => {
    // pid 1 of a container gets only the signals it handles: this one handles USR1
    const script = 'trap "exit 9" USR1; while :; do sleep 1; done';
    const id = (await ok('create', '--name', 'life', IMAGE, 'sh', '-c', script)).trim();
    assert.equal(await inspect(id, '{{.State.Status}}'), 'created');
    assert.equal((await ok('start', 'life')).trim(), 'life');
    assert.equal(await inspect('life', '{{.State.Status}} {{.State.Running}}'), 'running true');
    const pid = Number(await inspect('life', '{{.State.Pid}}'));
    assert.ok(existsSync(`/proc/${pid}`));
    assert.match(await ok('ps'), /life\n$/);
    await ok('pause', 'life');
    assert.equal(await inspect('life', '{{.State.Status}}'), 'paused');
    await ok('unpause', 'life');
    await ok('rename', 'life', 'life2');
    const busy = await berth(['rm', 'life2']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /stop the container before removing or force remove/);
    assert.equal((await ok('stop', '-t', '1', 'life2')).trim(), 'life2');
    // it does not handle SIGTERM, so stop ends it with SIGKILL after the timeout
    assert.equal(await inspect('life2', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    await ok('restart', '-t', '0', 'life2');
    assert.equal(await inspect('life2', '{{.State.Status}}'), 'running');
    const waiting = berth(['wait', 'life2']);
    await ok('kill', '-s', 'USR1', 'life2');
    assert.equal((await waiting).stdout, '9\n');
    const dup = await berth(['create', '--name', 'life2', IMAGE, 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /The container name "\/life2" is already in use/);
    assert.equal((await ok('rm', 'life2')).trim(), 'life2');
  });

  it('--read-only refuses writes outside volumes; resource flags land in the cgroup files', async () => {
    const ro = await berth([
      'run',
      '--rm',
      '--read-only',
      '-v',
      'rodata:/data',
      IMAGE,
      'sh',
      '-c',
      'echo x > /data/ok && echo x > /nope',
    ]);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(await ok('run', '--rm', '-v', 'rodata:/data', IMAGE, 'cat', '/data/ok'), 'x\n');
    const id = (
      await ok('run', '-d', '--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', IMAGE, 'sleep', '1000')
    ).trim();
    const v1 = existsSync('/sys/fs/cgroup/memory/berth');
    const read = (v1file: string, v2file: string) =>
      readFileSync(
        v1 ? `/sys/fs/cgroup/${v1file.replace('ID', id)}` : `/sys/fs/cgroup/berth/${id}/${v2file}`,
        'utf8',
      ).trim();
    assert.equal(read('memory/berth/ID/memory.limit_in_bytes', 'memory.max'), String(64 * 1024 * 1024));
    assert.equal(read('pids/berth/ID/pids.max', 'pids.max'), '50');
    assert.equal(v1 ? read('cpu/berth/ID/cpu.cfs_quota_us', '') : read('', 'cpu.max').split(' ')[0], '50000');
    await ok('rm', '-f', id);
    await ok('volume', 'rm', 'rodata');
  });

  it('logs shows what the container printed, with --tail and -t', async () => {
    await ok(
      'run',
      '--name',
      'talker',
      IMAGE,
      'sh',
      '-c',
      'for i in 1 2 3; do echo line $i; done; echo oops >&2',
    );
    const all = await berth(['logs', 'talker']);
    assert.equal(all.stdout, 'line 1\nline 2\nline 3\n');
    assert.equal(all.stderr, 'oops\n');
    assert.equal((await ok('logs', '--tail', '1', 'talker')).trim(), '');
    const stamped = await ok('logs', '-t', '--tail', '4', 'talker');
    assert.match(stamped, /^\d{4}-\d\d-\d\dT[\d:.]+Z line 1\n/);
    const follow = await berth([
      'run',
      '-d',
      '--name',
      'ticker',
      IMAGE,
      'sh',
      '-c',
      'echo a; sleep 1; echo b',
    ]);
    assert.equal(follow.code, 0);
    assert.equal(await ok('logs', '-f', 'ticker'), 'a\nb\n');
    await ok('rm', 'talker', 'ticker');
  });

  it("inspect shows Docker's shape: config merged with the image, state, mounts", async () => {
    await ok('create', '--name', 'shape', '-e', 'A=1', '-w', '/tmp', '-l', 'k=v', IMAGE, 'sh', '-c', 'true');
    const [doc] = JSON.parse(await ok('inspect', 'shape'));
    assert.equal(doc.Name, '/shape');
    assert.equal(doc.Path, 'sh');
    assert.deepEqual(doc.Args, ['-c', 'true']);
    assert.equal(doc.Config.WorkingDir, '/tmp');
    assert.ok(doc.Config.Env.includes('A=1'));
    assert.equal(doc.Config.Labels.k, 'v');
    assert.equal(doc.State.Status, 'created');
    assert.equal(doc.Image.startsWith('sha256:'), true);
    const nope = await berth(['container', 'inspect', 'nope']);
    assert.notEqual(nope.code, 0);
    assert.match(nope.stderr, /No such container: nope/);
    await ok('rm', 'shape');
  });

  it('restarts a container by its policy: on-failure:2 gives up after two restarts', async () => {
    await ok('run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'exit 3');
    await until('two restarts and the last exit', async () => {
      const s = await inspect('flaky', '{{.RestartCount}} {{.State.Status}}');
      return s === '2 exited';
    });
    assert.equal(await inspect('flaky', '{{.State.ExitCode}}'), '3');
    await ok('rm', 'flaky');
  });

  it('a running container outlives a daemon restart and is found again', async () => {
    await ok('run', '-d', '--name', 'survivor', IMAGE, 'sh', '-c', 'echo before; sleep 1000');
    const pid = Number(await inspect('survivor', '{{.State.Pid}}'));
    await daemon.stop();
    assert.ok(existsSync(`/proc/${pid}`), 'the container kept running without a daemon');
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    assert.equal(await inspect('survivor', '{{.State.Status}} {{.State.Pid}}'), `running ${pid}`);
    assert.equal(await ok('logs', 'survivor'), 'before\n');
    await ok('stop', '-t', '0', 'survivor');
    assert.equal(await inspect('survivor', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    await ok('rm', 'survivor');
    assert.deepEqual(readdirSync(join(dirs.root, 'containers')), []);
  });

  it('run -it gives the container a terminal, driven from a real pty', { skip: ptyMissing() }, async () => {
    const env = { ...process.env, BERTH_HOST: `unix://${dirs.socket}` };
    const r = runInPty(
      [process.execPath, BERTH_BIN, 'run', '-it', '--rm', IMAGE, 'sh'],
      'tty; echo "in $((6*7))"; exit 3\r',
      env,
    );
    assert.equal(r.status, 3, r.output);
    assert.match(r.output, /\/dev\/pts\/0\r\n/);
    assert.match(r.output, /in 42\r\n/);
    const docker = findDocker();
    if (!docker) return;
    const d = runInPty([docker, 'run', '-it', '--rm', IMAGE, 'sh'], 'echo "docker $((6*7))"; exit 4\r', {
      ...process.env,
      DOCKER_HOST: `unix://${dirs.socket}`,
    });
    assert.equal(d.status, 4, d.output);
    assert.match(d.output, /docker 42\r\n/);
  });

  it('the docker CLI runs containers on berthd', {
    skip: findDocker() ? undefined : 'no docker CLI',
  }, async () => {
    const docker = findDocker()!;
    const env = { ...process.env, DOCKER_HOST: `unix://${dirs.socket}` } as Record<string, string>;
    const d = (...args: string[]) => run(docker, args, { env });
    const r = await d('run', '--rm', IMAGE, 'sh', '-c', 'echo from docker; exit 5');
    assert.equal(r.stdout, 'from docker\n', r.stderr);
    assert.equal(r.code, 5);
    const piped = await run(docker, ['run', '-i', '--rm', IMAGE, 'cat'], { env, input: 'via stdin\n' });
    assert.equal(piped.stdout, 'via stdin\n', piped.stderr);
    assert.equal((await d('run', '-d', '--name', 'dk', IMAGE, 'sh', '-c', 'echo hi; sleep 1000')).code, 0);
    const ps = await d('ps', '--format', '{{.Names}} {{.Image}} {{.State}}');
    assert.equal(ps.stdout, `dk ${IMAGE} running\n`);
    await until('the log line', async () => (await d('logs', 'dk')).stdout === 'hi\n');
    assert.equal((await d('stop', '-t', '0', 'dk')).code, 0);
    assert.equal((await d('inspect', '--format', '{{.State.ExitCode}}', 'dk')).stdout, '137\n');
    assert.equal((await d('rm', 'dk')).code, 0);
    // logs -f ends with the container; wait gives its status; exec -it on a pty; rm -f of a running one
    assert.equal(
      (await d('run', '-d', '--name', 'dk2', IMAGE, 'sh', '-c', 'echo one; sleep 1; echo two; exit 6')).code,
      0,
    );
    assert.equal((await d('logs', '-f', 'dk2')).stdout, 'one\ntwo\n');
    assert.equal((await d('wait', 'dk2')).stdout, '6\n');
    assert.equal((await d('run', '-d', '--name', 'dk3', IMAGE, 'sleep', '1000')).code, 0);
    const it = runInPty([docker, 'exec', '-it', 'dk3', 'sh'], 'tty; exit 2\r', env);
    assert.equal(it.status, 2, it.output);
    assert.match(it.output, /\/dev\/pts\/\d+\r\n/);
    assert.equal((await d('rm', '-f', 'dk2', 'dk3')).code, 0);
    assert.equal((await d('ps', '-aq')).stdout, '');
  });
});
