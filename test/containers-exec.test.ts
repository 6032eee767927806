// exec, attach, top, stats and health checks as a user runs them, as root on the real
// kernel: `bin/berth` (and the docker CLI, when installed) against a daemon on a
// temporary root with the busybox test image. exec's output, status, stdin, -e,
// --env-file, -u, -w, -t, -d and --privileged; Docker's 126/127 and its refusals for
// stopped and paused containers; health checks from starting to healthy, a failing one
// to unhealthy, a timed-out one, and an image's check turned off with --no-healthcheck.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BERTH_BIN,
  cleanEnv,
  findDocker,
  httpRequest,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs, cgroups)' : busyboxMissing();
const IMAGE = 'busybox:exec';
const CHECKED_IMAGE = 'busybox:checked';

/** A docker-archive of the busybox layer whose config has a HEALTHCHECK (import cannot set one). */
async function imageWithHealthcheck(work: string, layerTar: string): Promise<string> {
  const dir = join(work, 'checked');
  mkdirSync(dir, { recursive: true });
  copyFileSync(layerTar, join(dir, 'layer.tar'));
  const diffId = `sha256:${createHash('sha256').update(readFileSync(layerTar)).digest('hex')}`;
  const config = {
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    config: {
      Cmd: ['sleep', '1000'],
      Healthcheck: { Test: ['CMD-SHELL', 'echo from-image'], Interval: 1e9 },
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: 'config.json', RepoTags: [CHECKED_IMAGE], Layers: ['layer.tar'] }]),
  );
  const file = join(work, 'checked.tar');
  const r = await run('tar', ['-cf', file, '-C', dir, 'config.json', 'manifest.json', 'layer.tar']);
  assert.equal(r.code, 0, r.stderr);
  return file;
}

describe('berth exec, attach, top, stats and health checks', { skip }, () => {
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
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await sleep(50);
    }
    assert.fail(`gave up waiting: ${what}`);
  }
  const api = (method: string, path: string, body?: unknown) =>
    httpRequest(dirs.socket, method, path, body === undefined ? undefined : JSON.stringify(body));

  before(async () => {
    dirs = await tempDirs('berth-exec-');
    work = mkdtempSync(join(tmpdir(), 'berth-exec-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const layer = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    await ok('import', layer, IMAGE);
    await ok('load', '-i', await imageWithHealthcheck(work, layer));
    await ok('run', '-d', '--name', 'box', IMAGE, 'sleep', '1000');
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('exec prints the output, keeps stderr apart and exits with the status', async () => {
    const r = await berth(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 3);
    assert.equal((await ok('exec', 'box', 'echo', 'plain')).trim(), 'plain');
  });

  it('exec -i passes stdin; without -i the command reads nothing', async () => {
    const r = await berth(['exec', '-i', 'box', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    assert.equal(r.stdout, 'line one\nline two\ndone\n', r.stderr);
    assert.equal(r.code, 0);
    const closed = await berth(['exec', 'box', 'sh', '-c', 'cat; echo end'], 'ignored\n');
    assert.equal(closed.stdout, 'end\n');
  });

  it("exec has the container's environment with -e and --env-file over it, -u and -w", async () => {
    const envFile = join(work, 'exec.env');
    writeFileSync(envFile, '# comment\nFROM_FILE=file\nBOTH=file\n');
    const out = await ok(
      'exec',
      '--env-file',
      envFile,
      '-e',
      'BOTH=flag',
      '-e',
      'FOO=bar',
      'box',
      'sh',
      '-c',
      'echo $FOO $FROM_FILE $BOTH $HOME; echo $PATH; echo $HOSTNAME',
    );
    const id = await inspect('box', '{{.Id}}');
    assert.equal(
      out,
      `bar file flag /root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n${id.slice(0, 12)}\n`,
    );
    assert.equal(
      await ok('exec', '-u', 'nobody', '-w', '/tmp', 'box', 'sh', '-c', 'id; pwd; echo $HOME'),
      'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n/tmp\n/\n',
    );
    assert.equal((await ok('exec', '-u', '1234:5678', 'box', 'id')).trim(), 'uid=1234 gid=5678 groups=5678');
    const ghost = await berth(['exec', '-u', 'ghost', 'box', 'true']);
    assert.equal(ghost.code, 126);
    assert.match(ghost.stdout, /unable to find user ghost: no matching entries in passwd file/);
  });

  it("exec keeps the container's confinement unless --privileged", async () => {
    const status = (args: string[]) =>
      ok('exec', ...args, 'box', 'sh', '-c', 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status');
    const plain = await status([]);
    assert.match(plain, /Seccomp:\t2/);
    assert.match(plain, /CapEff:\t00000000a80425fb/);
    const privileged = await status(['--privileged']);
    assert.match(privileged, /Seccomp:\t0/);
    assert.doesNotMatch(privileged, /CapEff:\t00000000a80425fb/);
    const nobody = await status(['-u', 'nobody']);
    assert.match(nobody, /CapEff:\t0000000000000000/);
  });

  it('exec exits 127 for a command not found and 126 for one that cannot run', async () => {
    const missing = await berth(['exec', 'box', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stdout, /exec: "no-such-command": executable file not found in \$PATH/);
    const notExecutable = await berth(['exec', 'box', '/etc/passwd']);
    assert.equal(notExecutable.code, 126);
    assert.match(notExecutable.stdout, /permission denied/);
  });

  it('exec -t gives the command a terminal; -d runs it in the background', async () => {
    const r = await berth(['exec', '-t', 'box', 'sh', '-c', 'test -t 0 && test -t 1 && echo terminal; tty']);
    assert.equal(r.stdout, 'terminal\r\n/dev/pts/0\r\n', r.stderr);
    assert.equal(r.code, 0);
    assert.equal(await ok('exec', '-d', 'box', 'sh', '-c', 'sleep 0.2; echo later > /tmp/detached'), '');
    await until('the detached command wrote its file', async () => {
      const c = await berth(['exec', 'box', 'cat', '/tmp/detached']);
      return c.stdout === 'later\n';
    });
  });

  it('exec on a stopped or paused container is refused with Docker words', async () => {
    const id = (await ok('create', '--name', 'stopped', IMAGE, 'true')).trim();
    const r = await berth(['exec', 'stopped', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error response from daemon: container ${id} is not running\n`);
    await ok('pause', 'box');
    try {
      const paused = await berth(['exec', 'box', 'true']);
      assert.equal(paused.code, 125);
      assert.match(paused.stderr, /container box is paused, unpause the container before exec/);
    } finally {
      await ok('unpause', 'box');
    }
    const none = await berth(['exec', 'no-such-container', 'true']);
    assert.match(none.stderr, /No such container: no-such-container/);
  });

  it('the exec API reports the exit code, pid and process; resize is accepted', async () => {
    const created = await api('POST', '/v1.43/containers/box/exec', {
      Cmd: ['sh', '-c', 'exit 4'],
      AttachStdout: true,
    });
    assert.equal(created.status, 201, created.body);
    const { Id } = JSON.parse(created.body) as { Id: string };
    const before = JSON.parse((await api('GET', `/v1.43/exec/${Id}/json`)).body);
    assert.equal(before.Running, false);
    assert.equal(before.ExitCode, null);
    const started = await api('POST', `/v1.43/exec/${Id}/start`, { Detach: true });
    assert.equal(started.status, 200, started.body);
    let doc: {
      Running: boolean;
      ExitCode: number;
      Pid: number;
      ProcessConfig: unknown;
      ContainerID: string;
    } = before;
    await until('the exec ended', async () => {
      doc = JSON.parse((await api('GET', `/v1.43/exec/${Id}/json`)).body);
      return !doc.Running;
    });
    assert.equal(doc.ExitCode, 4);
    assert.ok(doc.Pid > 0);
    assert.equal(doc.ContainerID, await inspect('box', '{{.Id}}'));
    assert.deepEqual(doc.ProcessConfig, {
      tty: false,
      entrypoint: 'sh',
      arguments: ['-c', 'exit 4'],
      privileged: false,
    });
    const again = await api('POST', `/v1.43/exec/${Id}/start`, { Detach: true });
    assert.equal(again.status, 409);
    assert.equal((await api('POST', `/v1.43/exec/${Id}/resize?h=24&w=80`)).status, 200);
    assert.equal((await api('GET', '/v1.43/exec/nope/json')).status, 404);
    const noCmd = await api('POST', '/v1.43/containers/box/exec', { Cmd: [] });
    assert.equal(noCmd.status, 400);
  });

  it('attach joins a running container and exits with its status; signals are passed on', async () => {
    await ok('run', '-d', '-i', '--name', 'reader', IMAGE, 'sh', '-c', 'read line; echo got $line; exit 7');
    const r = await berth(['attach', 'reader'], 'hello\n');
    assert.equal(r.stdout, 'got hello\n', r.stderr);
    assert.equal(r.code, 7);
    const stopped = await berth(['attach', 'reader']);
    assert.equal(stopped.code, 125);
    assert.match(stopped.stderr, /You cannot attach to a stopped container, start it first/);

    await ok(
      'run',
      '-d',
      '--name',
      'ticker',
      IMAGE,
      'sh',
      '-c',
      'trap "echo term; exit 9" TERM; while :; do echo tick; sleep 0.1; done',
    );
    const child = spawn(process.execPath, [BERTH_BIN, '-H', `unix://${dirs.socket}`, 'attach', 'ticker'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until('attached', async () => out.includes('tick'));
      child.kill('SIGTERM');
      assert.equal(await exited, 9, 'SIGTERM went to the container, which exited 9');
      assert.match(out, /term\n$/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('top lists the processes of the container, with ps options', async () => {
    await ok('exec', '-d', 'box', 'sleep', '999');
    await until('the exec runs', async () => (await ok('top', 'box')).includes('sleep 999'));
    const table = (await ok('top', 'box')).split('\n').filter(Boolean);
    assert.match(table[0], /^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    const rows = table.slice(1);
    assert.ok(
      rows.some((l) => /\ssleep 1000$/.test(l)),
      table.join('\n'),
    );
    assert.ok(rows.some((l) => /\ssleep 999$/.test(l)));
    assert.ok(
      !rows.some((l) => /node|berth/.test(l)),
      `only the container's processes:\n${table.join('\n')}`,
    );
    const pid = await inspect('box', '{{.State.Pid}}');
    const custom = await ok('top', 'box', '-o', 'pid,comm');
    assert.match(custom, new RegExp(`^PID +COMMAND\n${pid} +sleep\n`));
    const refused = await berth(['top', 'stopped']);
    assert.match(refused.stderr, /is not running/);
  });

  it('stats --no-stream shows memory in use and the pids, from two samples', async () => {
    const table = await ok('stats', '--no-stream', 'box');
    const [header, row] = table.split('\n');
    assert.match(
      header,
      /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/,
    );
    const id = await inspect('box', '{{.Id}}');
    assert.ok(row.startsWith(`${id.slice(0, 12)}   box `), row);
    const json = JSON.parse(await ok('stats', '--no-stream', '--format', 'json', 'box')) as Record<
      string,
      string
    >;
    assert.equal(json.Name, 'box');
    assert.match(json.CPUPerc, /^\d+\.\d\d%$/);
    assert.match(json.MemUsage, /^[\d.]+[KMG]iB \/ [\d.]+[KMG]iB$/);
    assert.ok(Number(json.PIDs) >= 1);
    const listed = await ok('stats', '--no-stream', '--format', '{{.Name}}');
    assert.ok(listed.split('\n').includes('box'));
    assert.ok(!listed.split('\n').includes('stopped'), 'only running containers without -a');
    assert.ok(
      (await ok('stats', '--no-stream', '-a', '--format', '{{.Name}} {{.MemUsage}}')).includes(
        'stopped 0B / 0B',
      ),
    );

    const res = await api('GET', '/v1.43/containers/box/stats?stream=0');
    assert.equal(res.status, 200);
    const doc = JSON.parse(res.body);
    assert.ok(doc.memory_stats.usage > 0);
    assert.ok(doc.memory_stats.limit > 0);
    assert.ok(doc.pids_stats.current >= 1);
    assert.ok(doc.cpu_stats.system_cpu_usage > doc.precpu_stats.system_cpu_usage, 'two samples');
    assert.ok(doc.precpu_stats.system_cpu_usage > 0);
    assert.ok(doc.cpu_stats.online_cpus >= 1);
    assert.notEqual(doc.preread, '0001-01-01T00:00:00Z');
    assert.equal(doc.name, '/box');
    assert.ok(!('networks' in doc));
    const oneShot = JSON.parse((await api('GET', '/v1.43/containers/box/stats?stream=0&one-shot=1')).body);
    assert.equal(oneShot.preread, '0001-01-01T00:00:00Z');
  });

  it('a health check goes from starting to healthy, shown by inspect and ps', async () => {
    await ok(
      'run',
      '-d',
      '--name',
      'checked',
      '--health-cmd',
      'test -e /tmp/ready && echo ready',
      '--health-interval',
      '100ms',
      '--health-retries',
      '100000',
      IMAGE,
      'sleep',
      '1000',
    );
    // it fails until the file exists, but never enough times in a row to be unhealthy
    assert.equal(await inspect('checked', '{{.State.Health.Status}}'), 'starting');
    assert.match(
      await ok('ps', '--filter', 'name=checked', '--format', '{{.Status}}'),
      /^Up .+ \(health: starting\)\n$/,
    );
    await ok('exec', 'checked', 'touch', '/tmp/ready');
    await until('healthy', async () => (await inspect('checked', '{{.State.Health.Status}}')) === 'healthy');
    assert.match(
      await ok('ps', '--filter', 'name=checked', '--format', '{{.Status}}'),
      /^Up .+ \(healthy\)\n$/,
    );
    const health = JSON.parse(await inspect('checked', '{{json .State.Health}}'));
    assert.equal(health.FailingStreak, 0);
    assert.ok(health.Log.length >= 1 && health.Log.length <= 5);
    assert.deepEqual(
      { ExitCode: health.Log.at(-1).ExitCode, Output: health.Log.at(-1).Output },
      { ExitCode: 0, Output: 'ready\n' },
    );
    await ok('stop', '-t', '0', 'checked');
    assert.equal(
      await inspect('checked', '{{.State.Health.Status}}'),
      'unhealthy',
      'stopped: unhealthy, as Docker',
    );
  });

  it('a failing health check makes the container unhealthy after Retries failures; a slow one times out', async () => {
    await ok(
      'run',
      '-d',
      '--name',
      'failing',
      '--health-cmd',
      'echo bad; exit 1',
      '--health-interval',
      '100ms',
      '--health-retries',
      '2',
      IMAGE,
      'sleep',
      '1000',
    );
    await until(
      'unhealthy',
      async () => (await inspect('failing', '{{.State.Health.Status}}')) === 'unhealthy',
    );
    const health = JSON.parse(await inspect('failing', '{{json .State.Health}}'));
    assert.ok(health.FailingStreak >= 2);
    assert.equal(health.Log.at(-1).ExitCode, 1);
    assert.equal(health.Log.at(-1).Output, 'bad\n');
    assert.match(await ok('ps', '--filter', 'name=failing', '--format', '{{.Status}}'), /\(unhealthy\)\n$/);

    await ok(
      'run',
      '-d',
      '--name',
      'slow',
      '--health-cmd',
      'sleep 30',
      '--health-interval',
      '100ms',
      '--health-timeout',
      '200ms',
      '--health-retries',
      '1',
      IMAGE,
      'sleep',
      '1000',
    );
    await until('unhealthy', async () => (await inspect('slow', '{{.State.Health.Status}}')) === 'unhealthy');
    const slow = JSON.parse(await inspect('slow', '{{json .State.Health}}'));
    assert.equal(slow.Log[0].ExitCode, -1);
    assert.equal(slow.Log[0].Output, 'Health check exceeded timeout (200ms)');
    await ok('rm', '-f', 'failing', 'slow');
  });

  it("an image's health check runs unless --no-healthcheck turns it off", async () => {
    await ok('run', '-d', '--name', 'from-image', CHECKED_IMAGE);
    await until(
      'healthy',
      async () => (await inspect('from-image', '{{.State.Health.Status}}')) === 'healthy',
    );
    assert.equal(
      JSON.parse(await inspect('from-image', '{{json .State.Health}}')).Log.at(-1).Output,
      'from-image\n',
    );
    await ok('run', '-d', '--name', 'unchecked', '--no-healthcheck', CHECKED_IMAGE);
    assert.equal(await inspect('unchecked', '{{json .State.Health}}'), 'null');
    assert.match(await ok('ps', '--filter', 'name=unchecked', '--format', '{{.Status}}'), /^Up [^(]+\n$/);
    await ok('rm', '-f', 'from-image', 'unchecked');
  });

  it('the docker CLI runs exec, top and stats on berthd', {
    skip: findDocker() ? undefined : 'no docker CLI',
  }, async () => {
    const docker = findDocker()!;
    const env = { ...process.env, DOCKER_HOST: `unix://${dirs.socket}` } as Record<string, string>;
    const d = (args: string[], input?: string) => run(docker, args, { env, input });
    const r = await d(['exec', 'box', 'sh', '-c', 'echo from docker; echo err >&2; exit 5']);
    assert.equal(r.stdout, 'from docker\n', r.stderr);
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 5);
    const piped = await d(
      [
        'exec',
        '-i',
        '-e',
        'X=1',
        '-u',
        'nobody',
        '-w',
        '/tmp',
        'box',
        'sh',
        '-c',
        'cat; echo $X; id -u; pwd',
      ],
      'in\n',
    );
    assert.equal(piped.stdout, 'in\n1\n65534\n/tmp\n', piped.stderr);
    const missing = await d(['exec', 'box', 'no-such-command']);
    assert.equal(missing.code, 127);
    await ok('create', '--name', 'docker-stopped', IMAGE, 'true');
    const stopped = await d(['exec', 'docker-stopped', 'true']);
    assert.notEqual(stopped.code, 0);
    assert.match(stopped.stderr, /is not running/);
    const tty = await d(['exec', '-t', 'box', 'sh', '-c', 'tty']);
    assert.equal(tty.stdout, '/dev/pts/0\r\n');
    const top = await d(['top', 'box']);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /^UID +PID +PPID/);
    assert.match(top.stdout, /sleep 1000/);
    const stats = await d(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'box']);
    assert.equal(stats.code, 0, stats.stderr);
    const [name, used, , , pids] = stats.stdout.trim().split(' ');
    assert.equal(name, 'box');
    assert.match(used, /^[\d.]+[KMG]iB$/);
    assert.ok(Number(pids) >= 1);
  });
});
