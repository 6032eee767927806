// Real clients against berth's registry server: skopeo (up, back, across repositories, as
// OCI and as Docker schema2), podman (pull, push) and the Docker engine (pull, push) on a
// private dockerd. A tool that cannot run here is skipped with the reason.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, waitFor } from './helpers/berth.ts';
import { busyboxMissing } from './helpers/busybox.ts';
import { http, makeBusyboxLayout, startRegistry, type TestRegistry } from './registry-helpers.ts';

async function ok(file: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await run(file, args, {
    timeoutMs,
    env: { ...process.env, HOME: process.env.HOME ?? '/root' } as Record<string, string>,
  });
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const missing = (tool: string) => (existsSync(tool) ? undefined : `${tool} is not installed`);

describe('registry interop', () => {
  let r: TestRegistry;
  let work: string;
  let layout: string;
  let digest: string;
  before(async () => {
    r = await startRegistry();
    work = await mkdtemp(join(tmpdir(), 'berth-registry-interop-'));
    layout = join(work, 'layout');
    if (!busyboxMissing()) digest = makeBusyboxLayout(layout, work);
  });
  after(async () => {
    await r.close();
    await rm(work, { recursive: true, force: true });
  });

  it('skopeo copies an image up, back, and across repositories', async (t) => {
    const why = busyboxMissing() ?? missing('/usr/bin/skopeo');
    if (why) return t.skip(why);
    await ok('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      `oci:${layout}:latest`,
      `docker://${r.host}/busybox:latest`,
    ]);
    const manifest = await http('GET', `${r.url}/v2/busybox/manifests/latest`);
    assert.equal(manifest.headers['docker-content-digest'], digest, 'the manifest is kept byte for byte');

    await ok('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${r.host}/busybox:latest`,
      `oci:${join(work, 'back')}:latest`,
    ]);
    const index = JSON.parse(readFileSync(join(work, 'back', 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, digest);

    await ok('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${r.host}/busybox:latest`,
      `docker://${r.host}/mirror/busybox:1`,
    ]);
    assert.equal(
      (await http('GET', `${r.url}/v2/mirror/busybox/manifests/1`)).headers['docker-content-digest'],
      digest,
    );
    assert.ok(
      r.logs.some((l) =>
        /"POST \/v2\/mirror\/busybox\/blobs\/uploads\/\?\S*from=busybox\S* HTTP\/1\.1" 201 /.test(l),
      ),
      'skopeo mounted the blobs',
    );

    await ok('skopeo', [
      'copy',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      `oci:${layout}:latest`,
      `docker://${r.host}/docker-format:latest`,
    ]);
    const v2s2 = await http('GET', `${r.url}/v2/docker-format/manifests/latest`);
    assert.equal(v2s2.headers['content-type'], 'application/vnd.docker.distribution.manifest.v2+json');
    await ok('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${r.host}/docker-format:latest`,
      `dir:${join(work, 'dir')}`,
    ]);
    const tags = await ok('skopeo', ['list-tags', '--tls-verify=false', `docker://${r.host}/busybox`]);
    assert.deepEqual(JSON.parse(tags).Tags, ['latest']);
  });

  it('podman pulls and pushes', async (t) => {
    const why = busyboxMissing() ?? missing('/usr/bin/podman');
    if (why) return t.skip(why);
    if (!(await http('HEAD', `${r.url}/v2/busybox/manifests/latest`)).status.toString().startsWith('2')) {
      await ok('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:latest`,
        `docker://${r.host}/busybox:latest`,
      ]);
    }
    const storage = join(work, 'podman');
    const podman = (...args: string[]) =>
      ok('podman', [
        '--root',
        join(storage, 'root'),
        '--runroot',
        join(storage, 'run'),
        '--storage-driver',
        'vfs',
        '--events-backend',
        'file',
        ...args,
      ]);
    try {
      await podman('pull', '--tls-verify=false', `${r.host}/busybox:latest`);
      await podman('tag', `${r.host}/busybox:latest`, `${r.host}/podman/busybox:pushed`);
      await podman('push', '--tls-verify=false', `${r.host}/podman/busybox:pushed`);
      const pushed = await http('GET', `${r.url}/v2/podman/busybox/manifests/pushed`);
      assert.equal(pushed.status, 200);
      await podman('rmi', '-a', '-f');
      await podman('pull', '--tls-verify=false', `${r.host}/podman/busybox:pushed`);
    } finally {
      await run('podman', [
        '--root',
        join(storage, 'root'),
        '--runroot',
        join(storage, 'run'),
        '--storage-driver',
        'vfs',
        'system',
        'reset',
        '-f',
      ]).catch(() => undefined);
    }
  });

  it('the Docker engine pulls and pushes', async (t) => {
    const why = busyboxMissing() ?? missing('/usr/sbin/dockerd') ?? missing('/usr/local/bin/docker');
    if (why) return t.skip(why);
    if (!(await http('HEAD', `${r.url}/v2/busybox/manifests/latest`)).status.toString().startsWith('2')) {
      await ok('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:latest`,
        `docker://${r.host}/busybox:latest`,
      ]);
    }
    const d = await PrivateDockerd.start(join(work, 'docker'));
    try {
      await d.docker('pull', `${r.host}/busybox:latest`);
      await d.docker('tag', `${r.host}/busybox:latest`, `${r.host}/docker/busybox:pushed`);
      await d.docker('push', `${r.host}/docker/busybox:pushed`);
      const pushed = await http('GET', `${r.url}/v2/docker/busybox/manifests/pushed`);
      assert.equal(pushed.status, 200);
      await d.docker('rmi', `${r.host}/docker/busybox:pushed`, `${r.host}/busybox:latest`);
      await d.docker('pull', `${r.host}/docker/busybox:pushed`);
    } finally {
      await d.stop();
    }
  });
});

/** A dockerd of the test's own: private roots and socket, no networking set up; stopped by its pid. */
class PrivateDockerd {
  private constructor(
    private readonly child: ChildProcess,
    private readonly host: string,
    private readonly dir: string,
    private log: string[],
  ) {}

  static async start(dir: string): Promise<PrivateDockerd> {
    await mkdir(dir, { recursive: true });
    const sock = join(dir, 'docker.sock');
    const log: string[] = [];
    const child = spawn(
      '/usr/sbin/dockerd',
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        `unix://${sock}`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--storage-driver=vfs',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (b) => log.push(String(b)));
    child.stderr!.on('data', (b) => log.push(String(b)));
    const d = new PrivateDockerd(child, `unix://${sock}`, dir, log);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}:\n${log.join('')}`);
          return (
            (await run('/usr/local/bin/docker', ['-H', d.host, 'version'], { timeoutMs: 10_000 })).code === 0
          );
        },
        'dockerd to answer',
        60_000,
      );
    } catch (err) {
      await d.stop();
      throw err;
    }
    return d;
  }

  docker(...args: string[]): Promise<string> {
    return ok('/usr/local/bin/docker', ['-H', this.host, ...args]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid) {
      this.child.kill('SIGTERM');
      await waitFor(
        () => this.child.exitCode !== null || this.child.signalCode !== null,
        'dockerd to stop',
        30_000,
      ).catch(() => this.child.kill('SIGKILL'));
    }
    await run('umount', ['-R', join(this.dir, 'exec')]).catch(() => undefined);
    await run('umount', ['-R', join(this.dir, 'data')]).catch(() => undefined);
    void this.log;
  }
}
