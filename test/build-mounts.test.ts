// RUN --mount, build secrets and RUN --network as a user meets them, as root on the
// real kernel: `berth build` against one daemon on a temporary root whose default
// bridge has a name and a subnet of this test's own (`--bridge bm…`, `--bip
// 172.31.N.1/24`), on the busybox test image. Each mount type is shown from inside
// the RUN (its output is the build's) and from the image after (what the mount left
// in the layer: nothing). A cache mount keeps a file between builds until `builder
// prune`; a secret is readable in its RUN and in no layer, history or log; `type=ssh`
// is refused with its line; `--network=none|default|host` give the step loopback
// only, an address on the bridge, the host's interfaces.
//
// The test touches only what it made: its daemon's root, and once the daemon is
// stopped, the default bridge it named and any firewall rule naming that bridge or
// its subnet.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { cleanEnv, run, runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { deleteRulesNaming, host, hostCidrs, inSubnet, overlaps, tool } from './helpers/host-network.ts';

const missingTool = ['ip', 'iptables-save', 'tar'].find((t) => !tool(t));
const skip =
  process.getuid?.() !== 0
    ? 'needs root (namespaces, overlayfs, bridges)'
    : (busyboxMissing() ?? (missingTool ? `${missingTool} not found` : undefined));
const BASE = 'busybox:mounts';
const SECRET = `s3cr3t-${randomBytes(12).toString('hex')}`;
const ENV_SECRET = `env-s3cr3t-${randomBytes(12).toString('hex')}`;

// ---- the host's side (this test's bridge and its rules) ----

/** Interface names as /proc/net/dev lists them (the host's, or a RUN's printed copy). */
const netDevNames = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => /^\s*([^\s:]+):/.exec(l)?.[1])
    .filter((n): n is string => !!n && n !== 'Inter-' && n !== 'face')
    .sort();

/** Every file of a saved image's layers: member names and contents, decompressed. */
/** Every regular file under the directories (symbolic links not followed). */
function regularFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

function layerBlobs(dir: string): Buffer[] {
  const blobs = join(dir, 'blobs', 'sha256');
  return readdirSync(blobs).map((name) => {
    const data = readFileSync(join(blobs, name));
    return data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
  });
}

describe('RUN --mount, build secrets and RUN --network', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let bridge: string;
  let subnet: string;
  let daemonArgs: string[];
  const berth = (args: string[], env: Record<string, string> = {}) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], env, { timeoutMs: 120_000 });
  async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await berth(args, env);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  /** A context directory with these files; `Dockerfile` lines joined. */
  function context(dockerfile: string[], files: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(work, 'ctx-'));
    for (const [name, content] of Object.entries({ ...files, Dockerfile: `${dockerfile.join('\n')}\n` })) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return dir;
  }
  /** What `cmd` prints in a container of `image`. */
  const inImage = async (image: string, cmd: string) =>
    (await ok(['run', '--rm', image, 'sh', '-c', cmd])).trim();
  /** The bridge's member interfaces: the veths of the containers (and build steps) on it. */
  const bridgeMembers = async () => (await host('ip', '-o', 'link', 'show', 'master', bridge)).trim();

  before(async () => {
    const used = await hostCidrs();
    let n: number;
    do n = randomInt(100, 251);
    while (used.some((u) => overlaps(u, `172.31.${n}.0/24`)));
    subnet = `172.31.${n}.0/24`;
    bridge = `bm${randomBytes(3).toString('hex')}`;
    dirs = await tempDirs('berth-build-mounts-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-mounts-work-'));
    daemonArgs = ['--bridge', bridge, '--bip', `172.31.${n}.1/24`];
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state, args: daemonArgs });
    await ok(['import', makeBusyboxTarball(work, join(work, 'busybox.tar')), BASE]);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    if (bridge) {
      if ((await run(tool('ip') as string, ['link', 'show', bridge], { env: cleanEnv() })).code === 0)
        await host('ip', 'link', 'del', bridge);
      const name = new RegExp(`(?<![\\w.-])${bridge}(?![\\w.-])`);
      const net = new RegExp(`(?<![\\d.])${subnet.split('/')[0]?.replace(/\./g, '\\.')}(?![\\d])`);
      await deleteRulesNaming([name, net]);
    }
    if (work) rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('type=bind mounts the context read-only, a stage with from=, and a rw bind whose writes are dropped', async () => {
    const dir = context(
      [
        `FROM ${BASE} AS gen`,
        'RUN echo generated > /gen.txt',
        `FROM ${BASE}`,
        'RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/a.txt > /from-context && ! touch /mnt/data/new 2>/dev/null',
        'RUN --mount=type=bind,from=gen,source=/gen.txt,target=/g cat /g > /from-stage',
        'WORKDIR /w',
        'RUN --mount=type=bind,target=src,rw echo changed > src/data/a.txt && cat src/data/a.txt > /rw-saw',
        'RUN --mount=type=bind,source=data/a.txt,target=/again cat /again > /after-rw',
        'RUN --mount=type=bind,source=data/a.txt,target=/f,rw echo more >> /f && cat /f > /rw-file',
      ],
      { 'data/a.txt': 'from the context\n' },
    );
    await ok(['build', '-t', 'bind:1', dir]);
    assert.equal(
      readFileSync(join(dir, 'data/a.txt'), 'utf8'),
      'from the context\n',
      'the context is unchanged',
    );
    assert.equal(
      await inImage('bind:1', 'cat /from-context /from-stage /rw-saw /after-rw /rw-file'),
      'from the context\ngenerated\nchanged\nfrom the context\nfrom the context\nmore',
    );
    // The targets were made for the mounts only: no trace of them in the image.
    assert.equal(
      await inImage(
        'bind:1',
        'for p in /mnt /g /w/src /again /f; do test -e $p && echo "$p is there"; done; echo end',
      ),
      'end',
    );
  });

  it('a bind mount of the context is a cache hit while its files are the same, a miss once one changed', async () => {
    const dir = context(
      [`FROM ${BASE}`, 'RUN --mount=type=bind,source=data,target=/d cat /d/a.txt > /seen'],
      {
        'data/a.txt': 'one\n',
        'other.txt': 'not mounted\n',
      },
    );
    await ok(['build', '-t', 'bindkey:1', dir]);
    writeFileSync(join(dir, 'other.txt'), 'changed, but not mounted\n');
    assert.match(await ok(['build', '-t', 'bindkey:2', dir]), /Using cache/);
    writeFileSync(join(dir, 'data/a.txt'), 'two\n');
    assert.doesNotMatch(await ok(['build', '-t', 'bindkey:3', dir]), /Using cache/);
    assert.equal(await inImage('bindkey:3', 'cat /seen'), 'two');
  });

  it('type=tmpfs gives an empty tmpfs of the size asked for, and nothing of it stays', async () => {
    const dir = context([
      `FROM ${BASE}`,
      'RUN --mount=type=tmpfs,target=/scratch,size=1m /bin/busybox grep " /scratch " /proc/mounts > /mounted && echo x > /scratch/f',
    ]);
    await ok(['build', '-t', 'tmpfs:1', dir]);
    const line = await inImage('tmpfs:1', 'cat /mounted; test -e /scratch && echo scratch-left; true');
    assert.match(line, /^tmpfs \/scratch tmpfs \S*size=1024k/);
    assert.doesNotMatch(line, /scratch-left/);
  });

  it('type=cache keeps its files between builds (also with --no-cache) and restarts until builder prune -af', async () => {
    const dir = context([
      `FROM ${BASE} AS seed`,
      'RUN mkdir /seeddir && echo seeded > /seeddir/s',
      `FROM ${BASE}`,
      'RUN --mount=type=cache,target=/var/cache/app,id=counter echo run >> /var/cache/app/log && /bin/busybox wc -l < /var/cache/app/log > /runs',
      'RUN --mount=type=cache,target=/c2,sharing=locked,mode=0700,uid=65534 /bin/busybox stat -c "%a %u" /c2 > /c2-stat',
      'RUN --mount=type=cache,target=/seeded,from=seed,source=/seeddir cat /seeded/s > /seed-saw && echo more >> /seeded/s',
      'RUN --mount=type=cache,target=/seeded,from=seed,source=/seeddir,ro,sharing=private ! touch /seeded/x 2>/dev/null && cat /seeded/s > /seed-saw2',
    ]);
    const runs = async (tag: string) => Number(await inImage(tag, 'cat /runs'));
    await ok(['build', '-t', 'cache:1', dir]);
    assert.equal(await runs('cache:1'), 1);
    assert.equal(await inImage('cache:1', 'cat /seed-saw /seed-saw2'), 'seeded\nseeded\nmore');
    const mounts = join(dirs.root, 'build', 'cache-mounts');
    assert.equal(readdirSync(mounts).length, 3, 'one directory per cache (id, and seed)');
    await ok(['build', '--no-cache', '-t', 'cache:2', dir]);
    assert.equal(await runs('cache:2'), 2, 'the second build sees the file the first left in the cache');
    const stat = await inImage('cache:2', 'cat /c2-stat; test -e /var/cache/app && echo target-left; true');
    assert.match(stat, /^700 65534$/m, stat);
    assert.doesNotMatch(stat, /target-left/);

    await daemon.stop();
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state, args: daemonArgs });
    await ok(['build', '--no-cache', '-t', 'cache:3', dir]);
    assert.equal(await runs('cache:3'), 3, 'the cache outlives the daemon');
    const df = await ok(['system', 'df', '-v', '--format', 'json']);
    const cacheMounts = (JSON.parse(df).BuildCache as { ID: string; CacheType: string }[])
      .filter((bc) => bc.CacheType === 'exec.cachemount')
      .map((bc) => bc.ID)
      .sort();
    assert.deepEqual(cacheMounts, readdirSync(mounts).sort(), 'system df -v lists each cache mount');

    const pruned = await ok(['builder', 'prune', '-af']);
    assert.match(pruned, /Deleted build cache objects:/);
    assert.deepEqual(readdirSync(mounts), [], 'builder prune -af removes the cache mounts');
    assert.match(await ok(['system', 'df']), /^Build Cache +0 +0 +0B +0B$/m);
    await ok(['build', '--no-cache', '-t', 'cache:4', dir]);
    assert.equal(await runs('cache:4'), 1, 'after the prune the cache starts empty');
    assert.equal(await inImage('cache:4', 'cat /seed-saw'), 'seeded');
  });

  it('a secret is readable in the RUN that mounts it and in no layer, history entry or log', async () => {
    const secretFile = join(work, 'secret.txt');
    writeFileSync(secretFile, SECRET);
    const dir = context([
      `FROM ${BASE}`,
      'RUN --mount=type=secret,id=tok /bin/busybox sha256sum < /run/secrets/tok > /tok-sha && /bin/busybox stat -c "%a %u %g" /run/secrets/tok > /tok-stat',
      'RUN --mount=type=secret,id=envtok,target=/etc/tok,mode=0440,gid=65534 /bin/busybox sha256sum < /etc/tok > /envtok-sha && /bin/busybox stat -c "%a %u %g" /etc/tok > /envtok-stat && ! (echo x > /etc/tok) 2>/dev/null',
      'RUN test ! -e /run/secrets/tok && echo not-mounted-here > /unmounted',
      'RUN --mount=type=secret,id=absent echo optional-secret-absent-is-fine > /optional',
      'RUN --mount=type=secret,id=tok,env=TOK printf %s "$TOK" | /bin/busybox sha256sum > /var-sha && test ! -e /run/secrets/tok && echo var-only > /var-only',
      'RUN --mount=type=secret,id=envtok,env=TOK2,target=/t2 printf %s "$TOK2" | /bin/busybox sha256sum > /var2-sha && /bin/busybox sha256sum < /t2 >> /var2-sha',
      'RUN --mount=type=secret,id=absent,env=NOPE /bin/busybox env | /bin/busybox grep -c ^NOPE= > /var-absent; true',
    ]);
    const env = { MYVAR: ENV_SECRET };
    const out = await ok(
      [
        'build',
        '-t',
        'secret:1',
        '--secret',
        `id=tok,src=${secretFile}`,
        '--secret',
        'id=envtok,env=MYVAR',
        dir,
      ],
      env,
    );
    assert.equal(out.includes(SECRET) || out.includes(ENV_SECRET), false, 'the build output');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.equal(
      await inImage('secret:1', 'cat /tok-sha /tok-stat /envtok-sha /envtok-stat /unmounted /optional'),
      [
        `${sha(SECRET)}  -`,
        '400 0 0',
        `${sha(ENV_SECRET)}  -`,
        '440 0 65534',
        'not-mounted-here',
        'optional-secret-absent-is-fine',
      ].join('\n'),
    );
    assert.equal(
      await inImage('secret:1', 'cat /var-sha /var-only /var2-sha /var-absent'),
      [`${sha(SECRET)}  -`, 'var-only', `${sha(ENV_SECRET)}  -`, `${sha(ENV_SECRET)}  -`, '0'].join('\n'),
      'env= puts the secret in the variable; a file only where a target is given',
    );
    const configEnv = await ok(['image', 'inspect', '--format', '{{json .Config.Env}}', 'secret:1']);
    assert.doesNotMatch(configEnv, /TOK/, 'a secret variable is not in the image config');
    assert.equal(
      await inImage('secret:1', 'ls -d /run /run/secrets /etc/tok 2>/dev/null; echo end'),
      'end',
      'no mountpoint of a secret is left in the image',
    );
    // Every blob of the saved image (layers, config, manifest), decompressed: no secret, no mountpoint.
    const saved = join(work, 'secret-image');
    mkdirSync(saved);
    await ok(['save', '-o', join(saved, 'image.tar'), 'secret:1']);
    await host('tar', '-xf', join(saved, 'image.tar'), '-C', saved);
    const blobs = layerBlobs(saved);
    assert.ok(blobs.length >= 4, `the saved image has its blobs (${blobs.length})`);
    for (const b of blobs) {
      assert.equal(b.includes(SECRET), false, 'the file secret is in no blob');
      assert.equal(b.includes(ENV_SECRET), false, 'the env secret is in no blob');
      // A layer tar (the config's history names the path in its RUN's command).
      if (b.toString('latin1', 257, 262) === 'ustar')
        assert.equal(b.includes('run/secrets'), false, 'no mountpoint of a secret is in a layer');
    }
    const history = await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'secret:1']);
    assert.match(history, /sha256sum < \/run\/secrets\/tok/);
    assert.equal(history.includes(SECRET) || history.includes(ENV_SECRET), false, 'the history');
    assert.equal(daemon.stderr.includes(SECRET) || daemon.stderr.includes(ENV_SECRET), false, 'the log');
    // Nor in the metadata database (the build cache's records).
    const dbFiles = readdirSync(dirs.root).filter((f) => /\.db(-wal)?$/.test(f));
    assert.ok(dbFiles.length > 0, 'the metadata database is there to look into');
    for (const n of dbFiles) {
      const bytes = readFileSync(join(dirs.root, n));
      assert.equal(bytes.includes(SECRET) || bytes.includes(ENV_SECRET), false, n);
    }
    assert.deepEqual(readdirSync(join(dirs.state, 'build-secrets')), [], 'the secret files are gone');
    // Nor anywhere else the daemon keeps files (the steps' runtime specs held the variables).
    for (const file of regularFiles([dirs.root, dirs.state])) {
      const bytes = readFileSync(file);
      assert.equal(bytes.includes(SECRET) || bytes.includes(ENV_SECRET), false, file);
    }
  });

  it('a required secret that was not given fails its step with the line', async () => {
    const dir = context([
      `FROM ${BASE}`,
      'RUN true',
      'RUN --mount=type=secret,id=missing,required cat /run/secrets/missing',
    ]);
    const r = await berth(['build', '-t', 'nosecret:1', dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Dockerfile:3:\d+: .*secret missing not found/);
  });

  it('--mount=type=ssh is refused, naming the line', async () => {
    const dir = context([`FROM ${BASE}`, 'RUN echo before', 'RUN --mount=type=ssh ls /run']);
    const r = await berth(['build', '-t', 'ssh:1', dir]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Dockerfile:3:1: RUN --mount=type=ssh ls \/run: --mount=type=ssh is not supported/,
    );
    assert.equal((await berth(['image', 'inspect', 'ssh:1'])).code === 0, false, 'nothing is tagged');
  });

  it('RUN --network=none has only lo; the default is on the bridge; host sees the host', async () => {
    const dir = context([
      `FROM ${BASE}`,
      'RUN --network=none cat /proc/net/dev > /none',
      'RUN cat /proc/net/dev > /default && /bin/busybox ip -4 -o addr show eth0 > /default-addr',
      'RUN --network=default /bin/busybox ip -4 -o addr show eth0 > /explicit-addr',
      'RUN --network=host cat /proc/net/dev > /host',
    ]);
    await ok(['build', '-t', 'net:1', dir]);
    assert.deepEqual(netDevNames(await inImage('net:1', 'cat /none')), ['lo']);
    assert.deepEqual(netDevNames(await inImage('net:1', 'cat /default')), ['eth0', 'lo']);
    for (const file of ['/default-addr', '/explicit-addr']) {
      const addr = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(await inImage('net:1', `cat ${file}`))?.[1];
      assert.ok(addr, `${file} shows an address`);
      assert.ok(inSubnet(addr, subnet), `${addr} is in ${subnet}`);
    }
    assert.deepEqual(
      netDevNames(await inImage('net:1', 'cat /host')),
      netDevNames(readFileSync('/proc/net/dev', 'utf8')),
    );
    assert.equal(await bridgeMembers(), '', 'the steps left no interface on the bridge');

    // `build --network none`: steps that name no network get none; one that names host keeps it.
    const plain = context([
      `FROM ${BASE}`,
      'RUN cat /proc/net/dev > /plain',
      'RUN --network=host cat /proc/net/dev > /host',
    ]);
    await ok(['build', '--network', 'none', '-t', 'net:2', plain]);
    assert.deepEqual(netDevNames(await inImage('net:2', 'cat /plain')), ['lo']);
    assert.ok(netDevNames(await inImage('net:2', 'cat /host')).length > 1);
    const bad = await berth(['build', '--network', 'mynet', plain]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /network mode "mynet" is not supported for builds/);
  });

  it('a failing RUN on the bridge takes its network down too', async () => {
    const dir = context([`FROM ${BASE}`, 'RUN /bin/busybox ip -4 -o addr show eth0 && exit 3']);
    const r = await berth(['build', dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /inet 172\.31\./);
    assert.equal(await bridgeMembers(), '');
  });
});
