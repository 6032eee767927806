// COPY/ADD file operations on plain directories (a context and a "rootfs"): the
// classic builder's rules for directories, trailing slashes and missing
// destinations, --parents and --exclude.
import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CopyExcludes } from './copy-exclude.ts';
import { type CopyRequest, copyInto } from './copy-files.ts';
import { copyInputsDigest } from './copy-inputs.ts';

const isRoot = process.getuid?.() === 0;

describe('COPY into a rootfs', () => {
  let work: string;
  let ctx: string;
  let n = 0;
  const file = (rel: string, content: string, mode = 0o644) => {
    mkdirSync(join(ctx, rel, '..'), { recursive: true });
    writeFileSync(join(ctx, rel), content);
    chmodSync(join(ctx, rel), mode);
  };
  /** A fresh empty rootfs. */
  const rootfs = () => {
    const r = join(work, `rootfs-${n++}`);
    mkdirSync(r);
    return r;
  };
  const copy = (root: string, sources: string[], dest: string, extra: Partial<CopyRequest> = {}) =>
    copyInto(root, {
      groups: [{ srcRoot: ctx, sources, unpack: false }],
      dest,
      destIsDir: dest.endsWith('/'),
      owner: { uid: 0, gid: 0 },
      what: 'COPY',
      ...extra,
    });
  const tree = (dir: string, at = ''): string[] =>
    readdirSync(join(dir, at))
      .sort()
      .flatMap((name) => {
        const rel = at ? `${at}/${name}` : name;
        return lstatSync(join(dir, rel)).isDirectory() ? [`${rel}/`, ...tree(dir, rel)] : [rel];
      });

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'berth-copy-files-'));
    ctx = join(work, 'ctx');
    file('a.txt', 'a');
    file('b.txt', 'b');
    file('dir/c.txt', 'c');
    file('dir/sub/d.md', 'd');
    file('dir/sub/e.txt', 'e');
    file('src/app/main.js', 'main');
    file('src/app/util.js', 'util');
    file('src/lib/x.js', 'x');
    file('home.txt', 'home');
    file('homework.md', 'hw');
    chmodSync(join(ctx, 'dir'), 0o700);
    chmodSync(join(ctx, 'src/app'), 0o750);
    utimesSync(join(ctx, 'src/app'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('needs a destination ending in / for more than one entry, even `.` or an existing directory', async () => {
    const r = rootfs();
    mkdirSync(join(r, 'ex'));
    await assert.rejects(copy(r, ['a.txt', 'b.txt'], '/ex'), /must be a directory and end with a \//);
    await assert.rejects(copy(r, ['*.txt'], '/ex'), /more than one source file/);
    await copy(r, ['a.txt', 'b.txt'], '/ex/');
    assert.deepEqual(tree(r), ['ex/', 'ex/a.txt', 'ex/b.txt']);
  });

  it('a wildcard naming one file copies it to the destination as that name', async () => {
    const r = rootfs();
    await copy(r, ['a.*'], '/dest');
    assert.equal(lstatSync(join(r, 'dest')).isFile(), true);
  });

  it("a directory copies its contents; a missing destination is made 0755, only the last one --chown's", {
    skip: !isRoot && 'chown needs root',
  }, async () => {
    const r = rootfs();
    await copy(r, ['dir'], '/x/y/', { owner: { uid: 5, gid: 6 } });
    assert.deepEqual(tree(r), ['x/', 'x/y/', 'x/y/c.txt', 'x/y/sub/', 'x/y/sub/d.md', 'x/y/sub/e.txt']);
    const x = lstatSync(join(r, 'x'));
    const y = lstatSync(join(r, 'x/y'));
    assert.deepEqual([x.mode & 0o7777, x.uid, y.mode & 0o7777, y.uid, y.gid], [0o755, 0, 0o755, 5, 6]);
    await copy(r, ['a.txt'], '/p/q/r', { owner: { uid: 5, gid: 6 } });
    assert.equal(lstatSync(join(r, 'p')).uid, 5, "a file's missing parents are all --chown's");
  });

  it('a file goes into an existing directory without a trailing slash', async () => {
    const r = rootfs();
    mkdirSync(join(r, 'etc'));
    await copy(r, ['a.txt'], '/etc');
    assert.deepEqual(tree(r), ['etc/', 'etc/a.txt']);
  });

  it('--exclude leaves out entries below a copied directory, by their path inside it', async () => {
    const r = rootfs();
    await copy(r, ['dir'], '/d/', { exclude: new CopyExcludes(['*.txt', 'sub/*.md']) });
    assert.deepEqual(tree(r), ['d/', 'd/sub/', 'd/sub/e.txt']);
    const r2 = rootfs();
    await copy(r2, ['dir'], '/d/', { exclude: new CopyExcludes(['sub', '!sub/e.txt']) });
    assert.deepEqual(tree(r2), ['d/', 'd/c.txt', 'd/sub/', 'd/sub/e.txt'], 'an exception reaches below');
  });

  it('--exclude filters wildcard matches; a source named without wildcards is copied anyway', async () => {
    const r = rootfs();
    await copy(r, ['hom*'], '/m/', { exclude: new CopyExcludes(['*.md']) });
    assert.deepEqual(tree(r), ['m/', 'm/home.txt']);
    const r2 = rootfs();
    await copy(r2, ['homework.md'], '/m/', { exclude: new CopyExcludes(['*.md']) });
    assert.deepEqual(tree(r2), ['m/', 'm/homework.md']);
    assert.throws(() => new CopyExcludes(['[']), /--exclude=\[: syntax error in pattern/);
  });

  it("--parents keeps each match's path, from the root or from a /./ pivot", async () => {
    const r = rootfs();
    await copy(r, ['src/*/main.js', 'a.txt'], '/p', { parents: true });
    assert.deepEqual(tree(r), ['p/', 'p/a.txt', 'p/src/', 'p/src/app/', 'p/src/app/main.js']);
    const app = lstatSync(join(r, 'p/src/app'));
    assert.equal(app.mode & 0o7777, 0o750, "a kept directory has its source's mode");
    assert.equal(app.mtime.toISOString(), '2020-01-02T03:04:05.000Z', "and its source's mtime");
    const r2 = rootfs();
    await copy(r2, ['./src/./app/*.js', 'src/./lib'], '/q/', { parents: true });
    assert.deepEqual(tree(r2), ['q/', 'q/app/', 'q/app/main.js', 'q/app/util.js', 'q/lib/', 'q/lib/x.js']);
    const r3 = rootfs();
    await copy(r3, ['src'], '/w/', { parents: true, exclude: new CopyExcludes(['src/app/util.js']) });
    assert.deepEqual(tree(r3), [
      'w/',
      'w/src/',
      'w/src/app/',
      'w/src/app/main.js',
      'w/src/lib/',
      'w/src/lib/x.js',
    ]);
    await assert.rejects(copy(rootfs(), ['sr*/./app'], '/z/', { parents: true }), /cannot have wildcards/);
  });

  it('a source that names nothing fails with its name; one whose matches were all excluded does not', async () => {
    await assert.rejects(copy(rootfs(), ['nope.txt'], '/'), /file not found in build context.*nope\.txt/);
    await assert.rejects(copy(rootfs(), ['*.nothing'], '/x/'), /no source files were specified/);
    await copy(rootfs(), ['home*'], '/x/', { exclude: new CopyExcludes(['home*']) });
  });

  it('the build cache digest leaves excluded files out', async () => {
    const exclude = new CopyExcludes(['**/*.md']);
    const before = await copyInputsDigest(ctx, ['dir'], { exclude });
    const plain = await copyInputsDigest(ctx, ['dir']);
    file('dir/sub/d.md', 'changed');
    assert.equal(await copyInputsDigest(ctx, ['dir'], { exclude }), before, 'an excluded file changed: same');
    assert.notEqual(await copyInputsDigest(ctx, ['dir']), plain, 'without --exclude it counts');
    file('dir/sub/e.txt', 'changed');
    assert.notEqual(await copyInputsDigest(ctx, ['dir'], { exclude }), before, 'a copied file changed');
    const parents = await copyInputsDigest(ctx, ['src/*/main.js'], { parents: true });
    chmodSync(join(ctx, 'src/app'), 0o755);
    assert.notEqual(
      await copyInputsDigest(ctx, ['src/*/main.js'], { parents: true }),
      parents,
      "with --parents a kept directory's mode counts",
    );
  });
});
