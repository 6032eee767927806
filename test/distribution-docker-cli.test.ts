// The docker CLI driving berthd's registry endpoints (DOCKER_HOST on berth's
// socket, no dockerd anywhere): `docker push`, `docker pull` (by tag, by
// digest, every tag) and `docker login` work, and `docker pull` prints what
// `berth pull` prints.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cleanEnv,
  ensureBuilt,
  findDocker,
  type RunResult,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { registryMissing, TestRegistry } from './helpers/registry.ts';

const docker = findDocker();
const skip = docker ? (registryMissing() ?? busyboxMissing()) : 'the Docker CLI is not installed';

describe('the docker CLI pulling and pushing through berthd', { skip }, () => {
  let registry: TestRegistry;
  let secured: TestRegistry;
  const daemons: { dirs: TempDirs; daemon: TestDaemon }[] = [];
  let work: string;
  let tarball: string;

  async function daemon() {
    const dirs = await tempDirs('berth-docker-registry-');
    const d = { dirs, daemon: await TestDaemon.start({ root: dirs.root, state: dirs.state }) };
    daemons.push(d);
    return d;
  }
  const envOf = (d: { dirs: TempDirs }, config = 'docker-config') =>
    cleanEnv({ DOCKER_HOST: `unix://${d.dirs.socket}`, DOCKER_CONFIG: join(work, config) });
  async function dockerOk(env: Record<string, string>, ...args: string[]): Promise<string> {
    const r: RunResult = await run(docker!, args, { env });
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  async function berthOk(d: { dirs: TempDirs }, ...args: string[]): Promise<string> {
    const r = await runBerth(['-H', `unix://${d.dirs.socket}`, ...args], {
      DOCKER_CONFIG: join(work, 'docker-config'),
    });
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }

  before(async () => {
    ensureBuilt();
    registry = await TestRegistry.start();
    secured = await TestRegistry.start({ users: { bob: 'builder' } });
    work = await mkdtemp(join(tmpdir(), 'berth-docker-registry-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
  });
  after(async () => {
    for (const d of daemons) {
      await d.daemon.stop();
      await d.dirs.cleanup();
    }
    await Promise.all([registry?.stop(), secured?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('docker push, then docker pull into another berthd, prints what berth pull prints', async () => {
    const [a, b, c] = [await daemon(), await daemon(), await daemon()];
    const name = `${registry.host}/docker/box:v1`;
    await berthOk(a, 'import', tarball, name);
    const pushed = await dockerOk(envOf(a), 'push', name);
    assert.match(
      pushed,
      new RegExp(`^The push refers to repository \\[${registry.host}/docker/box\\]$`, 'm'),
    );
    assert.match(pushed, /^[0-9a-f]{12}: Pushed$/m);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed)?.[1];
    assert.ok(digest, pushed);

    const byDocker = await dockerOk(envOf(b), 'pull', name);
    const byBerth = await berthOk(c, 'pull', name);
    const lines = (s: string) => s.trim().split('\n');
    // Layers finish in any order; the lines are the same.
    assert.deepEqual(lines(byDocker).sort(), lines(byBerth).sort());
    assert.deepEqual(lines(byDocker).slice(-3), [
      `Digest: ${digest}`,
      `Status: Downloaded newer image for ${name}`,
      name,
    ]);
    const [inspected] = JSON.parse(await dockerOk(envOf(b), 'image', 'inspect', name));
    assert.deepEqual(inspected.RepoDigests, [`${registry.host}/docker/box@${digest}`]);
    assert.equal(inspected.Id, JSON.parse(await berthOk(a, 'image', 'inspect', name))[0].Id);
  });

  it('docker pull by digest and with --all-tags', async () => {
    const [a, b] = [await daemon(), await daemon()];
    const repo = `${registry.host}/docker/tags`;
    await berthOk(a, 'import', tarball, `${repo}:x`);
    await berthOk(a, 'tag', `${repo}:x`, `${repo}:y`);
    const pushed = await dockerOk(envOf(a), 'push', '--all-tags', repo);
    const digest = /^x: digest: (sha256:[0-9a-f]{64})/m.exec(pushed)![1];
    const byDigest = await dockerOk(envOf(b), 'pull', `${repo}@${digest}`);
    assert.match(byDigest, new RegExp(`Status: Downloaded newer image for ${repo}@${digest}`));
    const all = await dockerOk(envOf(b), 'pull', '-a', repo);
    assert.match(all, /^x: Pulling from docker\/tags$/m);
    assert.match(all, /^y: Pulling from docker\/tags$/m);
    const tags = (await dockerOk(envOf(b), 'images', '--format', '{{.Tag}}', repo)).trim().split('\n').sort();
    assert.deepEqual(tags, ['x', 'y']);
  });

  it('docker login through berthd, then push and pull with the stored credentials', async () => {
    const [a, b] = [await daemon(), await daemon()];
    const name = `${secured.host}/team/app:1`;
    await berthOk(a, 'import', tarball, name);
    const refused = await run(docker!, ['push', name], { env: envOf(a, 'secured') });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /unauthorized/);
    const bad = await run(
      'sh',
      ['-c', `printf wrong | "${docker}" login -u bob --password-stdin ${secured.host}`],
      {
        env: envOf(a, 'secured'),
      },
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /401 Unauthorized/);
    const login = await run(
      'sh',
      ['-c', `printf builder | "${docker}" login -u bob --password-stdin ${secured.host}`],
      {
        env: envOf(a, 'secured'),
      },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    await dockerOk(envOf(a, 'secured'), 'push', name);
    const pulled = await dockerOk(envOf(b, 'secured'), 'pull', name);
    assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${name}`));
  });
});
