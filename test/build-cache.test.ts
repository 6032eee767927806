// The build cache as a user meets it, as root on the real kernel: `berth build`
// against a daemon on a temporary root, on the busybox test image. Which steps
// came from the cache is read from the output (` ---> Using cache` after the
// step's line), and which RUNs really ran from the random IDs they write (a RUN
// that ran again writes another one).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../src/cli/client.ts';
import { cleanEnv, findDocker, run, runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { makeContext } from './helpers/build-context.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs)' : busyboxMissing();
const BASE = 'busybox:build';
const UUID = 'cat /proc/sys/kernel/random/uuid';

/** Each step's instruction, prefixed `hit ` when it came from the cache and `run ` when not. */
function steps(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^Step \d+\/\d+ : (.*)$/.exec(line);
    if (m) out.push(`run ${m[1]}`);
    else if (line === ' ---> Using cache') out[out.length - 1] = out[out.length - 1].replace(/^run /, 'hit ');
  }
  return out;
}

/** Every step after the first FROM came from the cache. */
function assertAllHits(output: string): void {
  assert.ok(
    steps(output)
      .slice(1)
      .every((s) => s.startsWith('hit ')),
    output,
  );
}

describe('berth build cache', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const berth = (args: string[], input?: string) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { timeoutMs: 180_000, input });
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const context = (files: Record<string, string>) => makeContext(work, files);
  const imageId = async (ref: string) => (await ok('image', 'inspect', '--format', '{{.Id}}', ref)).trim();
  const output = async (ref: string) => (await ok('run', '--rm', ref)).trim().split('\n');
  /** `berth builder prune -f`, with the options given. */
  async function builderPrune(options: { all?: boolean }) {
    const r = await berth(['builder', 'prune', '-f', ...(options.all ? ['-a'] : [])]);
    assert.equal(r.code, 0, r.stderr);
    return r;
  }

  const DOCKERFILE = [
    `FROM ${BASE}`,
    `RUN ${UUID} > /t1`,
    'COPY app/ /app/',
    `RUN ${UUID} > /t2`,
    'ARG V=1',
    'ENV FIXED=yes',
    `RUN echo "v=$V" > /v && ${UUID} > /t3`,
    'CMD ["cat", "/t1", "/t2", "/t3", "/v", "/app/a.txt"]',
    '',
  ].join('\n');
  let dir: string;
  let tarball: string;

  before(async () => {
    dirs = await tempDirs('berth-build-cache-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-cache-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    await ok('import', tarball, BASE);
    dir = context({ Dockerfile: DOCKERFILE, 'app/a.txt': 'a\n', 'app/b.txt': 'b\n' });
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('a second identical build takes every step from the cache and gives the same image', async () => {
    const first = await ok('build', '-t', 'cache:1', dir);
    assert.ok(
      steps(first).every((s) => s.startsWith('run ')),
      first,
    );
    const ran = await output('cache:1');
    const second = await ok('build', '-t', 'cache:2', dir);
    assert.deepEqual(steps(second), [
      `run FROM ${BASE}`,
      `hit RUN ${UUID} > /t1`,
      'hit COPY app/ /app/',
      `hit RUN ${UUID} > /t2`,
      'hit ARG V=1',
      'hit ENV FIXED=yes',
      `hit RUN echo "v=$V" > /v && ${UUID} > /t3`,
      'hit CMD ["cat", "/t1", "/t2", "/t3", "/v", "/app/a.txt"]',
    ]);
    assert.doesNotMatch(second, /Running in/, 'no RUN ran');
    assert.match(second, /^ ---> Using cache\n ---> [0-9a-f]{12}$/m);
    assert.equal(await imageId('cache:2'), await imageId('cache:1'));
    assert.deepEqual(await output('cache:2'), ran);
  });

  it('a changed file re-runs from its COPY on; the steps before it stay cached', async () => {
    const before = await output('cache:1');
    writeFileSync(join(dir, 'app/a.txt'), 'a changed\n');
    const out = await ok('build', '-t', 'cache:file', dir);
    assert.deepEqual(steps(out).slice(1, 4), [
      `hit RUN ${UUID} > /t1`,
      'run COPY app/ /app/',
      `run RUN ${UUID} > /t2`,
    ]);
    assert.ok(
      steps(out)
        .slice(4)
        .every((s) => s.startsWith('run ')),
      out,
    );
    const [t1, t2, t3, v, a] = await output('cache:file');
    assert.equal(t1, before[0], 'the RUN before the COPY did not run again');
    assert.notEqual(t2, before[1], 'the RUN after the COPY ran again');
    assert.notEqual(t3, before[2]);
    assert.deepEqual([v, a], ['v=1', 'a changed']);
  });

  it('a changed build arg re-runs only from the first step that uses it', async () => {
    const before = await output('cache:file');
    const out = await ok('build', '-t', 'cache:arg', '--build-arg', 'V=2', dir);
    assert.deepEqual(steps(out).slice(1), [
      `hit RUN ${UUID} > /t1`,
      'hit COPY app/ /app/',
      `hit RUN ${UUID} > /t2`,
      'hit ARG V=1',
      'hit ENV FIXED=yes',
      `run RUN echo "v=$V" > /v && ${UUID} > /t3`,
      'run CMD ["cat", "/t1", "/t2", "/t3", "/v", "/app/a.txt"]',
    ]);
    const after = await output('cache:arg');
    assert.deepEqual(after.slice(0, 2), before.slice(0, 2));
    assert.notEqual(after[2], before[2]);
    assert.equal(after[3], 'v=2');
  });

  it('--no-cache runs every step', async () => {
    const before = await output('cache:file');
    const out = await ok('build', '--no-cache', '-t', 'cache:nocache', dir);
    assert.doesNotMatch(out, /Using cache/);
    const after = await output('cache:nocache');
    for (const i of [0, 1, 2]) assert.notEqual(after[i], before[i]);
    // Its steps were recorded: the next build reuses them.
    const next = await ok('build', '-t', 'cache:next', dir);
    assertAllHits(next);
    assert.equal(await imageId('cache:next'), await imageId('cache:nocache'));
  });

  it('--no-cache-filter re-runs the stages it names and what is built on them', async () => {
    const multi = context({
      Dockerfile: [
        `FROM ${BASE} AS a`,
        `RUN ${UUID} > /a`,
        `FROM ${BASE} AS b`,
        `RUN ${UUID} > /b`,
        `FROM ${BASE}`,
        'COPY --from=a /a /a',
        'COPY --from=b /b /b',
        'CMD ["cat", "/a", "/b"]',
        '',
      ].join('\n'),
    });
    await ok('build', '-t', 'multi:1', multi);
    const [a, b] = await output('multi:1');
    const out = await ok('build', '--no-cache-filter', 'b', '-t', 'multi:2', multi);
    assert.deepEqual(steps(out), [
      `run FROM ${BASE} AS a`,
      `hit RUN ${UUID} > /a`,
      `run FROM ${BASE} AS b`,
      `run RUN ${UUID} > /b`,
      `run FROM ${BASE}`,
      'hit COPY --from=a /a /a',
      'run COPY --from=b /b /b',
      'run CMD ["cat", "/a", "/b"]',
    ]);
    const [a2, b2] = await output('multi:2');
    assert.equal(a2, a);
    assert.notEqual(b2, b);
  });

  it('the cache survives a restart of the daemon', async () => {
    await daemon.stop();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const out = await ok('build', '-t', 'cache:restarted', dir);
    assertAllHits(out);
    assert.equal(await imageId('cache:restarted'), await imageId('cache:next'));
  });

  it('layers the cache holds survive image removal and prune; a later build still hits', async () => {
    const id = await imageId('cache:next');
    for (const tag of ['cache:1', 'cache:2', 'cache:file', 'cache:arg', 'cache:nocache', 'cache:next'])
      await ok('rmi', tag);
    await ok('rmi', 'cache:restarted');
    assert.equal((await berth(['image', 'inspect', id])).code, 1, 'the image is gone');
    await ok('create', '--name', 'keeps-the-base', BASE, 'sh'); // so that prune -a leaves the base image
    await ok('image', 'prune', '-a', '-f');
    const out = await ok('build', '-t', 'cache:regc', dir);
    assertAllHits(out);
    assert.equal(await imageId('cache:regc'), id, 'the same image, from the cached layers');
    assert.equal((await output('cache:regc')).length, 5, 'and it runs');
  });

  // The daemon's start-up collection sees the cache's roots: image-service.ts installs them as it opens the store.
  it('cached layers of a removed image survive the collection at daemon start', async () => {
    const id = await imageId('cache:regc');
    await ok('tag', 'cache:regc', 'cache:gone');
    await ok('rmi', 'cache:gone');
    await ok('rmi', 'cache:regc');
    await daemon.stop();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const out = await ok('build', '-t', 'cache:regc', dir);
    assertAllHits(out);
    assert.equal(await imageId('cache:regc'), id);
  });

  it('system df counts the build cache as docker system df does; -v lists every record', async () => {
    const client = new Client(dirs.socket);
    const du = await client.get<{
      BuildCache: { ID: string; Type: string; Shared: boolean; Size: number }[];
    }>('/system/df');
    const records = du.BuildCache.filter((bc) => bc.Type === 'regular');
    assert.ok(
      records.length >= 7,
      `one record per step after FROM at least: ${JSON.stringify(du.BuildCache)}`,
    );
    // cache:regc was built from the cache: the layers of its records are its own, so they are shared;
    // the records of removed images' other layers (cache:file, cache:arg) are not.
    assert.ok(
      records.some((r) => r.Shared && r.Size > 0),
      'a record whose layer an image holds is shared',
    );
    assert.ok(
      records.some((r) => !r.Shared && r.Size > 0),
      'a record only the cache holds is not shared',
    );
    const summary = await ok('system', 'df');
    assert.match(
      summary,
      new RegExp(`^Build Cache +${du.BuildCache.length} +0 +[0-9.]+k?B +[0-9.]+k?B$`, 'm'),
    );
    const verbose = await ok('system', 'df', '-v');
    assert.match(
      verbose,
      /^Build cache usage: [0-9.]+k?B\n\nCACHE ID +CACHE TYPE +SIZE +CREATED +LAST USED +USAGE +SHARED$/m,
    );
    for (const r of records) {
      assert.match(
        verbose,
        new RegExp(`^${r.ID.slice(0, 12)} +regular +\\S+ +.+ ago +.+ ago +\\d+ +${r.Shared}$`, 'm'),
      );
    }
    const docker = findDocker();
    if (docker) {
      // The docker CLI sums the same entries its own way: the tables must agree.
      const viaDocker = await run(docker, ['system', 'df'], {
        env: cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}` }),
      });
      assert.equal(viaDocker.code, 0, viaDocker.stderr);
      const row = (text: string) => text.split('\n').find((l) => l.startsWith('Build Cache'));
      assert.equal(row(viaDocker.stdout), row(summary));
    }
  });

  it('builder prune: dangling records without -a, every record with -a; then the next build runs everything', async () => {
    const dangling = await builderPrune({});
    assert.match(
      dangling.stdout,
      /^Deleted build cache objects:\n([0-9a-f]{25}\n)+\nTotal reclaimed space: /,
    );
    const stillCached = await ok('build', '-t', 'cache:afterdangling', dir);
    assert.ok(
      steps(stillCached)
        .slice(1)
        .every((s) => s.startsWith('hit ')),
      'the records of images that exist stay',
    );
    const pruned = await builderPrune({ all: true });
    assert.match(pruned.stdout, /^Deleted build cache objects:\n([0-9a-f]{25}\n)+\nTotal reclaimed space: /);
    assert.equal((await builderPrune({ all: true })).stdout, 'Total reclaimed space: 0B\n');
    const out = await ok('build', '-t', 'cache:cold', dir);
    assert.ok(
      steps(out).every((s) => s.startsWith('run ')),
      out,
    );
  });

  it('POST /build/prune answers as Docker does; system prune -a removes the build cache too', async () => {
    const client = new Client(dirs.socket);
    const report = await client.post<{ CachesDeleted: string[]; SpaceReclaimed: number }>(
      '/build/prune',
      undefined,
      { filters: JSON.stringify({ until: ['240h'] }) },
    );
    assert.deepEqual(report, { CachesDeleted: [], SpaceReclaimed: 0 }, 'nothing is that old');
    const out = await ok('system', 'prune', '-a', '-f');
    assert.match(out, /Deleted build cache objects:\n([0-9a-f]{25}\n)+\n/);
    const none = await client.post<{ CachesDeleted: string[] }>('/build/prune', undefined, { all: '1' });
    assert.deepEqual(none.CachesDeleted, []);
  });

  it('the docker CLI (classic builder) sees cache hits from berthd', {
    skip: findDocker() ? false : 'no docker CLI',
  }, async () => {
    await ok('import', tarball, BASE);
    const small = context({ Dockerfile: `FROM ${BASE}\nRUN ${UUID} > /u\nCMD ["cat", "/u"]\n` });
    const docker = (...args: string[]) =>
      run(findDocker() as string, args, {
        env: cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}`, DOCKER_BUILDKIT: '0' }),
        timeoutMs: 180_000,
      });
    const first = await docker('build', '-t', 'viadocker:cache', small);
    assert.equal(first.code, 0, first.stderr);
    const second = await docker('build', '-t', 'viadocker:cache', small);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Step 2\/3 : RUN .*\n ---> Using cache\n/);
    const third = await docker('build', '--no-cache', '-t', 'viadocker:cache', small);
    assert.doesNotMatch(third.stdout, /Using cache/);
    const pruned = await docker('builder', 'prune', '-a', '-f');
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /^Deleted build cache objects:\n([0-9a-f]{25}\n)+\nTotal reclaimed space: /);
  });
});
