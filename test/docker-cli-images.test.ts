// The Docker CLI driving berth's image endpoints: with DOCKER_HOST on berth's
// socket, `docker images`, `image inspect`, `tag`, `rmi`, `history`, `save`,
// `load`, `import`, `system df` and `image prune` work, and show what berth's
// own commands show for the same images.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
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

const docker = findDocker();
const skip = docker
  ? busyboxMissing()
  : 'the Docker CLI (docker, from Debian docker.io or /usr/local/bin/docker) is not installed';

describe('the Docker CLI with berth images', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let tarball: string;
  let env: Record<string, string>;

  const dockerRun = (...args: string[]): Promise<RunResult> => run(docker!, args, { env });
  async function dockerOk(...args: string[]): Promise<string> {
    const r = await dockerRun(...args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  async function berthOk(...args: string[]): Promise<string> {
    const r = await runBerth(['-H', `unix://${dirs.socket}`, ...args]);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  /** Both tools' answer, which must be the same. */
  async function same(...args: string[]): Promise<string> {
    const [d, b] = await Promise.all([dockerOk(...args), berthOk(...args)]);
    assert.equal(b, d, `berth ${args.join(' ')} differs from docker`);
    return d;
  }
  /**
   * Like `same` for `images` listings, where the docker CLI prints one image's names in Go map order (random
   * from run to run): the images must come in the same order, their rows in any order.
   */
  async function sameImageRows(...args: string[]): Promise<void> {
    const [d, b] = await Promise.all([dockerOk(...args), berthOk(...args)]);
    const byImage = (out: string) => {
      const groups = new Map<string, string[]>();
      for (const row of out.split('\n').filter(Boolean)) {
        const id = row.split(' ').at(-1) ?? '';
        groups.set(id, [...(groups.get(id) ?? []), row].sort());
      }
      return [...groups.entries()];
    };
    assert.deepEqual(byImage(b), byImage(d), `berth ${args.join(' ')} differs from docker`);
  }
  const ids = async () =>
    (await berthOk('images', '-a', '-q', '--no-trunc')).split('\n').filter(Boolean).sort();

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    work = mkdtempSync(join(tmpdir(), 'berth-docker-cli-images-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    const config = join(work, 'docker-config');
    env = cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}`, DOCKER_CONFIG: config });
  });
  after(async () => {
    await daemon?.stop();
    await dirs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('docker import makes an image berth lists, with the ID docker printed', async () => {
    const id = (await dockerOk('import', '-c', 'CMD ["sh"]', '-m', 'by docker', tarball, 'busybox')).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await berthOk('images', '-q', '--no-trunc', 'busybox'), `${id}\n`);
    const [image] = JSON.parse(await berthOk('image', 'inspect', 'busybox'));
    assert.deepEqual(image.Config.Cmd, ['sh']);
    assert.equal(image.Comment, 'by docker');
    const stdin = await run('sh', ['-c', `"${docker}" import - fromstdin:1 < "${tarball}"`], { env });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(await berthOk('images', '-q', '--no-trunc', 'fromstdin:1'), stdin.stdout);
  });

  it('docker images shows what berth images shows', async () => {
    const [dockerTable, berthTable] = await Promise.all([dockerOk('images'), berthOk('images')]);
    // The headers' spacing follows the widest "… ago", which may tick between the two.
    const header = (table: string) => table.split('\n')[0].split(/ {2,}/);
    assert.deepEqual(header(berthTable), header(dockerTable));
    await same('images', '--format', '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}} {{.Digest}}');
    await same('images', '-q');
    await same('images', '--no-trunc', '--format', '{{.ID}} {{.CreatedAt}}');
    await same('images', '--filter', 'reference=busy*', '--format', '{{.Repository}}:{{.Tag}}');
    const stable = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => {
          const { CreatedSince: _since, ...rest } = JSON.parse(l);
          return rest;
        });
    const [d, b] = await Promise.all([
      dockerOk('images', '--format', 'json'),
      berthOk('images', '--format', 'json'),
    ]);
    assert.deepEqual(stable(b), stable(d));
  });

  it('docker image inspect gives berth inspect JSON', async () => {
    const [d, b] = await Promise.all([
      dockerOk('image', 'inspect', 'busybox'),
      berthOk('image', 'inspect', 'busybox'),
    ]);
    assert.deepEqual(JSON.parse(b), JSON.parse(d));
    await same(
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{.Os}}/{{.Architecture}} {{index .RootFS.Layers 0}}',
      'busybox',
    );
    const missing = await dockerRun('image', 'inspect', 'nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image: nope/);
  });

  it('docker tag names an image that berth then finds', async () => {
    assert.equal(await dockerOk('tag', 'busybox', 'localhost:5000/team/box:v1'), '');
    assert.equal(await dockerOk('tag', 'busybox:latest', 'busybox:alias'), '');
    const [image] = JSON.parse(await berthOk('image', 'inspect', 'localhost:5000/team/box:v1'));
    assert.deepEqual(image.RepoTags, ['busybox:alias', 'busybox:latest', 'localhost:5000/team/box:v1']);
    await sameImageRows('images', '--format', '{{.Repository}} {{.Tag}} {{.ID}}');
    const bad = await dockerRun('tag', 'nope', 'x:1');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /No such image: nope/);
  });

  it('docker history shows what berth history shows', async () => {
    // Compared without "… ago", which may tick between the two commands.
    const [d, b] = await Promise.all([dockerOk('history', 'busybox'), berthOk('history', 'busybox')]);
    const header = (table: string) => table.split('\n')[0].split(/ {2,}/);
    assert.deepEqual(header(b), header(d));
    await same('history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'busybox');
    await same(
      'history',
      '--no-trunc',
      '--format',
      '{{.ID}}|{{.CreatedAt}}|{{.Size}}|{{.Comment}}',
      'busybox',
    );
    await same('history', '--human=false', 'busybox');
    await same('history', '-q', 'busybox');
  });

  it('docker rmi follows the same rules as berth rmi', async () => {
    // One row, and so one ID, per tag: busybox:alias and busybox:latest.
    const rows = (await dockerOk('images', '-q', '--no-trunc', 'busybox')).trim().split('\n');
    assert.equal(rows.length, 2);
    assert.equal(rows[0], rows[1]);
    const id = rows[0];
    assert.equal(await dockerOk('rmi', 'busybox:alias'), 'Untagged: busybox:alias\n');
    const refused = await dockerRun('rmi', id.slice(7, 19));
    assert.notEqual(refused.code, 0);
    const berthRefused = await runBerth(['-H', `unix://${dirs.socket}`, 'rmi', id.slice(7, 19)]);
    assert.equal(refused.stderr, berthRefused.stderr);
    assert.match(
      refused.stderr,
      /conflict: unable to delete .* \(must be forced\) - image is referenced in multiple repositories/,
    );
    assert.equal(
      await dockerOk('rmi', 'localhost:5000/team/box:v1'),
      'Untagged: localhost:5000/team/box:v1\n',
    );
    assert.equal((await dockerOk('images', '-q', '--no-trunc', 'busybox')).trim(), id);
  });

  it('docker save writes the archive berth save writes, and docker load reads it back', async () => {
    const byDocker = join(work, 'docker.tar');
    const byBerth = join(work, 'berth.tar');
    await dockerOk('save', '-o', byDocker, 'busybox', 'fromstdin:1');
    await berthOk('save', '-o', byBerth, 'busybox', 'fromstdin:1');
    assert.deepEqual(readFileSync(byDocker), readFileSync(byBerth));
    const before = await ids();
    const removed = await dockerOk('rmi', 'busybox', 'fromstdin:1');
    assert.match(removed, /^Untagged: busybox:latest\nDeleted: sha256:/);
    assert.deepEqual(await ids(), []);
    const loaded = await dockerOk('load', '-i', byBerth);
    assert.equal(loaded, 'Loaded image: busybox:latest\nLoaded image: fromstdin:1\n');
    assert.deepEqual(await ids(), before);
    const bad = join(work, 'bad.tar');
    writeFileSync(bad, readFileSync(byBerth));
    truncateSync(bad, 100_000);
    const refused = await dockerRun('load', '-i', bad);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /archive could not be read/);
    assert.deepEqual(await ids(), before);
  });

  it('docker system df and image prune show what berth shows', async () => {
    await same('system', 'df');
    await same('system', 'df', '--format', 'json');
    const dangling = (await dockerOk('import', tarball)).trim();
    const pruned = await dockerOk('image', 'prune', '-f');
    assert.equal(pruned, `Deleted Images:\ndeleted: ${dangling}\n\nTotal reclaimed space: 0B\n`);
    assert.equal(await berthOk('image', 'prune', '-f'), 'Total reclaimed space: 0B\n');
  });
});
