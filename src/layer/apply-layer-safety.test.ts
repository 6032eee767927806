import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { applyLayer, type WhiteoutMode } from './index.ts';
import { type CraftEntry, craftTar, T0 } from './layer-fixtures.ts';
import { SysHelper } from './sys-helper.ts';
import { run, setTime, snapshot, streamOf, tempDir } from './test-helpers.ts';

// Every layer here first makes real changes to a non-empty target (overwrites a
// file, deletes one, replaces a directory with a file, changes directory
// metadata, adds files), then fails. The target must end exactly as it began,
// and nothing outside it may change.
const GOOD_CHANGES: CraftEntry[] = [
  { name: './', type: 'directory', mode: 0o700, mtime: T0 + 5 },
  { name: 'etc/', type: 'directory', mode: 0o711, uid: 7, mtime: T0 + 6 },
  { name: 'etc/config', content: 'overwritten' },
  { name: 'etc/.wh.old' },
  { name: 'var', content: 'a file where a directory was' },
  { name: 'new/dir/file', content: 'brand new' },
  { name: 'etc/new-link', type: 'link', linkname: 'etc/config' },
];

describe('applyLayer refuses unsafe or broken layers and leaves the target as it was', () => {
  const tmp = tempDir('safety');
  const outside = join(tmp.path, 'outside');
  let count = 0;

  before(() => {
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'must survive');
    setTime(join(outside, 'victim'), T0);
    setTime(outside, T0);
  });
  after(() => tmp.cleanup());

  /** A fresh non-empty target, with whole-second times everywhere. */
  function makeTarget(): string {
    const t = join(tmp.path, `target-${count++}`);
    mkdirSync(join(t, 'etc'), { recursive: true });
    mkdirSync(join(t, 'var/lib/deep'), { recursive: true });
    mkdirSync(join(t, 'opq/sub'), { recursive: true });
    writeFileSync(join(t, 'etc/config'), 'original');
    writeFileSync(join(t, 'etc/old'), 'to be whited out');
    writeFileSync(join(t, 'var/lib/deep/data'), 'deep data');
    writeFileSync(join(t, 'opq/sub/f'), 'lower content');
    symlinkSync(outside, join(t, 'link-out'));
    for (const p of ['etc/config', 'etc/old', 'var/lib/deep/data', 'opq/sub/f']) setTime(join(t, p), T0);
    run('touch', ['-h', '-d', '@1600000000', join(t, 'link-out')]);
    for (const d of ['var/lib/deep', 'var/lib', 'var', 'etc', 'opq/sub', 'opq', '.']) setTime(join(t, d), T0);
    return t;
  }

  async function expectRefused(
    entries: CraftEntry[] | Buffer,
    message: RegExp,
    whiteouts: WhiteoutMode = 'apply',
    withGoodChanges = true,
  ) {
    const target = makeTarget();
    const before = await snapshot(target);
    const outsideBefore = await snapshot(outside);
    const tar = Buffer.isBuffer(entries)
      ? entries
      : await craftTar(withGoodChanges ? [...GOOD_CHANGES, ...entries] : entries);
    await assert.rejects(applyLayer(streamOf(tar), target, { whiteouts }), (err: unknown) => {
      assert.ok(isBerthError(err, 'InvalidArgument'), `InvalidArgument, got ${String(err)}`);
      assert.match((err as Error).message, message);
      return true;
    });
    assert.deepEqual(await snapshot(target), before, 'the target is exactly as it was');
    assert.deepEqual(await snapshot(outside), outsideBefore, 'nothing outside the target changed');
    const leftovers = readdirSync(tmp.path).filter((n) => n.startsWith('.berth-undo-'));
    assert.deepEqual(leftovers, [], 'no undo directory is left behind');
  }

  test('a good layer with these changes applies (the failures below are the bad member alone)', async () => {
    const target = makeTarget();
    await applyLayer(streamOf(await craftTar(GOOD_CHANGES)), target, { whiteouts: 'apply' });
    assert.equal(lstatSync(target).mode & 0o7777, 0o700);
    assert.ok(lstatSync(join(target, 'var')).isFile());
    assert.ok(!existsSync(join(target, 'etc/old')));
    assert.equal(lstatSync(join(target, 'etc/new-link')).ino, lstatSync(join(target, 'etc/config')).ino);
  });

  test('a name with ".." is refused, naming the member', async () => {
    await expectRefused([{ name: '../x', content: 'escape' }], /"\.\.\/x".*"\.\."/);
    await expectRefused([{ name: 'a/../../x', content: 'escape' }], /"a\/\.\.\/\.\.\/x"/);
    assert.ok(!existsSync(join(tmp.path, 'x')));
  });

  test('nothing is written through an absolute symlink (a -> /, then a/etc/x)', async () => {
    const name = `berth-layer-test-${process.pid}`;
    await expectRefused(
      [
        { name: 'a', type: 'symlink', linkname: '/' },
        { name: `a/tmp/${name}`, content: 'escaped' },
      ],
      new RegExp(`"a/tmp/${name}".*symlink "a"`),
    );
    assert.ok(!existsSync(join('/tmp', name)));
  });

  test('nothing is written through a relative symlink that escapes', async () => {
    const name = `berth-layer-test-rel-${process.pid}`;
    await expectRefused(
      [
        { name: 'up', type: 'symlink', linkname: '../../../../../../../../tmp' },
        { name: `up/${name}`, content: 'escaped' },
      ],
      /"up\/berth-layer-test-rel-\d+".*symlink "up"/,
    );
    assert.ok(!existsSync(join('/tmp', name)));
  });

  test('nothing is written through a symlink even when it points inside the target', async () => {
    await expectRefused(
      [
        { name: 'in', type: 'symlink', linkname: 'etc' },
        { name: 'in/config', content: 'through the link' },
      ],
      /"in\/config".*symlink "in"/,
    );
  });

  test('nothing is written through a symlink the target already had', async () => {
    await expectRefused([{ name: 'link-out/victim', content: 'clobbered' }], /"link-out\/victim".*symlink/);
  });

  test('a whiteout or opaque marker through a symlink deletes nothing', async () => {
    await expectRefused([{ name: 'link-out/.wh.victim' }], /"link-out\/\.wh\.victim".*symlink/);
    await expectRefused([{ name: 'link-out/.wh..wh..opq' }], /"link-out\/\.wh\.\.wh\.\.opq".*symlink/);
    await expectRefused([{ name: 'link-out/.wh.victim' }], /symlink/, 'overlay');
  });

  test('a whiteout naming the directory or its parent is refused', async () => {
    await expectRefused([{ name: 'etc/.wh..' }], /"etc\/\.wh\.\.".*whiteout/);
    await expectRefused([{ name: 'etc/.wh.' }], /"etc\/\.wh\.".*whiteout/);
  });

  test('a hardlink to ../outside, through a symlink, or to nothing is refused', async () => {
    await expectRefused([{ name: 'h', type: 'link', linkname: '../outside/victim' }], /"h".*"\.\."/);
    await expectRefused(
      [
        { name: 's', type: 'symlink', linkname: outside },
        { name: 'h', type: 'link', linkname: 's/victim' },
      ],
      /"h".*symlink "s"/,
    );
    await expectRefused(
      [{ name: 'h', type: 'link', linkname: 'link-out/victim' }],
      /"h".*symlink "link-out"/,
    );
    await expectRefused([{ name: 'h', type: 'link', linkname: 'no/such/file' }], /"h".*does not exist/);
    assert.equal(lstatSync(join(outside, 'victim')).nlink, 1);
  });

  test('a tar cut inside a member, or without its end blocks, is refused as truncated', async () => {
    const full = await craftTar([...GOOD_CHANGES, { name: 'last', content: 'x'.repeat(5000) }]);
    await expectRefused(full.subarray(0, full.length - 1024 - 2048), /truncated.*"last"/);
    // Ends exactly after the last member's content and padding: well formed so far, but incomplete.
    await expectRefused(full.subarray(0, full.length - 1024), /truncated.*end-of-archive/);
  });

  test('corrupt or truncated gzip is refused', async () => {
    const tar = await craftTar([...GOOD_CHANGES, { name: 'big', content: 'random '.repeat(20000) }]);
    const gz = run('gzip', ['-n', '-c'], tar);
    const corrupt = Buffer.from(gz);
    for (let i = 200; i < 260; i++) corrupt[i] ^= 0x5a;
    await expectRefused(corrupt, /gzip|tar/);
    await expectRefused(gz.subarray(0, gz.length - 40), /gzip|truncated/);
  });

  test('corrupt zstd is refused', async () => {
    const tar = await craftTar([...GOOD_CHANGES, { name: 'big', content: 'random '.repeat(20000) }]);
    const zst = run('zstd', ['-q', '-c'], tar);
    await expectRefused(zst.subarray(0, zst.length - 30), /zstd|truncated/);
  });

  test('a stream that is not a tar, or empty, is refused', async () => {
    await expectRefused(Buffer.from('this is not a tar archive at all\n'.repeat(40)), /not a valid tar/);
    await expectRefused(Buffer.alloc(0), /empty/);
  });

  test('overlay mode rolls back whiteout devices and the opaque xattr', async () => {
    const target = makeTarget();
    const tar = await craftTar([
      { name: 'opq/.wh..wh..opq' },
      { name: 'etc/.wh.config' },
      { name: 'fresh/.wh.x' },
      { name: '../escape', content: 'no' },
    ]);
    const before = await snapshot(target);
    await assert.rejects(applyLayer(streamOf(tar), target, { whiteouts: 'overlay' }), /"\.\.\/escape"/);
    assert.deepEqual(await snapshot(target), before);
    const sys = new SysHelper();
    try {
      assert.equal(await sys.getXattr(join(target, 'opq'), 'trusted.overlay.opaque'), undefined);
    } finally {
      await sys.close();
    }
  });

  test('a target that is a mount point keeps its undo data inside itself, out of the layer’s reach', async (t) => {
    const target = join(tmp.path, 'mountpoint');
    mkdirSync(target);
    try {
      run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', target]);
    } catch (err) {
      return t.skip(`cannot mount a tmpfs here: ${(err as { stderr?: Buffer }).stderr?.toString().trim()}`);
    }
    try {
      mkdirSync(join(target, 'etc'));
      writeFileSync(join(target, 'etc/config'), 'original');
      writeFileSync(join(target, 'top'), 'top-level file');
      for (const p of ['etc/config', 'top', 'etc', '.']) setTime(join(target, p), T0);
      const before = await snapshot(target);
      const bad = await craftTar([
        { name: './', type: 'directory', mode: 0o700, mtime: T0 + 9 },
        { name: 'etc/config', content: 'replaced' },
        { name: '.wh.top' },
        { name: '.wh..wh..opq' },
        { name: 'new', content: 'n' },
        { name: '../escape', content: 'no' },
      ]);
      await assert.rejects(applyLayer(streamOf(bad), target, { whiteouts: 'apply' }), /"\.\.\/escape"/);
      assert.deepEqual(await snapshot(target), before);

      const good = await craftTar([
        { name: './', type: 'directory', mode: 0o750, mtime: T0 + 9 },
        { name: 'etc/config', content: 'replaced' },
        { name: '.wh.top' },
      ]);
      await applyLayer(streamOf(good), target, { whiteouts: 'apply' });
      assert.deepEqual(readdirSync(target).sort(), ['etc']);
      const st = lstatSync(target);
      assert.equal(st.mode & 0o7777, 0o750);
      assert.equal(st.mtimeMs, (T0 + 9) * 1000);
    } finally {
      run('umount', [target]);
    }
  });

  test('the same layer without its bad member applies in overlay mode', async () => {
    const target = makeTarget();
    const tar = await craftTar([{ name: 'opq/.wh..wh..opq' }, { name: 'etc/.wh.config' }]);
    await applyLayer(streamOf(tar), target, { whiteouts: 'overlay' });
    assert.ok(lstatSync(join(target, 'etc/config')).isCharacterDevice());
    assert.ok(
      !existsSync(join(target, 'opq/sub')),
      'what was in the target before the opaque marker is gone',
    );
  });
});
