// A container's filesystem as a user reaches it, as root on the real kernel: `diff`,
// `commit` (and running the new image), `export` and `cp` both ways with Docker's
// rules, for running and stopped containers; `cp` never following a symlink of the
// container out of it; and the docker CLI driving berthd for diff, cp and export.
import assert from 'node:assert/strict';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BERTH_BIN,
  cleanEnv,
  ensureBuilt,
  findDocker,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { ptyMissing, runInPty } from './helpers/pty.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs, cgroups)' : busyboxMissing();
const IMAGE = 'busybox:files';

describe("a container's files: diff, commit, export, cp", { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  /** The host file a symlink in the container points at, which no copy may reveal. */
  let secret: string;
  const berth = (args: string[], input?: string) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { input, timeoutMs: 60_000 });
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }
  /** A shell line with `$B` standing for berth on the test daemon (for pipes of binary tars). */
  const sh = (line: string) =>
    run('sh', ['-c', line], {
      env: cleanEnv({ B: `${process.execPath} ${BERTH_BIN} -H unix://${dirs.socket}`, W: work }),
      timeoutMs: 60_000,
    });
  async function shOk(line: string): Promise<string> {
    const r = await sh(line);
    assert.equal(r.code, 0, `${line} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }
  const mountedRootfs = () =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(join(dirs.root, 'containers')));
  const diff = async (ref: string) => (await ok('diff', ref)).split('\n').filter(Boolean);
  /** Whether a container's root filesystem is mounted; a copy's mount goes a moment after its answer. */
  async function unmountedSoon(ref: string): Promise<boolean> {
    const id = (await ok('inspect', '--format', '{{.Id}}', ref)).trim();
    for (let i = 0; i < 100; i++) {
      if (!mountedRootfs().some((l) => l.includes(id))) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs('berth-files-');
    work = mkdtempSync(join(tmpdir(), 'berth-files-work-'));
    mkdirSync(join(work, 'host'));
    secret = join(work, 'host', 'secret');
    writeFileSync(secret, 'HOST SECRET\n');
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    await ok('import', makeBusyboxTarball(work, join(work, 'busybox.tar')), IMAGE);
    // A container whose filesystem tries to lead copies out of it.
    const outward = `${'../'.repeat(12)}${secret.slice(1)}`;
    await ok(
      'run',
      '--name',
      'evil',
      IMAGE,
      'sh',
      '-c',
      `busybox ln -s / /evil && busybox ln -s ${outward} /etc/link && echo mine > /etc/own`,
    );
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('diff lists what a container added, changed and deleted, running or stopped', async () => {
    await ok('run', '--name', 'differ', IMAGE, 'sh', '-c', 'echo hi > /tmp/x; rm /etc/group; mkdir -p /a/b');
    assert.deepEqual(await diff('differ'), [
      'A /a',
      'A /a/b',
      'C /etc',
      'D /etc/group',
      'C /tmp',
      'A /tmp/x',
    ]);
    await ok('run', '-d', '--name', 'live', IMAGE, 'sh', '-c', 'rm -r /var/www; sleep 1000');
    for (let i = 0; i < 100 && (await diff('live')).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await diff('live'), ['C /var', 'D /var/www']);
    assert.deepEqual(
      await diff((await ok('create', IMAGE, 'true')).trim()),
      [],
      'a new container changed nothing',
    );
    const none = await berth(['diff', 'nope']);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /No such container: nope/);
  });

  it('commit makes an image of the changes that runs with them, config changes and history applied', async () => {
    await ok(
      'run',
      '-d',
      '--name',
      'builder',
      IMAGE,
      'sh',
      '-c',
      'echo built > /artifact; rm /etc/group; sleep 1000',
    );
    for (let i = 0; i < 100 && !(await diff('builder')).includes('A /artifact'); i++)
      await new Promise((r) => setTimeout(r, 50));
    const id = (
      await ok(
        'commit',
        '-a',
        'Ada <ada@example.com>',
        '-m',
        'first commit',
        '-c',
        'ENV GREETING=hello',
        '-c',
        'CMD ["sh", "-c", "echo $GREETING; cat /artifact; ls /etc"]',
        'builder',
        'committed:v1',
      )
    ).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(
      (await ok('inspect', '--format', '{{.State.Status}}', 'builder')).trim(),
      'running',
      'unpaused',
    );
    const out = await ok('run', '--rm', 'committed:v1');
    assert.equal(
      out,
      'hello\nbuilt\nhostname\nhosts\npasswd\nresolv.conf\n',
      'the deletion is in the image too',
    );
    const [image] = JSON.parse(await ok('image', 'inspect', 'committed:v1'));
    assert.equal(image.Id, id);
    assert.equal(image.Author, 'Ada <ada@example.com>');
    assert.equal(image.RootFS.Layers.length, 2);
    const history = await ok(
      'history',
      '--no-trunc',
      '--format',
      '{{.Comment}}|{{.CreatedBy}}',
      'committed:v1',
    );
    assert.equal(
      history.split('\n')[0],
      'first commit|sh -c echo built > /artifact; rm /etc/group; sleep 1000',
    );
    // nothing changed since: the next commit adds no layer
    await ok('run', '--name', 'unchanged', 'committed:v1', 'true');
    await ok('commit', '-p=false', 'unchanged', 'committed:v2');
    const [v2] = JSON.parse(await ok('image', 'inspect', 'committed:v2'));
    assert.equal(v2.RootFS.Layers.length, 2);
    assert.equal(v2.Parent, id);
    const bad = await berth(['commit', '-c', 'RUN true', 'builder']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /RUN is not a valid change command/);
  });

  it('export writes the merged filesystem; a stopped container is mounted only meanwhile', async () => {
    const names = (await shOk('$B export differ | tar -t')).split('\n');
    for (const n of ['bin/busybox', 'etc/passwd', 'tmp/x', 'a/b/']) assert.ok(names.includes(n), n);
    assert.ok(!names.includes('etc/group'), 'the deleted file is not there');
    assert.ok(await unmountedSoon('differ'), 'unmounted again');
    await ok('export', '-o', join(work, 'live.tar'), 'live');
    const live = (await shOk(`tar -tf ${join(work, 'live.tar')}`)).split('\n');
    assert.ok(
      live.includes('bin/busybox') && !live.includes('var/www/'),
      'a running container, as it is now',
    );
  });

  it('cp out of a container follows Docker\'s rules for files, directories and "-"', async () => {
    const out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'file'), 'old');
    await ok('cp', 'differ:/tmp/x', join(out, 'x1'));
    assert.equal(readFileSync(join(out, 'x1'), 'utf8'), 'hi\n');
    await ok('cp', 'differ:/tmp/x', join(out, 'file'));
    assert.equal(readFileSync(join(out, 'file'), 'utf8'), 'hi\n', 'an existing file is overwritten');
    await ok('cp', 'differ:/tmp/x', `${out}/`);
    assert.equal(readFileSync(join(out, 'x'), 'utf8'), 'hi\n', 'into an existing directory');
    await ok('cp', 'differ:/etc', join(out, 'etc-copy'));
    assert.deepEqual(readdirSync(join(out, 'etc-copy')), ['hostname', 'hosts', 'passwd', 'resolv.conf']);
    await ok('cp', 'differ:/etc', out);
    assert.ok(existsSync(join(out, 'etc/passwd')), 'a directory into a directory keeps its name');
    mkdirSync(join(out, 'contents'));
    await ok('cp', 'differ:/a/.', join(out, 'contents'));
    assert.deepEqual(readdirSync(join(out, 'contents')), ['b'], 'with /. only the contents');
    const missingDir = await berth(['cp', 'differ:/tmp/x', join(out, 'nodir/')]);
    assert.match(missingDir.stderr, /no such directory/);
    const dirOnFile = await berth(['cp', 'differ:/etc', join(out, 'file')]);
    assert.match(dirOnFile.stderr, /cannot copy directory/);
    const missing = await berth(['cp', 'differ:/nope', out]);
    assert.match(missing.stderr, /Could not find the file \/nope in container differ/);
    assert.equal(await shOk('$B cp differ:/tmp/x - | tar -t'), 'x\n');
    assert.equal(await shOk('$B cp differ:/a - | tar -t'), 'a/\na/b/\n');
    assert.equal(
      await shOk('$B cp differ:/etc/hostname - | tar -xO'),
      `${(await ok('inspect', '--format', '{{.Id}}', 'differ')).slice(0, 12)}\n`,
    );
  });

  it('cp into a container, running or stopped, from a file, a directory or a tar on stdin', async () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'dir/sub'), { recursive: true });
    writeFileSync(join(src, 'dir/a'), 'A');
    writeFileSync(join(src, 'dir/sub/b'), 'B');
    writeFileSync(join(src, 'file'), 'F');
    chownSync(join(src, 'file'), 1234, 1234);
    await ok('create', '--name', 'target', '--user', 'nobody', IMAGE, 'sleep', '1000');
    await ok('cp', join(src, 'dir'), 'target:/tmp/new');
    await ok('cp', join(src, 'dir'), 'target:/tmp');
    await ok('cp', `${src}/dir/.`, 'target:/root');
    await ok('cp', join(src, 'file'), 'target:/tmp/plain');
    await ok('cp', '-a', join(src, 'file'), 'target:/tmp/owned');
    await shOk(`tar -C ${src} -c file | $B cp - target:/var`);
    const stdinOnFile = await sh(`tar -C ${src} -c file | $B cp - target:/tmp/plain`);
    assert.match(stdinOnFile.stderr, /destination "target:\/tmp\/plain" must be a directory/);
    assert.deepEqual(await diff('target'), [
      'C /root',
      'A /root/a',
      'A /root/sub',
      'A /root/sub/b',
      'C /tmp',
      'A /tmp/dir',
      'A /tmp/dir/a',
      'A /tmp/dir/sub',
      'A /tmp/dir/sub/b',
      'A /tmp/new',
      'A /tmp/new/a',
      'A /tmp/new/sub',
      'A /tmp/new/sub/b',
      'A /tmp/owned',
      'A /tmp/plain',
      'C /var',
      'A /var/file',
    ]);
    const owners = await shOk(
      '$B cp target:/tmp - | tar -tvn | awk \'{print $NF, $2}\' | grep -E "plain|owned"',
    );
    // -a: owned by the container's user; without: as the archive says (Docker's rules)
    assert.equal(owners, 'tmp/owned 65534/65534\ntmp/plain 1234/1234\n');
    await ok('start', 'target');
    await ok('cp', join(src, 'file'), 'target:/tmp/while-running');
    assert.equal(await shOk('$B cp target:/tmp/while-running - | tar -xO'), 'F');
    assert.equal((await ok('inspect', '--format', '{{.State.Status}}', 'target')).trim(), 'running');
    await ok('rm', '-f', 'target');
  });

  it('cp never goes through a symlink of the container out of it', async () => {
    const hostname = await shOk('$B cp evil:/evil/etc/hostname - | tar -xO');
    assert.equal(hostname, `${(await ok('inspect', '--format', '{{.Id}}', 'evil')).slice(0, 12)}\n`);
    assert.notEqual(hostname, readFileSync('/etc/hostname', 'utf8'));
    assert.equal(await shOk('$B cp evil:/evil/etc/own - | tar -xO'), 'mine\n');
    // the escaping link is copied as a link, and followed (-L) it leads nowhere in the container
    assert.match(await shOk('$B cp evil:/etc/link - | tar -tv'), /^l.* link -> (\.\.\/)+/);
    const followed = await berth(['cp', '-L', 'evil:/etc/link', join(work, 'leak')]);
    assert.notEqual(followed.code, 0);
    assert.match(followed.stderr, new RegExp(`Could not find the file ${secret}`));
    assert.equal(existsSync(join(work, 'leak')), false);
    const all = await shOk('$B cp evil:/evil/ - | tar -xO 2>/dev/null; true');
    assert.ok(!all.includes('HOST SECRET'));
    // writing through /evil lands in the container, not on the host's /
    writeFileSync(join(work, 'payload'), 'payload');
    await ok('cp', join(work, 'payload'), 'evil:/evil/x-from-test');
    assert.equal(existsSync('/x-from-test'), false);
    assert.equal(await shOk('$B cp evil:/x-from-test - | tar -xO'), 'payload');
    // /etc/link leads to a path the container does not have: the copy fails, the host's file stays
    const onLink = await berth(['cp', join(work, 'payload'), 'evil:/etc/link']);
    assert.notEqual(onLink.code, 0);
    assert.equal(readFileSync(secret, 'utf8'), 'HOST SECRET\n');
    assert.ok((await diff('evil')).includes('A /x-from-test'));
    // a tar whose members go through the container's symlinks is refused whole
    writeFileSync(join(work, 'inner'), 'inner');
    const through = await sh(
      `tar -C ${work} -c --transform 's,^inner,evil/tmp/through,' inner | $B cp - evil:/`,
    );
    assert.notEqual(through.code, 0);
    assert.match(through.stderr, /symlink/);
    assert.equal(existsSync('/tmp/through'), false);
    assert.ok(await unmountedSoon('evil'), 'the stopped container is not left mounted');
  });

  it('cp prints what it copied on a terminal, as Docker does', { skip: ptyMissing() }, () => {
    const env = { ...process.env, BERTH_HOST: `unix://${dirs.socket}` };
    const r = runInPty([process.execPath, BERTH_BIN, 'cp', 'differ:/tmp/x', join(work, 'tty-x')], '', env, 0);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output, `Successfully copied 2.05kB to ${join(work, 'tty-x')}\r\n`);
    const q = runInPty(
      [process.execPath, BERTH_BIN, 'cp', '-q', 'differ:/tmp/x', join(work, 'tty-y')],
      '',
      env,
      0,
    );
    assert.equal(q.output, '');
    assert.equal(readFileSync(join(work, 'tty-y'), 'utf8'), 'hi\n');
    const exp = runInPty([process.execPath, BERTH_BIN, 'export', 'differ'], '', env, 0);
    assert.equal(exp.status, 125);
    assert.match(exp.output, /cowardly refusing to save to a terminal/);
  });

  it('the docker CLI diffs, copies and exports through berthd', {
    skip: findDocker() ? undefined : 'no docker CLI',
  }, async () => {
    const docker = findDocker()!;
    const env = { ...process.env, DOCKER_HOST: `unix://${dirs.socket}` } as Record<string, string>;
    const d = (...args: string[]) => run(docker, args, { env });
    const changes = await d('diff', 'differ');
    assert.equal(changes.stdout, 'A /a\nA /a/b\nC /etc\nD /etc/group\nC /tmp\nA /tmp/x\n', changes.stderr);
    const dk = join(work, 'dk');
    mkdirSync(dk);
    assert.equal((await d('cp', 'differ:/tmp/x', join(dk, 'x'))).code, 0);
    assert.equal(readFileSync(join(dk, 'x'), 'utf8'), 'hi\n');
    assert.equal((await d('cp', 'differ:/etc', join(dk, 'etc'))).code, 0);
    assert.deepEqual(readdirSync(join(dk, 'etc')), ['hostname', 'hosts', 'passwd', 'resolv.conf']);
    assert.equal((await d('cp', 'evil:/evil/etc/own', join(dk, 'own'))).code, 0);
    assert.equal(readFileSync(join(dk, 'own'), 'utf8'), 'mine\n');
    writeFileSync(join(dk, 'up'), 'up');
    const put = await d('cp', join(dk, 'up'), 'differ:/tmp/');
    assert.equal(put.code, 0, put.stderr);
    assert.ok((await diff('differ')).includes('A /tmp/up'));
    const exported = await run('sh', ['-c', `"${docker}" export differ | tar -t`], { env });
    assert.ok(exported.stdout.split('\n').includes('tmp/up'), exported.stderr);
    const committed = await d(
      'commit',
      '-m',
      'by docker',
      '-c',
      'CMD ["cat", "/tmp/up"]',
      'differ',
      'bydocker:1',
    );
    assert.match(committed.stdout, /^sha256:[0-9a-f]{64}\n$/, committed.stderr);
    assert.equal((await d('run', '--rm', 'bydocker:1')).stdout, 'up');
  });
});
