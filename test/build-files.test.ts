// COPY, ADD and the stage graph as a user meets them, as root on the real kernel:
// `berth build` against a daemon on a temporary root, on the busybox test image.
// Remote ADD downloads from an HTTP server this test runs on 127.0.0.1 (the
// daemon downloads on the host's network). Results are read with `berth run`
// (busybox's stat and find) and `image inspect`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatPlatform, hostPlatform } from '../src/oci/platform.ts';
import { runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { makeContext } from './helpers/build-context.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs)' : busyboxMissing();
const BASE = 'busybox:build';
const EPOCH = '1700000000';
const EPOCH_TIME = '2023-11-14T22:13:20Z';
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

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

/** The ID printed after step `n` (` ---> 0123456789ab`). */
function stepId(output: string, n: number): string {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`Step ${n}/`));
  assert.ok(at >= 0, `no step ${n} in:\n${output}`);
  const id = lines.slice(at + 1).find((l) => /^ ---> [0-9a-f]{12}$/.test(l));
  assert.ok(id, `no ID after step ${n} in:\n${output}`);
  return id.slice(6);
}

/** An HTTP server of files, counting requests, with gates two requests must meet at. */
class FileServer {
  readonly files = new Map<string, { body: string | Buffer; lastModified?: string }>();
  readonly requests: string[] = [];
  /** Gate requests answer at once (true) or only when their partner has arrived too. */
  gatesOpen = false;
  private readonly waiting = new Map<string, () => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      this.requests.push(path);
      const gate = /^\/gate\/(\w+)$/.exec(path);
      if (gate) {
        const name = gate[1];
        const partner = new URL(req.url ?? '/', 'http://x').searchParams.get('with') ?? '';
        const answer = () => res.end(`through gate ${name}\n`);
        if (this.gatesOpen) return answer();
        const other = this.waiting.get(partner);
        if (other) {
          this.waiting.delete(partner);
          other();
          return answer();
        }
        // Alone for too long: the stages did not run at once.
        const timer = setTimeout(() => {
          this.waiting.delete(name);
          res.writeHead(504);
          res.end(`gate ${name}: ${partner} never came`);
        }, 30_000);
        this.timers.add(timer);
        this.waiting.set(name, () => {
          clearTimeout(timer);
          answer();
        });
        return;
      }
      const f = this.files.get(path);
      if (!f) {
        res.writeHead(404);
        res.end('not here');
        return;
      }
      if (f.lastModified) res.setHeader('Last-Modified', f.lastModified);
      res.end(f.body);
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  count(path: string): number {
    return this.requests.filter((r) => r === path).length;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

describe('berth build: COPY, ADD and stages', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const http = new FileServer();
  const berth = (args: string[], env: Record<string, string> = {}) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], env, { timeoutMs: 180_000 });
  async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await berth(args, env);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  /** A build that fails: 1 for a failed step, 125 for a request the daemon refuses outright. */
  async function fails(args: string[], message: RegExp, code = 1): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, code, `berth ${args.join(' ')} should fail:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, message);
    return r.stderr;
  }
  const context = (files: Record<string, string>) => makeContext(work, files);
  const inspect = async (ref: string, format: string) =>
    (await ok(['image', 'inspect', '--format', format, ref])).trim();
  const inImage = async (ref: string, ...cmd: string[]) => (await ok(['run', '--rm', ref, ...cmd])).trim();
  /** Every blob in the daemon's content store. */
  function blobs(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (dir.endsWith(join('blobs', 'sha256'))) found.push(e.name);
      }
    };
    walk(dirs.root);
    return found.sort();
  }

  before(async () => {
    dirs = await tempDirs('berth-build-files-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-files-work-'));
    await http.start();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    await ok(['import', makeBusyboxTarball(work, join(work, 'busybox.tar')), BASE]);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    await http.stop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('ADD of a URL: named from its path or the destination, mode 0600, mtime from Last-Modified, archives kept whole', async () => {
    const archiveDir = mkdtempSync(join(work, 'arch-'));
    writeFileSync(join(archiveDir, 'inside.txt'), 'inside\n');
    http.files.set('/files/one.txt', { body: 'one\n' });
    http.files.set('/dated/two.txt', { body: 'two\n', lastModified: LAST_MODIFIED });
    http.files.set('/files/arch.tar.gz', {
      body: execFileSync('tar', ['-C', archiveDir, '-cz', 'inside.txt']),
    });
    http.files.set('/', { body: 'root\n' });
    const u = http.url;
    const dir = context({
      Dockerfile: [
        `FROM ${BASE}`,
        `ADD ${u}/files/one.txt /d/`,
        `ADD ${u}/dated/two.txt /d/renamed`,
        `ADD ${u}/files/arch.tar.gz /d/`,
        `ADD --chown=5:6 --chmod=640 ${u}/files/one.txt /e/f/`,
        `ADD ${u}/ /named-by-dest`,
        '',
      ].join('\n'),
    });
    await ok(['build', '-t', 'add-url:1', dir]);
    const stat = await inImage(
      'add-url:1',
      ...['busybox', 'stat', '-c', '%n %a %u:%g %Y'],
      ...['/d/one.txt', '/d/renamed', '/d/arch.tar.gz', '/e', '/e/f', '/e/f/one.txt', '/named-by-dest'],
    );
    // Directories made for the destination are the step's (their mtime is the build's time).
    const withoutDirTimes = stat.split('\n').map((l) => l.replace(/^(\/e(?:\/f)? 755 5:6) \d+$/, '$1'));
    assert.deepEqual(withoutDirTimes, [
      '/d/one.txt 600 0:0 0',
      '/d/renamed 600 0:0 1445412480',
      '/d/arch.tar.gz 600 0:0 0',
      '/e 755 5:6',
      '/e/f 755 5:6',
      '/e/f/one.txt 640 5:6 0',
      '/named-by-dest 600 0:0 0',
    ]);
    assert.equal(await inImage('add-url:1', 'cat', '/d/one.txt', '/named-by-dest'), 'one\nroot');
    await fails(
      ['build', context({ Dockerfile: `FROM ${BASE}\nADD ${u}/ /d/\n` })],
      /cannot determine filename for source http:\/\/127\.0\.0\.1:\d+\//,
    );
    await fails(
      ['build', context({ Dockerfile: `FROM ${BASE}\nADD ${u}/nothing-here /d/\n` })],
      /failed to GET http:\/\/127\.0\.0\.1:\d+\/nothing-here with status 404/,
    );
  });

  it('ADD --checksum: a match builds; a mismatch fails naming the URL and both digests, and stores nothing', async () => {
    const body = 'checked content\n';
    http.files.set('/checked.txt', { body });
    const url = `${http.url}/checked.txt`;
    await ok([
      'build',
      '-t',
      'checked:good',
      context({ Dockerfile: `FROM ${BASE}\nADD --checksum=sha256:${sha256(body)} ${url} /c.txt\n` }),
    ]);
    assert.equal(await inImage('checked:good', 'cat', '/c.txt'), body.trim());
    const before = blobs();
    const wrong = `sha256:${'0'.repeat(64)}`;
    const dir = context({ Dockerfile: `FROM ${BASE}\nRUN true\nADD --checksum=${wrong} ${url} /c.txt\n` });
    const stderr = await fails(['build', '-t', 'checked:bad', dir], /checksum mismatch/);
    assert.ok(stderr.includes(url), stderr);
    assert.ok(stderr.includes(`expected ${wrong}`), stderr);
    assert.ok(stderr.includes(`sha256:${sha256(body)}`), stderr);
    const after = blobs();
    // The RUN before it made a layer (and may be reused); the ADD step left nothing.
    const added = after.filter((b) => !before.includes(b));
    assert.ok(added.length <= 1, `only the RUN's layer may be new: ${added.join(' ')}`);
    const again = await berth(['build', '-t', 'checked:bad', dir]);
    assert.equal(again.code, 1);
    // nothing new (garbage collection may take a blob the first failure left unreferenced)
    const more = blobs().filter((b) => !after.includes(b));
    assert.deepEqual(more, [], 'a second failing build stores nothing more');
    assert.equal((await berth(['image', 'inspect', 'checked:bad'])).code, 1, 'nothing is tagged');
    const scratch = readdirSync(join(dirs.root, 'build')).filter((n) => /^(copy|step|from)-/.test(n));
    assert.deepEqual(scratch, [], 'no download or step directory is left behind');
    await fails(
      ['build', context({ Dockerfile: `FROM ${BASE}\nADD --checksum=sha256:abc ${url} /c.txt\n` })],
      /invalid checksum "sha256:abc"/,
    );
  });

  it('ADD of a URL downloads every build and hits the cache when the content is the same; with --checksum a hit downloads nothing', async () => {
    http.files.set('/cache/c.txt', { body: 'version 1\n' });
    const dir = context({ Dockerfile: `FROM ${BASE}\nADD ${http.url}/cache/c.txt /c.txt\nRUN cat /c.txt\n` });
    const add = `hit ADD ${http.url}/cache/c.txt /c.txt`;
    await ok(['build', dir]);
    assert.equal(http.count('/cache/c.txt'), 1);
    assert.deepEqual(steps(await ok(['build', dir])).slice(1), [add, 'hit RUN cat /c.txt']);
    assert.equal(http.count('/cache/c.txt'), 2, 'downloaded again to compare');
    http.files.set('/cache/c.txt', { body: 'version 2\n' });
    assert.deepEqual(steps(await ok(['build', '-t', 'cache-url:2', dir])).slice(1), [
      add.replace(/^hit/, 'run'),
      'run RUN cat /c.txt',
    ]);
    assert.equal(await inImage('cache-url:2', 'cat', '/c.txt'), 'version 2');

    const body = 'pinned\n';
    http.files.set('/cache/pinned.txt', { body });
    const pinned = context({
      Dockerfile: `FROM ${BASE}\nADD --checksum=sha256:${sha256(body)} ${http.url}/cache/pinned.txt /p.txt\n`,
    });
    await ok(['build', pinned]);
    assert.equal(http.count('/cache/pinned.txt'), 1);
    assert.match(steps(await ok(['build', pinned]))[1], /^hit ADD/);
    assert.equal(http.count('/cache/pinned.txt'), 1, 'a hit by checksum downloads nothing');
  });

  it('git sources, --keep-git-dir, COPY of a URL and a checksum without a URL are refused clearly', async () => {
    const one = (line: string) => context({ Dockerfile: `FROM ${BASE}\n${line}\n`, 'local.txt': 'x\n' });
    await fails(['build', one('ADD https://example.com/repo.git /src')], /git sources are not supported/);
    await fails(
      ['build', one(`ADD --keep-git-dir=true ${http.url}/files/one.txt /x`)],
      /--keep-git-dir is not supported/,
    );
    await fails(['build', one(`COPY ${http.url}/files/one.txt /x`)], /source can't be a URL for COPY/);
    await fails(
      ['build', one(`ADD --checksum=sha256:${'a'.repeat(64)} local.txt /x`)],
      /--checksum requires an http\(s\) URL source/,
    );
  });

  it('COPY --parents, --exclude and --link; several sources need a destination ending in /', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BASE}`,
        'WORKDIR /app',
        'COPY --parents ./src/./app/*.js lib/*.js /p/',
        'COPY --exclude=*.md --exclude=sub/*.txt docs/ /docs/',
        'COPY --exclude=*.log logs* /logs/',
        'COPY --link cfg.txt /new/deep/dir/cfg.txt',
        'COPY one.txt .',
        '',
      ].join('\n'),
      'src/app/main.js': 'main\n',
      'src/app/util.js': 'util\n',
      'src/app/skip.ts': 'no\n',
      'lib/x.js': 'x\n',
      'docs/README.md': 'readme\n',
      'docs/guide.txt': 'guide\n',
      'docs/sub/a.txt': 'a\n',
      'docs/sub/b.json': 'b\n',
      logs1: 'kept\n',
      'logs2.log': 'left out\n',
      'cfg.txt': 'cfg\n',
      'one.txt': 'one\n',
    });
    await ok(['build', '-t', 'copy-flags:1', dir]);
    const listing = await inImage('copy-flags:1', 'busybox', 'find', '/p', '/docs', '/logs', '/new', '/app');
    assert.deepEqual(listing.split('\n').sort(), [
      '/app',
      '/app/one.txt',
      '/docs',
      '/docs/guide.txt',
      '/docs/sub',
      '/docs/sub/b.json',
      '/logs',
      '/logs/logs1',
      '/new',
      '/new/deep',
      '/new/deep/dir',
      '/new/deep/dir/cfg.txt',
      '/p',
      '/p/app',
      '/p/app/main.js',
      '/p/app/util.js',
      '/p/lib',
      '/p/lib/x.js',
    ]);
    const modes = await inImage('copy-flags:1', 'busybox', 'stat', '-c', '%n %a %u', '/new', '/new/deep/dir');
    assert.deepEqual(modes.split('\n'), ['/new 755 0', '/new/deep/dir 755 0']);

    // An excluded file changes: still a hit. A copied one changes: the step runs.
    writeFileSync(join(dir, 'docs/README.md'), 'readme v2\n');
    const hits = steps(await ok(['build', dir]));
    assert.ok(
      hits.slice(1).every((s) => s.startsWith('hit ')),
      hits.join('\n'),
    );
    writeFileSync(join(dir, 'docs/guide.txt'), 'guide v2\n');
    const rerun = steps(await ok(['build', dir]));
    assert.equal(rerun[3], 'run COPY --exclude=*.md --exclude=sub/*.txt docs/ /docs/');
    assert.equal(rerun[2], 'hit COPY --parents ./src/./app/*.js lib/*.js /p/');

    const multi = (dest: string) =>
      context({ Dockerfile: `FROM ${BASE}\nWORKDIR /w\nCOPY a b ${dest}\n`, a: '', b: '' });
    await fails(
      ['build', multi('.')],
      /When using COPY with more than one source file, the destination must be a directory and end with a \//,
    );
    await ok(['build', multi('./')]);
  });

  it('independent stages build at once; output stays in Dockerfile order; IDs are those of --target builds', async () => {
    const u = http.url;
    const dockerfile = [
      `FROM ${BASE} AS a`,
      `ADD ${u}/gate/a?with=b /a.txt`,
      'RUN echo a-ran > /a-ran',
      `FROM ${BASE} AS b`,
      `ADD ${u}/gate/b?with=a /b.txt`,
      'RUN echo b-ran > /b-ran',
      `FROM ${BASE} AS unused`,
      'RUN echo should-not-run',
      `FROM ${BASE}`,
      'COPY --from=a /a.txt /a-ran /out/',
      'COPY --from=b /b.txt /b-ran /out/',
      'CMD ["cat", "/out/a.txt", "/out/a-ran", "/out/b.txt", "/out/b-ran"]',
      '',
    ].join('\n');
    const dir = context({ Dockerfile: dockerfile });
    const env = { SOURCE_DATE_EPOCH: EPOCH };
    // Each stage's download waits for the other's: only a build of both at once gets through.
    http.gatesOpen = false;
    const out = await ok(['build', '--no-cache', '-t', 'par:1', dir], env);
    assert.doesNotMatch(out, /should-not-run/);
    const numbers = [...out.matchAll(/^Step (\d+)\/(\d+) : /gm)].map((m) => `${m[1]}/${m[2]}`);
    assert.deepEqual(numbers, [
      '1/10',
      '2/10',
      '3/10',
      '4/10',
      '5/10',
      '6/10',
      '7/10',
      '8/10',
      '9/10',
      '10/10',
    ]);
    const blocks = out.split(/^(?=Step \d+\/\d+ : FROM )/m).filter((b) => b.startsWith('Step'));
    assert.equal(blocks.length, 3, 'each stage prints as one block');
    assert.match(blocks[0], /gate\/a[\s\S]*a-ran/);
    assert.match(blocks[1], /gate\/b[\s\S]*b-ran/);
    assert.equal(await inImage('par:1'), ['through gate a', 'a-ran', 'through gate b', 'b-ran'].join('\n'));
    const final = await inspect('par:1', '{{.Id}}');
    assert.equal(final.replace('sha256:', '').slice(0, 12), stepId(out, 10));

    http.gatesOpen = true;
    const a = await ok(['build', '--no-cache', '--target', 'a', '-t', 'par:a', dir], env);
    assert.equal(steps(a).length, 3, '--target a builds stage a alone');
    assert.equal((await inspect('par:a', '{{.Id}}')).slice(7, 19), stepId(out, 3));
    await ok(['build', '--no-cache', '--target', 'b', '-t', 'par:b', dir], env);
    assert.equal((await inspect('par:b', '{{.Id}}')).slice(7, 19), stepId(out, 6));
    await ok(['build', '--no-cache', '-t', 'par:2', dir], env);
    assert.equal(
      await inspect('par:2', '{{.Id}}'),
      final,
      'a second build of both at once gives the same image',
    );
    const cached = await ok(['build', '-t', 'par:3', dir], env);
    assert.ok(
      steps(cached)
        .filter((s) => !s.includes('FROM'))
        .every((s) => s.startsWith('hit ')),
      cached,
    );
    assert.equal(await inspect('par:3', '{{.Id}}'), final, 'and so does one from the cache');
  });

  it('a failing stage stops the build with its error; what needs it never starts', async () => {
    http.gatesOpen = true;
    const dir = context({
      Dockerfile: [
        `FROM ${BASE} AS a`,
        'RUN echo a-output',
        `FROM ${BASE} AS b`,
        'RUN echo b-output && exit 7',
        `FROM ${BASE}`,
        'COPY --from=a /bin/sh /a',
        'COPY --from=b /bin/sh /b',
        '',
      ].join('\n'),
    });
    const r = await berth(['build', dir]);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo b-output && exit 7' returned a non-zero code: 7/);
    // Stage a may be done or cancelled by then (test/build-cancel.test.ts); either way its lines come first.
    assert.match(r.stdout, /^Step 1\/7 : FROM[\s\S]*Step 3\/7 : FROM[\s\S]*b-output/);
    assert.doesNotMatch(r.stdout, /Step 5\/7/, 'the stage that needs both never starts');
  });

  it('SOURCE_DATE_EPOCH: the same Dockerfile and context give the same image, from the cache or not', async () => {
    http.files.set('/dated/two.txt', { body: 'two\n', lastModified: LAST_MODIFIED });
    const files = {
      Dockerfile: [
        `FROM ${BASE}`,
        'ENV X=1',
        'WORKDIR /srv',
        'COPY . /srv/ctx/',
        `ADD ${http.url}/dated/two.txt /srv/`,
        'RUN echo built > /srv/built && mkdir -p /srv/made/deep && echo x > /tmp/x',
        'CMD ["cat", "/srv/built"]',
        '',
      ].join('\n'),
      'a.txt': 'a\n',
      'sub/b.txt': 'b\n',
    };
    const dir = context(files);
    const env = { SOURCE_DATE_EPOCH: EPOCH };
    await ok(['build', '-t', 'repro:plain', dir]);
    await ok(['build', '--no-cache', '-t', 'repro:1', dir], env);
    const id = await inspect('repro:1', '{{.Id}}');
    assert.equal(await inspect('repro:1', '{{.Created}}'), EPOCH_TIME);
    await ok(['build', '--no-cache', '-t', 'repro:2', dir], env);
    assert.equal(await inspect('repro:2', '{{.Id}}'), id, 'built twice without the cache');
    const cached = await ok(['build', '-t', 'repro:3', dir], env);
    assert.ok(
      steps(cached)
        .slice(1)
        .every((s) => s.startsWith('hit ')),
      cached,
    );
    assert.equal(await inspect('repro:3', '{{.Id}}'), id, 'built from the cache');
    await ok(['build', '--no-cache', '-t', 'repro:4', context(files)], env);
    assert.equal(await inspect('repro:4', '{{.Id}}'), id, 'from a new copy of the context (newer mtimes)');
    assert.notEqual(
      await inspect('repro:plain', '{{.Id}}'),
      id,
      'without SOURCE_DATE_EPOCH the times are now',
    );
    const mtimes = await inImage(
      'repro:1',
      'busybox',
      'stat',
      '-c',
      '%Y',
      '/srv/built',
      '/srv/made/deep',
      '/srv/ctx/a.txt',
    );
    assert.deepEqual(mtimes.split('\n'), [EPOCH, EPOCH, EPOCH], 'layer mtimes are clamped');
    const other = await ok([
      'build',
      '--no-cache',
      '-t',
      'repro:5',
      '--build-arg',
      'SOURCE_DATE_EPOCH=1600000000',
      dir,
    ]);
    assert.doesNotMatch(other, /were not consumed/, 'SOURCE_DATE_EPOCH needs no ARG');
    assert.notEqual(await inspect('repro:5', '{{.Id}}'), id);
    await fails(['build', '--build-arg', 'SOURCE_DATE_EPOCH=soon', dir], /invalid SOURCE_DATE_EPOCH "soon"/);
  });

  it("--platform: the host's builds, FROM --platform=$BUILDPLATFORM and TARGETARCH work, others are refused", async () => {
    const host = hostPlatform();
    const dir = context({
      Dockerfile: [
        `FROM --platform=$BUILDPLATFORM ${BASE}`,
        'ARG TARGETARCH',
        'RUN echo "arch=$TARGETARCH" > /arch',
        'CMD ["cat", "/arch"]',
        '',
      ].join('\n'),
    });
    await ok(['build', '--platform', formatPlatform(host), '-t', 'plat:1', dir]);
    assert.equal(await inImage('plat:1'), `arch=${host.architecture}`);
    const other = host.architecture === 's390x' ? 'linux/riscv64' : 'linux/s390x';
    await fails(
      ['build', '--platform', other, dir],
      new RegExp(`building for platform ${other} is not supported`),
      125,
    );
    await fails(
      ['build', context({ Dockerfile: `FROM --platform=${other} ${BASE}\nRUN true\n` })],
      new RegExp(`FROM --platform=${other}: building for platform ${other} is not supported`),
    );
  });
});
