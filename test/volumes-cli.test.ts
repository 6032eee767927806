// Volumes and container administration as a user meets them, as root on the real
// kernel: `bin/berth` against a daemon on a temporary root with the busybox test
// image. Named volumes outlive their containers, anonymous ones go with `rm -v` and
// `--rm`, `volume rm` refuses a volume in use, prunes remove what they should and
// report it, `update` changes a running container's cgroup, and /info and
// `system df` count containers and volumes. Then the docker CLI does the same.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
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
const IMAGE = 'busybox:vol';
const CGROUP_V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

/** A cgroup control file of container `id`, for v1 (`controller/berth/id/file`) or v2 (`berth/id/file`). */
function cgroupFile(id: string, v1: [string, string], v2: string): string {
  return CGROUP_V2 ? `/sys/fs/cgroup/berth/${id}/${v2}` : `/sys/fs/cgroup/${v1[0]}/berth/${id}/${v1[1]}`;
}

describe('berth volumes, prunes, update, info and system df', { skip }, () => {
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
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await httpRequest(
      dirs.socket,
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
    );
    return { status: r.status, json: r.body.trim() ? JSON.parse(r.body) : undefined };
  };
  const volumeNames = async () => (await ok('volume', 'ls', '-q')).split('\n').filter(Boolean);
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await sleep(50);
    }
    assert.fail(`gave up waiting: ${what}`);
  }
  async function removeAll(): Promise<void> {
    const ids = (await berth(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await berth(['rm', '-f', ...ids]);
    const volumes = (await berth(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    if (volumes.length) await berth(['volume', 'rm', '-f', ...volumes]);
  }

  before(async () => {
    dirs = await tempDirs('berth-volumes-');
    work = mkdtempSync(join(tmpdir(), 'berth-volumes-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    await ok('import', tarball, IMAGE);
  });
  after(async () => {
    if (daemon) {
      await removeAll();
      await daemon.stop();
    }
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('a named volume keeps what one container wrote for the next; ls, create and inspect show it', async () => {
    await ok('run', '--rm', '-v', 'data:/data', IMAGE, 'sh', '-c', 'echo kept > /data/file');
    assert.equal(await ok('run', '--rm', '-v', 'data:/data', IMAGE, 'cat', '/data/file'), 'kept\n');
    assert.equal((await ok('volume', 'create', '--label', 'team=a', 'other')).trim(), 'other');
    assert.equal((await ok('volume', 'create', 'other')).trim(), 'other', 'create is idempotent');
    const clash = await berth(['volume', 'create', '--name', 'a1', 'b1']);
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, /cannot specify a volume-name through both --name and as a positional arg/);
    assert.match(await ok('volume', 'ls'), /^DRIVER +VOLUME NAME\nlocal +data\nlocal +other\n$/);
    assert.deepEqual(await volumeNames(), ['data', 'other']);
    assert.equal(await ok('volume', 'ls', '-q', '-f', 'label=team=a'), 'other\n');
    assert.equal(await ok('volume', 'ls', '-q', '-f', 'name=dat'), 'data\n');
    assert.equal(
      await ok('volume', 'ls', '--format', '{{.Name}}:{{.Labels}}', '-f', 'name=oth'),
      'other:team=a\n',
    );
    const json = JSON.parse(await ok('volume', 'ls', '--format', 'json', '-f', 'name=data'));
    assert.deepEqual(json, {
      Availability: 'N/A',
      Driver: 'local',
      Group: 'N/A',
      Labels: '',
      Links: 'N/A',
      Mountpoint: join(dirs.root, 'volumes', 'data', '_data'),
      Name: 'data',
      Scope: 'local',
      Size: 'N/A',
      Status: 'N/A',
    });
    const [doc] = JSON.parse(await ok('volume', 'inspect', 'data'));
    assert.equal(doc.Name, 'data');
    assert.equal(doc.Driver, 'local');
    assert.equal(doc.Scope, 'local');
    assert.match(doc.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(readFileSync(join(doc.Mountpoint, 'file'), 'utf8'), 'kept\n');
    assert.equal((await ok('volume', 'inspect', '-f', '{{.Labels.team}}', 'other')).trim(), 'a');
    assert.equal(
      await inspect('other', '{{.Name}} {{.Driver}}'),
      'other local',
      '`inspect` finds volumes too',
    );
    const missing = await berth(['volume', 'inspect', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '[]\n');
    assert.equal(missing.stderr, 'Error response from daemon: get nope: no such volume\n');
    const bad = await berth(['volume', 'create', '-o', 'foo=bar', 'opts']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid option: "foo"/);
    assert.equal((await ok('volume', 'rm', 'data', 'other')).trim(), 'data\nother');
    assert.deepEqual(await volumeNames(), []);
  });

  it("the volume endpoints answer in Docker's shapes and statuses", async () => {
    const created = await api('POST', '/volumes/create', { Name: 'apivol', Labels: { k: 'v' } });
    assert.equal(created.status, 201);
    assert.equal(created.json.Name, 'apivol');
    const random = await api('POST', '/volumes/create', {});
    assert.equal(random.status, 201);
    assert.match(random.json.Name, /^[0-9a-f]{64}$/);
    const list = await api('GET', '/volumes');
    assert.equal(list.status, 200);
    assert.equal(list.json.Warnings, null);
    assert.deepEqual(
      list.json.Volumes.map((v: { Name: string }) => v.Name).sort(),
      ['apivol', random.json.Name].sort(),
    );
    assert.equal(list.json.Volumes[0].UsageData, undefined, 'only df reports usage');
    const filtered = await api('GET', `/volumes?filters=${encodeURIComponent('{"label":["k=v"]}')}`);
    assert.deepEqual(
      filtered.json.Volumes.map((v: { Name: string }) => v.Name),
      ['apivol'],
    );
    assert.equal((await api('GET', '/volumes/nope')).status, 404);
    assert.equal((await api('GET', `/volumes?filters=${encodeURIComponent('{"bogus":["1"]}')}`)).status, 400);
    // a named volume, with or without a name given, is pruned only with all=true
    const pruned = await api('POST', '/volumes/prune');
    assert.deepEqual(pruned.json, { VolumesDeleted: null, SpaceReclaimed: 0 });
    const old = await api('POST', `/v1.41/volumes/prune?filters=${encodeURIComponent('{"label":["k=v"]}')}`);
    assert.deepEqual(
      old.json,
      { VolumesDeleted: ['apivol'], SpaceReclaimed: 0 },
      'API 1.41 prunes named volumes',
    );
    const all = await api('POST', `/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`);
    assert.deepEqual(all.json, { VolumesDeleted: [random.json.Name], SpaceReclaimed: 0 });
    assert.equal((await api('DELETE', '/volumes/apivol')).status, 404);
    assert.equal((await api('DELETE', '/volumes/apivol?force=1')).status, 204);
    const update = await api('POST', '/containers/nope/update', { Memory: 64 * 1024 * 1024 });
    assert.equal(update.status, 404);
    assert.equal(
      (await api('POST', `/containers/prune?filters=${encodeURIComponent('{"x":["1"]}')}`)).status,
      400,
    );
  });

  it('volume rm refuses a volume a container uses, naming the container', async () => {
    const id = (await ok('run', '-d', '--name', 'holder', '-v', 'busy:/data', IMAGE, 'sleep', '1000')).trim();
    const refused = await berth(['volume', 'rm', 'busy']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `Error response from daemon: remove busy: volume is in use - [${id}]\n`);
    assert.equal((await berth(['volume', 'rm', '-f', 'busy'])).code, 1, '-f does not remove a volume in use');
    await ok('stop', '-t', '0', 'holder');
    assert.equal((await berth(['volume', 'rm', 'busy'])).code, 1, 'a stopped container still uses it');
    assert.equal(await ok('volume', 'ls', '-q', '-f', 'dangling=true'), '');
    await ok('rm', 'holder');
    assert.equal(await ok('volume', 'ls', '-q', '-f', 'dangling=true'), 'busy\n');
    assert.equal(await ok('volume', 'rm', 'busy'), 'busy\n');
    const gone = await berth(['volume', 'rm', 'busy']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, 'Error response from daemon: get busy: no such volume\n');
    assert.equal((await berth(['volume', 'rm', '-f', 'busy'])).code, 0, '-f ignores a missing volume');
  });

  it('anonymous volumes go with rm -v and --rm; volume prune removes only them unless -a', async () => {
    await ok('run', '--name', 'anon', '-v', '/scratch', IMAGE, 'sh', '-c', 'echo x > /scratch/x');
    const anon = await inspect('anon', '{{range .Mounts}}{{.Name}}{{end}}');
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.deepEqual(await volumeNames(), [anon]);
    assert.equal(
      (await ok('volume', 'inspect', '-f', '{{json .Labels}}', anon)).trim(),
      '{"com.docker.volume.anonymous":""}',
    );
    await ok('rm', '-v', 'anon');
    assert.deepEqual(await volumeNames(), [], 'rm -v removed the anonymous volume');

    await ok('run', '--rm', '-v', '/scratch', IMAGE, 'true');
    await until(
      '--rm to remove the container and its volume',
      async () => (await volumeNames()).length === 0,
    );

    // an anonymous volume left by a container removed without -v, and a named one nobody uses
    await ok(
      'run',
      '--name',
      'anon2',
      '-v',
      '/scratch',
      IMAGE,
      'sh',
      '-c',
      'head -c 1500 /dev/zero > /scratch/z',
    );
    const left = await inspect('anon2', '{{range .Mounts}}{{.Name}}{{end}}');
    await ok('rm', 'anon2');
    await ok('volume', 'create', 'named');
    assert.deepEqual((await volumeNames()).sort(), [left, 'named'].sort());

    const declined = await berth(['volume', 'prune'], 'n\n');
    assert.equal(
      declined.stdout,
      'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ',
    );
    assert.equal((await volumeNames()).length, 2, 'answering no removes nothing');
    assert.equal(
      await ok('volume', 'prune', '-f'),
      `Deleted Volumes:\n${left}\n\nTotal reclaimed space: 1.5kB\n`,
    );
    assert.deepEqual(await volumeNames(), ['named']);
    assert.equal(await ok('volume', 'prune', '-f'), 'Total reclaimed space: 0B\n');
    assert.equal(
      await ok('volume', 'prune', '-f', '-a'),
      'Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n',
    );
    assert.deepEqual(await volumeNames(), []);
  });

  it('update changes the running container’s cgroup limits and inspect shows them', async () => {
    const id = (await ok('run', '-d', '--name', 'upd', '--memory', '32m', IMAGE, 'sleep', '1000')).trim();
    const memFile = cgroupFile(id, ['memory', 'memory.limit_in_bytes'], 'memory.max');
    assert.equal(readFileSync(memFile, 'utf8').trim(), String(32 * 1024 * 1024));
    assert.equal(
      await ok('update', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50', 'upd'),
      'upd\n',
    );
    assert.equal(readFileSync(memFile, 'utf8').trim(), String(64 * 1024 * 1024));
    if (CGROUP_V2) {
      assert.equal(readFileSync(cgroupFile(id, ['', ''], 'cpu.max'), 'utf8').trim(), '50000 100000');
    } else {
      assert.equal(readFileSync(cgroupFile(id, ['cpu', 'cpu.cfs_quota_us'], ''), 'utf8').trim(), '50000');
    }
    assert.equal(readFileSync(cgroupFile(id, ['pids', 'pids.max'], 'pids.max'), 'utf8').trim(), '50');
    assert.equal(
      await inspect('upd', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}'),
      `${64 * 1024 * 1024} 500000000 50`,
    );
    await ok('update', '--restart', 'on-failure:3', 'upd');
    assert.equal(
      await inspect(
        'upd',
        '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}',
      ),
      'on-failure:3',
    );
    // beyond the swap limit that --memory 32m set (64m), without raising it: Docker's refusal
    const over = await berth(['update', '--memory', '100m', 'upd']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /Memory limit should be smaller than already set memoryswap limit/);
    await ok('update', '--memory', '100m', '--memory-swap', '200m', 'upd');
    assert.equal(readFileSync(memFile, 'utf8').trim(), String(100 * 1024 * 1024));
    const small = await berth(['update', '--memory', '1m', 'upd']);
    assert.equal(small.code, 1);
    assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
    const none = await berth(['update', 'upd']);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /you must provide one or more flags when using this command/);
    const missing = await berth(['update', '-m', '64m', 'upd', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, 'upd\n');
    assert.equal(missing.stderr, 'Error response from daemon: No such container: nope\n');

    // a container without limits takes one; a stopped container gets its new limit at start
    const free = (await ok('run', '-d', '--name', 'free', IMAGE, 'sleep', '1000')).trim();
    await ok('update', '-m', '48m', 'free');
    assert.equal(
      readFileSync(cgroupFile(free, ['memory', 'memory.limit_in_bytes'], 'memory.max'), 'utf8').trim(),
      String(48 * 1024 * 1024),
    );
    await ok('stop', '-t', '0', 'free');
    await ok('update', '-m', '40m', 'free');
    await ok('start', 'free');
    assert.equal(
      readFileSync(cgroupFile(free, ['memory', 'memory.limit_in_bytes'], 'memory.max'), 'utf8').trim(),
      String(40 * 1024 * 1024),
    );
    await ok('rm', '-f', 'upd', 'free');
  });

  it('container prune removes the stopped containers and reports their layers', async () => {
    const created = (await ok('create', IMAGE, 'true')).trim();
    await ok('run', '--name', 'big', IMAGE, 'sh', '-c', 'head -c 100000 /dev/zero > /big');
    const big = await inspect('big', '{{.Id}}');
    await ok('run', '--name', 'kept', '-l', 'keep=1', IMAGE, 'true');
    await ok('run', '-d', '--name', 'running', IMAGE, 'sleep', '1000');
    const declined = await berth(['container', 'prune'], '\n');
    assert.equal(
      declined.stdout,
      'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ',
    );
    const out = await ok('container', 'prune', '-f', '--filter', 'label!=keep');
    const m = /^Deleted Containers:\n([0-9a-f\n]+)\n\nTotal reclaimed space: (.+)\n$/.exec(out);
    assert.ok(m, out);
    assert.deepEqual(m[1].split('\n').sort(), [created, big].sort());
    assert.equal(m[2], '100kB');
    assert.deepEqual((await ok('ps', '-a', '--format', '{{.Names}}')).split('\n').filter(Boolean).sort(), [
      'kept',
      'running',
    ]);
    assert.equal(await ok('container', 'prune', '-f', '--filter', 'until=1h'), 'Total reclaimed space: 0B\n');
    await ok('rm', '-f', 'kept', 'running');
  });

  it('/info counts containers by state; system df shows containers and volumes', async () => {
    await ok(
      'run',
      '-d',
      '--name',
      'up',
      '-v',
      'dfvol:/data',
      IMAGE,
      'sh',
      '-c',
      'head -c 2000 /dev/zero > /data/z; sleep 1000',
    );
    await ok('run', '-d', '--name', 'paused', IMAGE, 'sleep', '1000');
    await ok('pause', 'paused');
    await ok('run', '--name', 'down', IMAGE, 'sh', '-c', 'head -c 3000 /dev/zero > /f');
    await ok('create', '--name', 'fresh', IMAGE, 'true');
    await ok('volume', 'create', 'unused');
    const info = (await api('GET', '/info')).json;
    assert.deepEqual(
      [info.Containers, info.ContainersRunning, info.ContainersPaused, info.ContainersStopped],
      [4, 1, 1, 2],
    );
    const text = await ok('info');
    assert.match(text, /Containers: 4\n +Running: 1\n +Paused: 1\n +Stopped: 2\n/);

    await until('the container wrote to its volume', async () => {
      const df = (await api('GET', '/system/df')).json;
      return df.Volumes.some((v: { Name: string; UsageData: { Size: number } }) => v.UsageData.Size === 2000);
    });
    const df = (await api('GET', '/system/df')).json;
    const byName = (n: string) => df.Containers.find((c: { Names: string[] }) => c.Names[0] === `/${n}`);
    assert.equal(df.Containers.length, 4);
    assert.equal(byName('down').SizeRw, 3000);
    assert.equal(byName('fresh').SizeRw, 0);
    assert.ok(byName('down').SizeRootFs > 3000);
    const volumes = Object.fromEntries(
      df.Volumes.map((v: { Name: string; UsageData: unknown }) => [v.Name, v.UsageData]),
    );
    assert.deepEqual(volumes, { dfvol: { Size: 2000, RefCount: 1 }, unused: { Size: 0, RefCount: 0 } });

    const lines = (await ok('system', 'df')).trimEnd().split('\n');
    assert.match(lines[2], /^Containers +4 +2 +3kB +3kB \(100%\)$/);
    assert.match(lines[3], /^Local Volumes +2 +1 +2kB +0B \(0%\)$/);
    const verbose = await ok('system', 'df', '-v');
    assert.match(verbose, /\nCONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES\n/);
    assert.match(
      verbose,
      /\n[0-9a-f]{12} +busybox:vol +"sh -c 'head -c 3000…" +0 +3kB +.* ago +Exited \(0\) .* down\n/,
    );
    assert.match(verbose, /\nVOLUME NAME +LINKS +SIZE\ndfvol +1 +2kB\nunused +0 +0B\n/);
    await ok('unpause', 'paused');
    await removeAll();
  });

  it('system prune asks, then removes stopped containers, dangling images and with --volumes anonymous volumes', async () => {
    const dangling = (await ok('import', tarball)).trim();
    await ok('run', '--name', 'stopped', '-v', '/anon', IMAGE, 'sh', '-c', 'head -c 5000 /dev/zero > /f');
    const stopped = await inspect('stopped', '{{.Id}}');
    const anon = await inspect('stopped', '{{range .Mounts}}{{.Name}}{{end}}');
    await ok('run', '-d', '--name', 'alive', IMAGE, 'sleep', '1000');
    await ok('volume', 'create', 'named');

    const declined = await berth(['system', 'prune', '--volumes', '--filter', 'label=x'], 'no\n');
    assert.equal(
      declined.stdout,
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all anonymous volumes not used by at least one container\n  - all dangling images\n' +
        '  - all dangling build cache\n\n' +
        '  Items to be pruned will be filtered with:\n  - label=x\n\nAre you sure you want to continue? [y/N] ',
    );
    assert.equal(await inspect(stopped, '{{.State.Status}}'), 'exited', 'answering no removes nothing');

    const out = await ok('system', 'prune', '-f');
    assert.match(
      out,
      new RegExp(
        `^Deleted Containers:\\n${stopped}\\n\\nDeleted Images:\\ndeleted: ${dangling}\\n\\nTotal reclaimed space: \\S+\\n$`,
      ),
    );
    assert.equal(await ok('ps', '-a', '--format', '{{.Names}}'), 'alive\n');
    assert.deepEqual(
      (await volumeNames()).sort(),
      [anon, 'named'].sort(),
      'without --volumes the volumes stay',
    );
    assert.ok((await ok('images', '-q', '--no-trunc')).includes((await inspect(IMAGE, '{{.Id}}')).trim()));

    const withVolumes = await ok('system', 'prune', '-f', '--volumes');
    assert.equal(withVolumes, `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
    assert.deepEqual(await volumeNames(), ['named']);
    const piped = await berth(['system', 'prune'], 'y\n');
    assert.equal(piped.code, 0);
    assert.match(piped.stdout, /\[y\/N\] Total reclaimed space: 0B\n$/);
    await removeAll();
  });

  it('the docker CLI manages volumes, prunes, updates and reads system df on berthd', {
    skip: findDocker() ? undefined : 'no docker CLI',
  }, async () => {
    const docker = findDocker()!;
    const env = { ...process.env, DOCKER_HOST: `unix://${dirs.socket}` } as Record<string, string>;
    const d = async (...args: string[]) => {
      const r = await run(docker, args, { env });
      assert.equal(r.code, 0, `docker ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
      return r.stdout;
    };
    assert.equal(await d('volume', 'create', '--label', 'by=docker', 'dv'), 'dv\n');
    assert.match(await d('volume', 'ls'), /^DRIVER +VOLUME NAME\nlocal +dv\n$/);
    const [doc] = JSON.parse(await d('volume', 'inspect', 'dv'));
    assert.equal(doc.Labels.by, 'docker');
    assert.equal(doc.Mountpoint, join(dirs.root, 'volumes', 'dv', '_data'));
    const r = await run(docker, ['run', '--rm', '-v', 'dv:/data', IMAGE, 'sh', '-c', 'echo hi > /data/f'], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(doc.Mountpoint, 'f'), 'utf8'), 'hi\n');

    const id = (await d('run', '-d', '--name', 'dk', '-m', '32m', IMAGE, 'sleep', '1000')).trim();
    assert.equal(await d('update', '-m', '48m', 'dk'), 'dk\n');
    assert.equal(
      readFileSync(cgroupFile(id, ['memory', 'memory.limit_in_bytes'], 'memory.max'), 'utf8').trim(),
      String(48 * 1024 * 1024),
    );
    assert.equal((await d('inspect', '-f', '{{.HostConfig.Memory}}', 'dk')).trim(), String(48 * 1024 * 1024));

    await d('run', '--name', 'dkstopped', IMAGE, 'true');
    const stopped = (await d('inspect', '-f', '{{.Id}}', 'dkstopped')).trim();
    assert.equal(
      await d('container', 'prune', '-f'),
      `Deleted Containers:\n${stopped}\n\nTotal reclaimed space: 0B\n`,
    );

    // the same questions, answered no
    for (const args of [
      ['container', 'prune'],
      ['volume', 'prune'],
      ['volume', 'prune', '-a'],
    ]) {
      const theirs = await run(docker, args, { env, input: 'n\n' });
      const ours = await berth(args, 'n\n');
      assert.equal(ours.stdout, theirs.stdout, args.join(' '));
      assert.equal(ours.code, theirs.code, args.join(' '));
    }

    const dockerDf = await d('system', 'df');
    const berthDf = await ok('system', 'df');
    assert.equal(dockerDf, berthDf);
    assert.match(dockerDf, /\nContainers +1 +1 +/);
    assert.match(dockerDf, /\nLocal Volumes +1 +0 +3B +3B \(100%\)\n/);
    assert.equal(await d('system', 'df', '--format', 'json'), await ok('system', 'df', '--format', 'json'));

    await d('rm', '-f', 'dk');
    assert.equal(await d('volume', 'rm', 'dv'), 'dv\n');
    assert.equal(await d('volume', 'ls', '-q'), '');
  });
});
