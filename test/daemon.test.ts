// The daemon and the CLI as a user runs them: `bin/berth daemon` on temporary
// roots, the Engine API over its socket, auto-start, and the Docker CLI against it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cleanEnv,
  daemonPidOf,
  ensureBuilt,
  findDocker,
  httpRequest,
  pidAlive,
  run,
  runBerth,
  stopPid,
  type TempDirs,
  TestDaemon,
  tempDirs,
  waitFor,
} from './helpers/berth.ts';
import { makeBusyboxTarball } from './helpers/busybox.ts';

const PKG_VERSION = '0.1.0';

describe('berth daemon: the Engine API', () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
  });
  after(async () => {
    await daemon?.stop();
    await dirs?.cleanup();
  });

  it('listens on <state>/berth.sock with mode 0660', () => {
    const st = statSync(dirs.socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(daemonPidOf(dirs.root), daemon.pid);
  });

  it('answers GET and HEAD /_ping with OK and Docker headers', async () => {
    const res = await httpRequest(dirs.socket, 'GET', '/_ping');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'OK');
    assert.equal(res.headers['api-version'], '1.47');
    assert.equal(res.headers['builder-version'], '1');
    assert.equal(res.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.equal(res.headers.pragma, 'no-cache');
    assert.equal(res.headers['docker-experimental'], 'false');
    assert.equal(res.headers.ostype, 'linux');
    assert.equal(res.headers.server, `Berth/${PKG_VERSION} (linux)`);
    const head = await httpRequest(dirs.socket, 'HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['api-version'], '1.47');
  });

  it('serves /version in Docker shape', async () => {
    const res = await httpRequest(dirs.socket, 'GET', '/version');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const v = JSON.parse(res.body);
    assert.equal(v.Version, PKG_VERSION);
    assert.equal(v.ApiVersion, '1.47');
    assert.equal(v.MinAPIVersion, '1.41');
    assert.equal(v.GoVersion, process.version);
    assert.equal(v.Os, 'linux');
    assert.equal(typeof v.Arch, 'string');
    assert.equal(typeof v.KernelVersion, 'string');
    assert.ok(!Number.isNaN(Date.parse(v.BuildTime)));
    assert.equal(typeof v.GitCommit, 'string');
    assert.equal(v.Platform.Name, 'Berth Engine');
    assert.equal(v.Components[0].Name, 'Engine');
    assert.equal(v.Components[0].Version, PKG_VERSION);
    assert.equal(v.Components[0].Details.ApiVersion, '1.47');
  });

  it('serves /info in Docker shape', async () => {
    const res = await httpRequest(dirs.socket, 'GET', '/info');
    assert.equal(res.status, 200);
    const info = JSON.parse(res.body);
    for (const key of [
      'Containers',
      'ContainersRunning',
      'ContainersPaused',
      'ContainersStopped',
      'Images',
    ]) {
      assert.equal(info[key], 0, key);
    }
    assert.equal(info.DockerRootDir, dirs.root);
    assert.equal(info.ServerVersion, PKG_VERSION);
    assert.equal(info.OSType, 'linux');
    assert.equal(info.CgroupVersion, existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1');
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.ok(info.NCPU >= 1);
    assert.ok(info.MemTotal > 0);
    assert.equal(typeof info.ID, 'string');
    assert.ok(info.ID.length > 0);
    assert.equal(typeof info.Driver, 'string');
    assert.ok(Array.isArray(info.DriverStatus));
    assert.ok(Array.isArray(info.SecurityOptions));
    assert.equal(info.DefaultRuntime, 'berth');
    assert.ok(info.Runtimes.berth);
    assert.equal(info.Swarm.LocalNodeState, 'inactive');
    assert.equal(typeof info.OperatingSystem, 'string');
    assert.equal(typeof info.KernelVersion, 'string');
    assert.equal(typeof info.Name, 'string');
  });

  it('keeps the engine ID across requests', async () => {
    const a = JSON.parse((await httpRequest(dirs.socket, 'GET', '/info')).body).ID;
    const b = JSON.parse((await httpRequest(dirs.socket, 'GET', '/v1.41/info')).body).ID;
    assert.equal(a, b);
  });

  it('accepts version prefixes from 1.41 to 1.47', async () => {
    for (const v of ['1.41', '1.44', '1.47']) {
      const res = await httpRequest(dirs.socket, 'GET', `/v${v}/version`);
      assert.equal(res.status, 200, v);
      assert.equal(JSON.parse(res.body).Version, PKG_VERSION);
    }
    assert.equal((await httpRequest(dirs.socket, 'GET', '/v1.41/_ping')).body, 'OK');
  });

  it('refuses a client version below 1.41 with Docker message', async () => {
    const res = await httpRequest(dirs.socket, 'GET', '/v1.40/version');
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), {
      message:
        'client version 1.40 is too old. Minimum supported API version is 1.41, please upgrade your client to a newer version',
    });
  });

  it('refuses a client version above 1.47', async () => {
    const res = await httpRequest(dirs.socket, 'GET', '/v9.99/version');
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), {
      message: 'client version 9.99 is too new. Maximum supported API version is 1.47',
    });
  });

  it('answers an unknown path, or a known one with another method, with 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/v1.41/nope/deeper'],
      ['DELETE', '/version'],
    ]) {
      const res = await httpRequest(dirs.socket, method!, path!);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), { message: 'page not found' });
    }
  });

  it('refuses a second daemon on the same root, naming the root and the pid', async () => {
    const other = await tempDirs();
    try {
      const r = await runBerth(['daemon', '--root', dirs.root, '--state', other.state]);
      assert.notEqual(r.code, 0);
      assert.equal(
        r.stderr.trim(),
        `berth daemon: another daemon is already using root ${dirs.root} (pid ${daemon.pid}); stop it first or pass --root`,
      );
      assert.ok(!existsSync(other.socket), 'the refused daemon must not create a socket');
      // The first daemon is unharmed.
      assert.equal((await httpRequest(dirs.socket, 'GET', '/_ping')).status, 200);
      assert.equal(daemonPidOf(dirs.root), daemon.pid);
    } finally {
      await other.cleanup();
    }
  });

  it('refuses to take over a socket another daemon is serving', async () => {
    const other = await tempDirs();
    try {
      const r = await runBerth(['daemon', '--root', other.root, '--state', dirs.state]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /another server is already listening on .*berth\.sock/);
      assert.equal((await httpRequest(dirs.socket, 'GET', '/_ping')).status, 200);
    } finally {
      await other.cleanup();
    }
  });

  it('talks to a chosen daemon with -H unix://…', async () => {
    const r = await runBerth(['-H', `unix://${dirs.socket}`, 'info', '--format', '{{.DockerRootDir}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${dirs.root}\n`);
    const env = await runBerth(['version', '--format', '{{.Server.Version}} {{.Client.ApiVersion}}'], {
      BERTH_HOST: `unix://${dirs.socket}`,
    });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stdout, `${PKG_VERSION} 1.47\n`);
  });

  it('prints version and info for people', async () => {
    const v = await runBerth(['-H', `unix://${dirs.socket}`, 'version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^Client:\n Version: +0\.1\.0\n API version: +1\.47\n/);
    assert.match(
      v.stdout,
      /\nServer: Berth Engine\n Engine:\n {2}Version: +0\.1\.0\n {2}API version: +1\.47 \(minimum version 1\.41\)\n/,
    );
    const i = await runBerth(['-H', `unix://${dirs.socket}`, 'info']);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /\nServer:\n Containers: 0\n {2}Running: 0\n/);
    assert.ok(i.stdout.includes(`\n Berth Root Dir: ${dirs.root}\n`));
    const j = await runBerth(['-H', `unix://${dirs.socket}`, 'info', '--format', 'json']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).DockerRootDir, dirs.root);
  });

  it('says Docker words for an error from the daemon', async () => {
    const r = await runBerth(['-H', `unix://${dirs.socket}`, 'info', '--format', '{{.Nope.Deeper}}']);
    // A field of a missing key prints <no value>, as Go does for maps.
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '<no value>\n');
    const bad = await runBerth(['-H', `unix://${dirs.socket}`, 'info', '--format', '{{.ID.Deeper}}']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /can't evaluate field Deeper in type string/);
  });

  it('works with the Docker CLI', async (t) => {
    const docker = findDocker();
    if (!docker) {
      t.skip('the Docker CLI (/usr/local/bin/docker or docker on PATH) is not installed');
      return;
    }
    const config = await mkdtemp(join(tmpdir(), 'berth-docker-config-'));
    try {
      const env = cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}`, DOCKER_CONFIG: config });
      const v = await run(docker, ['version'], { env });
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /Server: Berth Engine/);
      assert.match(v.stdout, /Engine:\n\s+Version:\s+0\.1\.0\n/);
      const f = await run(docker, ['version', '--format', '{{.Server.Version}}'], { env });
      assert.equal(f.stdout, `${PKG_VERSION}\n`);
      const i = await run(docker, ['info'], { env });
      assert.equal(i.code, 0, i.stderr);
      assert.match(i.stdout, /Server Version: 0\.1\.0/);
      assert.ok(i.stdout.includes(`Docker Root Dir: ${dirs.root}`));
      const rootDir = await run(docker, ['info', '--format', '{{.DockerRootDir}}'], { env });
      assert.equal(rootDir.stdout, `${dirs.root}\n`);
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });
});

describe('berth daemon: lifecycle', () => {
  it('runs two daemons side by side on different roots and states', async () => {
    const a = await tempDirs();
    const b = await tempDirs();
    const started: TestDaemon[] = [];
    try {
      started.push(await TestDaemon.start({ root: a.root, state: a.state }));
      started.push(await TestDaemon.start({ root: b.root, state: b.state }));
      const ra = JSON.parse((await httpRequest(a.socket, 'GET', '/info')).body);
      const rb = JSON.parse((await httpRequest(b.socket, 'GET', '/info')).body);
      assert.equal(ra.DockerRootDir, a.root);
      assert.equal(rb.DockerRootDir, b.root);
      assert.notEqual(ra.ID, rb.ID);
      // An image imported through one daemon is not seen by the other.
      const tarball = makeBusyboxTarball(a.dir, join(a.dir, 'busybox.tar'));
      const imported = await runBerth(['-H', `unix://${a.socket}`, 'import', tarball, 'only-in-a:1']);
      assert.equal(imported.code, 0, imported.stderr);
      const inA = await runBerth(['-H', `unix://${a.socket}`, 'images', '-q', 'only-in-a']);
      const inB = await runBerth(['-H', `unix://${b.socket}`, 'images', '-q', 'only-in-a']);
      assert.equal(inA.stdout.trim().length, 12);
      assert.equal(inB.stdout, '');
      const missing = await runBerth(['-H', `unix://${b.socket}`, 'image', 'inspect', 'only-in-a:1']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /No such image: only-in-a:1/);
    } finally {
      for (const d of started) await d.stop();
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('shuts down on SIGTERM and SIGINT: exit 0, socket and pid file removed', async () => {
    const dirs = await tempDirs();
    try {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const d = await TestDaemon.start({ root: dirs.root, state: dirs.state });
        assert.ok(existsSync(dirs.socket));
        const exit = await d.stop(signal);
        assert.deepEqual(exit, { code: 0, signal: null }, d.stderr);
        assert.ok(!existsSync(dirs.socket), 'socket removed');
        assert.ok(!existsSync(join(dirs.root, 'berthd.pid')), 'pid file removed');
        assert.match(d.stderr, /^time="[^"]+" level=info msg="API listening"/m);
        assert.match(d.stderr, /msg="daemon stopped"/);
      }
    } finally {
      await dirs.cleanup();
    }
  });

  it('replaces the stale socket of a killed daemon, whose root lock died with it', async () => {
    const dirs = await tempDirs();
    try {
      const first = await TestDaemon.start({ root: dirs.root, state: dirs.state });
      await first.stop('SIGKILL');
      assert.ok(existsSync(dirs.socket), 'a killed daemon leaves its socket file');
      const second = await TestDaemon.start({ root: dirs.root, state: dirs.state });
      try {
        assert.match(second.stderr, /removing stale socket/);
        assert.equal((await httpRequest(dirs.socket, 'GET', '/_ping')).body, 'OK');
      } finally {
        await second.stop();
      }
    } finally {
      await dirs.cleanup();
    }
  });

  it('listens where -H says', async () => {
    const dirs = await tempDirs();
    const sock = join(dirs.dir, 'elsewhere', 'custom.sock');
    try {
      const d = await TestDaemon.start({ root: dirs.root, state: dirs.state, host: `unix://${sock}` });
      try {
        assert.ok(!existsSync(dirs.socket));
        assert.equal((await httpRequest(sock, 'GET', '/_ping')).body, 'OK');
      } finally {
        await d.stop();
      }
      assert.ok(!existsSync(sock));
    } finally {
      await dirs.cleanup();
    }
  });
});

describe('berth: auto-start', () => {
  it('starts a daemon for BERTH_ROOT and BERTH_STATE when none answers', async () => {
    const dirs = await tempDirs();
    const env = { BERTH_ROOT: dirs.root, BERTH_STATE: dirs.state };
    try {
      const r = await runBerth(['version'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\nServer: Berth Engine\n Engine:\n {2}Version: +0\.1\.0\n/);
      const pid = daemonPidOf(dirs.root);
      assert.ok(pid && pidAlive(pid), 'the auto-started daemon runs');
      assert.ok(existsSync(join(dirs.root, 'berthd.log')));
      // The next command finds it rather than starting another.
      const again = await runBerth(['info', '--format', '{{.DockerRootDir}}'], env);
      assert.equal(again.stdout, `${dirs.root}\n`);
      assert.equal(daemonPidOf(dirs.root), pid);
    } finally {
      const pid = daemonPidOf(dirs.root);
      if (pid) await stopPid(pid);
      await dirs.cleanup();
    }
  });

  it('ends with one daemon when two commands auto-start at once', async () => {
    const dirs = await tempDirs();
    const env = { BERTH_ROOT: dirs.root, BERTH_STATE: dirs.state };
    try {
      const results = await Promise.all([
        runBerth(['version', '--format', '{{.Server.Version}}'], env),
        runBerth(['info', '--format', '{{.ServerVersion}}'], env),
        runBerth(['version', '--format', '{{.Server.Version}}'], env),
      ]);
      for (const r of results) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${PKG_VERSION}\n`);
      }
      const pid = daemonPidOf(dirs.root);
      assert.ok(pid && pidAlive(pid));
      // Losers exit once refused; wait until only daemons that hold the lock remain.
      await waitFor(() => daemonsFor(dirs.root).length <= 1, 'losing daemons to exit');
      assert.deepEqual(daemonsFor(dirs.root), [pid]);
    } finally {
      for (const pid of daemonsFor(dirs.root)) await stopPid(pid);
      await dirs.cleanup();
    }
  });

  it('does not auto-start for an explicit -H elsewhere', async () => {
    const dirs = await tempDirs();
    try {
      const r = await runBerth(['-H', `unix://${join(dirs.dir, 'none.sock')}`, 'info'], {
        BERTH_ROOT: dirs.root,
        BERTH_STATE: dirs.state,
      });
      assert.equal(r.code, 125);
      assert.match(
        r.stderr,
        /Cannot connect to the berth daemon at unix:\/\/.*none\.sock\. Is the berth daemon running\?/,
      );
      assert.ok(!existsSync(dirs.root), 'no daemon was started');
    } finally {
      await dirs.cleanup();
    }
  });
});

describe('berth: usage errors', () => {
  it('follows Docker for unknown commands, flags and argument counts', async () => {
    const unknown = await runBerth(['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'\n");
    const flag = await runBerth(['version', '--bogus']);
    assert.equal(flag.code, 125);
    assert.equal(flag.stderr, "unknown flag: --bogus\nSee 'berth version --help'.\n");
    const short = await runBerth(['info', '-zq']);
    assert.equal(short.code, 125);
    assert.match(short.stderr, /^unknown shorthand flag: 'z' in -zq\n/);
    const args = await runBerth(['version', 'extra']);
    assert.equal(args.code, 1);
    assert.match(
      args.stderr,
      /^"berth version" accepts no arguments\.\nSee 'berth version --help'\.\n\nUsage: {2}berth version \[OPTIONS\]\n/,
    );
    const needs = await runBerth(['version', '--format']);
    assert.equal(needs.code, 125);
    assert.match(needs.stderr, /^flag needs an argument: --format\n/);
  });

  it('prints help and the version without a daemon', async () => {
    const help = await runBerth(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: {2}berth \[OPTIONS\] COMMAND/);
    for (const cmd of ['version', 'info', 'daemon', 'help'])
      assert.match(help.stdout, new RegExp(`\\n  ${cmd} +\\S`));
    const cmdHelp = await runBerth(['help', 'version']);
    assert.equal(cmdHelp.code, 0);
    assert.match(cmdHelp.stdout, /Usage: {2}berth version \[OPTIONS\]/);
    assert.match(cmdHelp.stdout, /-f, --format string/);
    const group = await runBerth(['system']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /\n {2}info +Display system-wide information/);
    const v = await runBerth(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^Berth version 0\.1\.0, build \S+\n$/);
  });
});

/** PIDs of `berth daemon --root ROOT` processes, from /proc. */
function daemonsFor(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.indexOf('daemon');
    if (i > 0 && argv[i + 1] === '--root' && argv[i + 2] === root) pids.push(Number(name));
  }
  return pids;
}
