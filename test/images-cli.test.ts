// berth's image commands as a user runs them: `bin/berth` against a daemon on
// a temporary root, with the busybox test image made from Debian's
// busybox-static. Import (file, stdin, directory, URL), list, tag, inspect,
// history, remove, save and load, prune, disk usage, and /info.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BERTH_BIN,
  cleanEnv,
  ensureBuilt,
  httpRequest,
  type RunResult,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxRootfs, makeBusyboxTarball } from './helpers/busybox.ts';

const ID = /^sha256:[0-9a-f]{64}$/;

interface Input {
  /** A file to give as stdin. */
  readonly stdinFile?: string;
  /** Text to give as stdin. */
  readonly stdin?: string;
  /** A file to send stdout to. */
  readonly stdoutFile?: string;
}

/** Run bin/berth with stdin and stdout where the test wants them. */
function spawnBerth(args: readonly string[], io: Input): Promise<RunResult> {
  ensureBuilt();
  const fds: number[] = [];
  const stdin = io.stdinFile ? openSync(io.stdinFile, 'r') : io.stdin !== undefined ? 'pipe' : 'ignore';
  const stdout = io.stdoutFile ? openSync(io.stdoutFile, 'w') : 'pipe';
  for (const fd of [stdin, stdout]) if (typeof fd === 'number') fds.push(fd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BERTH_BIN, ...args], {
      env: cleanEnv(),
      stdio: [stdin, stdout, 'pipe'],
    });
    for (const fd of fds) closeSync(fd);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    if (io.stdin !== undefined) child.stdin?.end(io.stdin);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

describe('berth image commands', { skip: busyboxMissing() }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let tarball: string;
  let host: string;
  let busyboxId: string;

  const berth = (...args: string[]) => runBerth(['-H', host, ...args]);
  const berthIo = (args: string[], io: Input) => spawnBerth(['-H', host, ...args], io);
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(...args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (name: string) => JSON.parse(await ok('image', 'inspect', name))[0];
  const allIds = async () =>
    (await ok('images', '-a', '-q', '--no-trunc')).split('\n').filter(Boolean).sort();
  const api = async (path: string, method = 'GET') => {
    const res = await httpRequest(dirs.socket, method, path);
    return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
  };

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs();
    host = `unix://${dirs.socket}`;
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    work = mkdtempSync(join(tmpdir(), 'berth-images-cli-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    const out = await ok('import', tarball, 'busybox');
    busyboxId = out.trim();
  });
  after(async () => {
    await daemon?.stop();
    await dirs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('imports a tarball file, printing the new image ID as Docker does', async () => {
    assert.match(busyboxId, ID);
    const image = await inspect('busybox');
    assert.equal(image.Id, busyboxId);
    assert.deepEqual(image.RepoTags, ['busybox:latest']);
    assert.equal(image.Comment, 'Imported from -');
    assert.equal(image.RootFS.Layers.length, 1);
  });

  it('imports from stdin with -, applying --change and --message', async () => {
    const r = await berthIo(
      [
        'import',
        '-c',
        'CMD ["sh"]',
        '--change',
        'ENV A=b',
        '-c',
        'LABEL team=blue',
        '-m',
        'from stdin',
        '-',
        'stdin:1',
      ],
      { stdinFile: tarball },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), ID);
    const image = await inspect('stdin:1');
    assert.equal(image.Id, r.stdout.trim());
    assert.deepEqual(image.Config.Cmd, ['sh']);
    assert.deepEqual(image.Config.Env, ['A=b']);
    assert.deepEqual(image.Config.Labels, { team: 'blue' });
    assert.equal(image.Comment, 'from stdin');
    // The same bytes make the same layer.
    assert.deepEqual(image.RootFS.Layers, (await inspect('busybox')).RootFS.Layers);
  });

  it('imports a directory, packed by the client', async () => {
    const rootfs = makeBusyboxRootfs(join(work, 'dir-rootfs'));
    const id = (await ok('import', '--change', 'WORKDIR /root', rootfs, 'fromdir:1')).trim();
    assert.match(id, ID);
    const image = await inspect('fromdir:1');
    assert.equal(image.Config.WorkingDir, '/root');
    assert.equal(image.RootFS.Layers.length, 1);
    assert.ok(image.Size > statSync(join(rootfs, 'bin/busybox')).size);
  });

  it('imports from a URL the daemon downloads, and reports a failed download', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/busybox.tar') createReadStream(tarball).pipe(res);
      else {
        res.writeHead(404);
        res.end('no such file');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await berth('import', `${base}/busybox.tar`, 'fromurl:1');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines[0], `Downloading from ${base}/busybox.tar`);
      assert.match(lines.at(-1)!, ID);
      assert.equal((await inspect('fromurl:1')).Comment, `Imported from ${base}/busybox.tar`);
      const missing = await berth('import', `${base}/nope.tar`, 'nope:1');
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /failed to GET http:\/\/127\.0\.0\.1:\d+\/nope\.tar with status 404/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a bad import and keeps the store as it was', async () => {
    const before = await allIds();
    const change = await berth('import', '-c', 'FROB x', tarball, 'bad:1');
    assert.equal(change.code, 125);
    assert.match(change.stderr, /--change "FROB x": FROB is not a valid change command/);
    const cut = join(work, 'cut.tar');
    copyFileSync(tarball, cut);
    truncateSync(cut, 300_000);
    const truncated = await berth('import', cut, 'bad:2');
    assert.equal(truncated.code, 125);
    assert.match(truncated.stderr, /Error response from daemon: .*truncated/);
    const digestTag = await berth('import', tarball, `bad@sha256:${'a'.repeat(64)}`);
    assert.equal(digestTag.code, 125);
    assert.deepEqual(await allIds(), before);
  });

  it('lists images as docker images does', async () => {
    const table = await ok('images');
    const [header, ...rows] = table.trimEnd().split('\n');
    assert.match(header, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    const busybox = rows.find((r) => r.startsWith('busybox '));
    assert.ok(busybox, table);
    assert.match(busybox, new RegExp(`^busybox +latest +${busyboxId.slice(7, 19)} +.+ ago +2\\.\\d+MB$`));
    const quiet = (await ok('images', '-q')).trim().split('\n');
    assert.ok(quiet.includes(busyboxId.slice(7, 19)));
    assert.ok(quiet.every((l) => /^[0-9a-f]{12}$/.test(l)));
    const json = (await ok('images', '--format', 'json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const row = json.find((j) => j.Repository === 'busybox');
    assert.deepEqual(Object.keys(row), [
      'Containers',
      'CreatedAt',
      'CreatedSince',
      'Digest',
      'ID',
      'Repository',
      'SharedSize',
      'Size',
      'Tag',
      'UniqueSize',
      'VirtualSize',
    ]);
    assert.equal(row.ID, busyboxId.slice(7, 19));
    assert.equal(row.Tag, 'latest');
    assert.equal(row.Digest, '<none>');
    assert.equal(await ok('images', '--no-trunc', '--format', '{{.ID}}', 'busybox'), `${busyboxId}\n`);
    const custom = await ok('images', '--format', 'table {{.Repository}}:{{.Tag}}', 'busybox');
    assert.equal(custom, 'REPOSITORY:TAG\nbusybox:latest\n');
  });

  it('filters the list by reference, label, dangling, before and since', async () => {
    const refs = async (...args: string[]) =>
      (await ok('images', '--format', '{{.Repository}}:{{.Tag}}', ...args))
        .trim()
        .split('\n')
        .filter(Boolean)
        .sort();
    assert.deepEqual(await refs('--filter', 'reference=from*'), ['fromdir:1', 'fromurl:1']);
    assert.deepEqual(await refs('--filter', 'reference=*:1', '--filter', 'reference=busybox'), [
      'busybox:latest',
      'fromdir:1',
      'fromurl:1',
      'stdin:1',
    ]);
    assert.deepEqual(await refs('stdin'), ['stdin:1']);
    assert.deepEqual(await refs('-f', 'label=team=blue'), ['stdin:1']);
    assert.deepEqual(await refs('-f', 'label=team=red'), []);
    assert.deepEqual(await refs('-f', 'since=stdin:1', '-f', 'before=fromurl:1'), ['fromdir:1']);
    const dangling = (await ok('import', tarball)).trim();
    try {
      assert.deepEqual(await refs('-f', 'dangling=true'), ['<none>:<none>']);
      assert.ok(!(await refs('-f', 'dangling=false')).includes('<none>:<none>'));
      assert.equal(await ok('images', '-q', '--no-trunc', '-f', 'dangling=true'), `${dangling}\n`);
    } finally {
      await ok('rmi', dangling);
    }
    const bad = await berth('images', '-f', 'colour=red');
    assert.equal(bad.code, 125);
    assert.equal(bad.stderr, "Error response from daemon: invalid filter 'colour'\n");
  });

  it('tags images, and refuses what Docker refuses', async () => {
    assert.equal(await ok('tag', 'busybox', 'busybox:alias'), '');
    assert.equal(await ok('image', 'tag', busyboxId.slice(7, 19), 'localhost:5000/team/box:v1'), '');
    const image = await inspect('busybox:alias');
    assert.equal(image.Id, busyboxId);
    assert.deepEqual(image.RepoTags, ['busybox:alias', 'busybox:latest', 'localhost:5000/team/box:v1']);
    const missing = await berth('tag', 'nope', 'x:1');
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr, 'Error response from daemon: No such image: nope\n');
    const digest = await berth('tag', 'busybox', `x@sha256:${'b'.repeat(64)}`);
    assert.equal(digest.code, 125);
    assert.match(digest.stderr, /refusing to create a tag with a digest reference/);
    assert.equal((await api('/images/busybox/tag?repo=sha256', 'POST')).status, 400);
    await ok('rmi', 'busybox:alias', 'localhost:5000/team/box:v1');
  });

  it('inspects an image in Docker shape, as a 4-space indented array', async () => {
    const text = await ok('image', 'inspect', 'busybox');
    assert.ok(text.startsWith(`[\n    {\n        "Id": "${busyboxId}",\n`), text.slice(0, 200));
    const [image] = JSON.parse(text);
    assert.deepEqual(Object.keys(image), [
      'Id',
      'RepoTags',
      'RepoDigests',
      'Parent',
      'Comment',
      'Created',
      'DockerVersion',
      'Author',
      'Config',
      'Architecture',
      'Os',
      'Size',
      'GraphDriver',
      'RootFS',
      'Metadata',
    ]);
    assert.deepEqual(image.RepoDigests, []);
    assert.match(image.Created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.deepEqual(Object.keys(image.Config), [
      'Hostname',
      'Domainname',
      'User',
      'AttachStdin',
      'AttachStdout',
      'AttachStderr',
      'Tty',
      'OpenStdin',
      'StdinOnce',
      'Env',
      'Cmd',
      'Image',
      'Volumes',
      'WorkingDir',
      'Entrypoint',
      'OnBuild',
      'Labels',
    ]);
    assert.equal(image.Os, 'linux');
    assert.equal(image.RootFS.Type, 'layers');
    assert.match(image.RootFS.Layers[0], ID);
    assert.ok(image.Size > 1_000_000);
    assert.match(image.Metadata.LastTagTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(['overlay2', 'vfs'].includes(image.GraphDriver.Name));
    if (image.GraphDriver.Name === 'overlay2') {
      assert.ok(existsSync(join(image.GraphDriver.Data.UpperDir, 'bin/busybox')));
    }
    assert.equal(
      await ok('image', 'inspect', '-f', '{{.Os}} {{index .RepoTags 0}}', 'busybox'),
      'linux busybox:latest\n',
    );
    assert.deepEqual(JSON.parse(await ok('inspect', busyboxId.slice(7, 15))), [image]);
    // API versions before 1.44 and 1.45 get the fields Docker still sent them.
    const old = (await api('/v1.41/images/busybox/json')).json;
    assert.equal(old.VirtualSize, image.Size);
    assert.equal(old.Container, '');
    assert.equal(old.ContainerConfig.Hostname, '');
  });

  it('reports images it cannot inspect after those it can', async () => {
    // exit 1, as the docker CLI's inspect commands exit when some objects were not found
    const image = await berth('image', 'inspect', 'busybox', 'nope');
    assert.equal(image.code, 1);
    assert.equal(JSON.parse(image.stdout).length, 1);
    assert.equal(image.stderr, 'Error response from daemon: No such image: nope\n');
    const object = await berth('inspect', 'nope');
    assert.equal(object.code, 1);
    assert.equal(object.stdout, '[]\n');
    assert.equal(object.stderr, 'Error: No such object: nope\n');
  });

  it('shows history as docker history does', async () => {
    const table = await ok('history', 'stdin:1');
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0], /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
    const stdinId = (await inspect('stdin:1')).Id;
    assert.match(lines[1], new RegExp(`^${stdinId.slice(7, 19)} +.+ ago +2\\.\\d+MB +from stdin$`));
    assert.equal(lines.length, 2);
    assert.equal(await ok('history', '-q', 'stdin:1'), `${stdinId.slice(7, 19)}\n`);
    const raw = await ok(
      'history',
      '--no-trunc',
      '--human=false',
      '--format',
      '{{.ID}} {{.Size}} {{.CreatedAt}}',
      'stdin:1',
    );
    const [id, size, createdAt] = raw.trim().split(' ');
    assert.equal(id, stdinId);
    assert.equal(Number(size), (await inspect('stdin:1')).Size);
    assert.match(createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    const [json] = (await ok('image', 'history', '--format', 'json', 'stdin:1'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(json.Comment, 'from stdin');
    const api1 = (await api('/images/stdin:1/history')).json;
    assert.deepEqual(api1[0].Tags, ['stdin:1']);
    assert.equal(api1[0].Id, stdinId);
  });

  it('removes images by Docker rules: a tag of several, an ID only with -f', async () => {
    const id = (await ok('import', tarball, 'twice:a')).trim();
    await ok('tag', 'twice:a', 'twice:b');
    assert.equal(await ok('rmi', 'twice:a'), 'Untagged: twice:a\n');
    assert.equal((await inspect('twice:b')).Id, id);
    await ok('tag', 'twice:b', 'twice:c');
    const refused = await berth('rmi', id.slice(7, 19));
    assert.equal(refused.code, 125);
    assert.equal(
      refused.stderr,
      `Error response from daemon: conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories\n`,
    );
    assert.equal(
      await ok('image', 'rm', '-f', id.slice(7, 19)),
      `Untagged: twice:b\nUntagged: twice:c\nDeleted: ${id}\n`,
    );
    assert.ok(!(await allIds()).includes(id));
  });

  it('goes on past an image it cannot remove and fails at the end', async () => {
    const id = (await ok('import', tarball, 'gone:1')).trim();
    const r = await berth('rmi', 'nope', 'gone:1');
    assert.equal(r.code, 125);
    assert.equal(r.stdout, `Untagged: gone:1\nDeleted: ${id}\n`);
    assert.equal(r.stderr, 'Error response from daemon: No such image: nope\n');
  });

  it('saves, removes and loads an image back with the same ID', async () => {
    const archive = join(work, 'saved.tar');
    assert.equal(await ok('save', '-o', archive, 'busybox'), '');
    const members = spawnSync('tar', ['tf', archive], { encoding: 'utf8' }).stdout.split('\n');
    for (const m of ['manifest.json', 'index.json', 'oci-layout', `blobs/sha256/${busyboxId.slice(7)}`]) {
      assert.ok(members.includes(m), `${m} in ${members.join(' ')}`);
    }
    assert.match(await ok('rmi', 'busybox'), /^Untagged: busybox:latest\n/);
    assert.equal((await api('/images/busybox/json')).status, 404);
    assert.equal(await ok('load', '-i', archive), 'Loaded image: busybox:latest\n');
    assert.equal((await inspect('busybox')).Id, busyboxId);
    // Through stdout and stdin as well.
    const piped = join(work, 'piped.tar');
    const saved = await berthIo(['image', 'save', 'busybox:latest'], { stdoutFile: piped });
    assert.equal(saved.code, 0, saved.stderr);
    assert.deepEqual(readFileSync(piped), readFileSync(archive));
    await ok('rmi', 'busybox');
    const loaded = await berthIo(['image', 'load'], { stdinFile: piped });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout, 'Loaded image: busybox:latest\n');
    assert.equal((await inspect('busybox')).Id, busyboxId);
  });

  it('refuses a damaged archive and changes nothing', async () => {
    const archive = join(work, 'damaged.tar');
    assert.equal((await berthIo(['save', 'busybox'], { stdoutFile: archive })).code, 0);
    truncateSync(archive, Math.floor(statSync(archive).size / 2));
    const before = await allIds();
    const r = await berth('load', '-i', archive);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /archive could not be read|truncated/);
    assert.deepEqual(await allIds(), before);
    const garbage = await berthIo(['load'], { stdin: 'this is not a tar archive\n'.repeat(100) });
    assert.notEqual(garbage.code, 0);
    assert.deepEqual(await allIds(), before);
    const missing = await berth('save', 'nope');
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /No such image: nope/);
  });

  it('refuses to save to or load from a terminal', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('script (util-linux) is not installed: it gives the command a terminal');
      return;
    }
    const inTerminal = (args: string[]) =>
      spawnSync(
        'script',
        ['-qec', [process.execPath, BERTH_BIN, '-H', host, ...args].join(' '), '/dev/null'],
        {
          encoding: 'utf8',
          env: cleanEnv(),
        },
      );
    const save = inTerminal(['save', 'busybox']);
    assert.notEqual(save.status, 0);
    assert.match(save.stdout, /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
    const load = inTerminal(['load']);
    assert.notEqual(load.status, 0);
    assert.match(load.stdout, /requested load from stdin, but stdin is empty/);
  });

  it('shows disk usage as docker system df does, and /info counts the images', async () => {
    const ids = await allIds();
    const info = (await api('/info')).json;
    assert.equal(info.Images, ids.length);
    assert.ok(['overlay2', 'vfs'].includes(info.Driver));
    assert.equal(info.DriverStatus[0][0], 'Backing Filesystem');
    const table = await ok('system', 'df');
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0], /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
    assert.match(lines[1], new RegExp(`^Images +${ids.length} +0 +\\S+ +\\S+ \\(100%\\)$`));
    assert.match(lines[2], /^Containers +0 +0 +0B +0B$/);
    assert.match(lines[3], /^Local Volumes +0 +0 +0B +0B$/);
    assert.match(lines[4], /^Build Cache +0 +0 +0B +0B$/);
    const df = (await api('/system/df')).json;
    assert.deepEqual(df.Containers, []);
    assert.deepEqual(df.Volumes, []);
    assert.deepEqual(df.BuildCache, []);
    assert.equal(df.Images.length, ids.length);
    // Every busybox-based image shares the one layer: it is counted once.
    const layer = (await inspect('busybox')).Size;
    const withLayer = df.Images.filter((i: { SharedSize: number }) => i.SharedSize === layer);
    assert.ok(withLayer.length >= 2);
    assert.ok(df.LayersSize < df.Images.reduce((n: number, i: { Size: number }) => n + i.Size, 0));
    const verbose = await ok('system', 'df', '-v');
    assert.match(
      verbose,
      /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/,
    );
    assert.match(verbose, new RegExp(`\\nbusybox +latest +${busyboxId.slice(7, 19)} `));
    const json = (await ok('system', 'df', '--format', 'json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      json.map((j) => j.Type),
      ['Images', 'Containers', 'Local Volumes', 'Build Cache'],
    );
  });
});

describe('berth image prune', { skip: busyboxMissing() }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let tarball: string;
  let host: string;
  const berth = (...args: string[]) => runBerth(['-H', host, ...args]);
  const ids = async () => {
    const r = await berth('images', '-a', '-q', '--no-trunc');
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  };

  before(async () => {
    dirs = await tempDirs();
    host = `unix://${dirs.socket}`;
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    work = mkdtempSync(join(tmpdir(), 'berth-image-prune-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
  });
  after(async () => {
    await daemon?.stop();
    await dirs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks first, and removes nothing without a yes', async () => {
    const dangling = (await berth('import', tarball)).stdout.trim();
    const r = await spawnBerth(['-H', host, 'image', 'prune'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n',
    );
    assert.deepEqual(await ids(), [dangling]);
    const yes = await spawnBerth(['-H', host, 'image', 'prune'], { stdin: 'y\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(
      yes.stdout,
      new RegExp(`\\[y/N\\] Deleted Images:\\ndeleted: ${dangling}\\n\\nTotal reclaimed space: `),
    );
    assert.deepEqual(await ids(), []);
  });

  it('removes dangling images only, or with -a every unused one, and says what it reclaimed', async () => {
    const tagged = (await berth('import', '-c', 'LABEL keep=yes', tarball, 'kept:1')).stdout.trim();
    const dangling = (await berth('import', '-c', 'LABEL keep=no', tarball)).stdout.trim();
    const r = await berth('image', 'prune', '-f');
    assert.equal(r.code, 0, r.stderr);
    // The dangling image shares its only layer with kept:1: nothing is reclaimed.
    assert.equal(r.stdout, `Deleted Images:\ndeleted: ${dangling}\n\nTotal reclaimed space: 0B\n`);
    assert.deepEqual(await ids(), [tagged]);
    const filtered = await berth('image', 'prune', '-a', '-f', '--filter', 'label=keep=no');
    assert.equal(filtered.stdout, 'Total reclaimed space: 0B\n');
    const all = await berth('image', 'prune', '-af');
    assert.equal(all.code, 0, all.stderr);
    assert.match(
      all.stdout,
      new RegExp(
        `^Deleted Images:\\nuntagged: kept:1\\ndeleted: ${tagged}\\n\\nTotal reclaimed space: 2\\.\\d+MB\\n$`,
      ),
    );
    assert.deepEqual(await ids(), []);
    assert.equal(JSON.parse((await httpRequest(dirs.socket, 'GET', '/info')).body).Images, 0);
  });
});

describe('berth daemon --storage-driver', () => {
  it('uses the driver asked for, and keeps a root on the driver it started with', async () => {
    const dirs = await tempDirs();
    try {
      const vfs = await TestDaemon.start({
        root: dirs.root,
        state: dirs.state,
        args: ['--storage-driver', 'vfs'],
      });
      try {
        const info = JSON.parse((await httpRequest(dirs.socket, 'GET', '/info')).body);
        assert.equal(info.Driver, 'vfs');
        assert.equal(info.Images, 0);
      } finally {
        await vfs.stop();
      }
      const r = await runBerth([
        'daemon',
        '--root',
        dirs.root,
        '--state',
        dirs.state,
        '--storage-driver',
        'overlay2',
      ]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /uses the vfs storage driver; it cannot switch to overlay/);
      const bad = await runBerth(['daemon', '--root', dirs.root, '--state', dirs.state, '-s', 'zfs']);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /unknown storage driver "zfs"/);
    } finally {
      await dirs.cleanup();
    }
  });
});
