import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyLayer, packDirectory } from './index.ts';
import { CAP_NET_RAW, craftTar, makeRichTree, T0 } from './layer-fixtures.ts';
import { SysHelper } from './sys-helper.ts';
import { collect, run, sha256, snapshot, streamOf, tempDir } from './test-helpers.ts';

describe('applyLayer', () => {
  const tmp = tempDir('apply');
  const src = join(tmp.path, 'src');
  let layer: Buffer;

  before(async () => {
    mkdirSync(src);
    await makeRichTree(src);
    layer = await collect(packDirectory(src));
  });
  after(() => tmp.cleanup());

  test('a packed tree applies back identically: types, modes, owners, times, links, devices, xattrs', async () => {
    const dst = join(tmp.path, 'roundtrip');
    mkdirSync(dst);
    const result = await applyLayer(streamOf(layer), dst, { whiteouts: 'apply' });
    assert.deepEqual(await snapshot(dst, { skipRoot: true }), await snapshot(src, { skipRoot: true }));
    assert.equal(result.diffId, sha256(layer));
    assert.equal(result.size, layer.length);
    assert.equal(result.compressedDigest, result.diffId);
    assert.equal(result.compressedSize, layer.length);
    // The parts a snapshot only implies, checked directly.
    assert.equal(lstatSync(join(dst, 'd1/a.txt')).ino, lstatSync(join(dst, 'd1/sub/hard')).ino);
    assert.equal(lstatSync(join(dst, 'suid')).mode & 0o7777, 0o4755);
    assert.equal(lstatSync(join(dst, 'sg/inherits')).gid, 0);
    const sys = new SysHelper();
    try {
      assert.deepEqual(await sys.getXattr(join(dst, 'd1/exec'), 'security.capability'), CAP_NET_RAW);
      assert.deepEqual(
        await sys.getXattr(join(dst, 'd1'), 'user.bin'),
        Buffer.from([0xff, 0, 0x80, 0x0a, 0x3d]),
      );
    } finally {
      await sys.close();
    }
  });

  test('GNU tar reads what berth packs, xattrs included', async () => {
    const dst = join(tmp.path, 'gnu-extract');
    mkdirSync(dst);
    run('tar', ['--xattrs', '--xattrs-include=*', '-xpf', '-', '-C', dst], layer);
    assert.deepEqual(await snapshot(dst, { skipRoot: true }), await snapshot(src, { skipRoot: true }));
  });

  test('berth applies what GNU tar packs (pax and gnu formats: long names, non-ASCII, xattrs)', async () => {
    for (const format of ['posix', 'gnu']) {
      const gnuTar = run('tar', [
        `--format=${format}`,
        '--xattrs',
        '--xattrs-include=*',
        '-cf',
        '-',
        '-C',
        src,
        '.',
      ]);
      const dst = join(tmp.path, `from-gnu-${format}`);
      mkdirSync(dst);
      await applyLayer(streamOf(gnuTar), dst, { whiteouts: 'apply' });
      const opts = { skipRoot: true };
      assert.deepEqual(await snapshot(dst, opts), await snapshot(src, opts), `format ${format}`);
    }
  });

  test('gzip and zstd layers apply, detected or declared, with both digests', async () => {
    const gz = run('gzip', ['-n', '-c'], layer);
    const zst = run('zstd', ['-q', '-c'], layer);
    for (const [kind, blob] of [
      ['gzip', gz],
      ['zstd', zst],
    ] as const) {
      for (const compression of ['auto', kind] as const) {
        const dst = join(tmp.path, `${kind}-${compression}`);
        mkdirSync(dst);
        const r = await applyLayer(streamOf(blob, 65536), dst, { whiteouts: 'apply', compression });
        assert.equal(r.diffId, sha256(layer), `${kind} ${compression}`);
        assert.equal(r.size, layer.length);
        assert.equal(r.compressedDigest, sha256(blob));
        assert.equal(r.compressedSize, blob.length);
        assert.deepEqual(await snapshot(dst, { skipRoot: true }), await snapshot(src, { skipRoot: true }));
      }
    }
  });

  test("'apply' whiteouts delete lower entries but never what the same layer wrote, in any order", async () => {
    const dst = join(tmp.path, 'whiteouts-apply');
    mkdirSync(join(dst, 'keep'), { recursive: true });
    mkdirSync(join(dst, 'gone-dir/deep'), { recursive: true });
    mkdirSync(join(dst, 'opq/old-sub'), { recursive: true });
    writeFileSync(join(dst, 'gone-file'), 'x');
    writeFileSync(join(dst, 'gone-dir/deep/f'), 'x');
    writeFileSync(join(dst, 'keep/f'), 'kept');
    writeFileSync(join(dst, 'opq/old'), 'hidden by the opaque marker');
    writeFileSync(join(dst, 'opq/old-sub/f'), 'hidden too');
    mkdirSync(join(dst, 'opq/merged'));
    writeFileSync(join(dst, 'opq/merged/old'), 'hidden, though its directory is in the layer');
    const tar = await craftTar([
      { name: '.wh.gone-file' },
      { name: '.wh.gone-dir' },
      { name: '.wh.missing' }, // nothing to delete: fine
      { name: 'opq/', type: 'directory' },
      { name: 'opq/new', content: 'written before the marker' },
      { name: 'opq/merged/', type: 'directory' },
      { name: 'opq/merged/new', content: 'also new' },
      { name: 'opq/.wh..wh..opq' }, // after its siblings: must not delete them
      { name: 'fresh', content: 'new' },
      { name: '.wh.fresh' }, // the same layer's own file: not deleted
    ]);
    await applyLayer(streamOf(tar), dst, { whiteouts: 'apply' });
    const names = (await snapshot(dst, { ignoreDirTimes: true })).map((l) => l.split(' ')[0]);
    assert.deepEqual(names, [
      '.',
      'fresh',
      'keep',
      'keep/f',
      'opq',
      'opq/merged',
      'opq/merged/new',
      'opq/new',
    ]);
  });

  test("'overlay' whiteouts become 0/0 character devices and the opaque xattr", async () => {
    const dst = join(tmp.path, 'whiteouts-overlay');
    mkdirSync(dst);
    const tar = await craftTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.shadow' },
      { name: 'usr/share/.wh..wh..opq' }, // parents created implicitly
      { name: 'usr/share/doc', content: 'the only thing in share' },
      { name: '.wh.tmp' },
    ]);
    await applyLayer(streamOf(tar), dst, { whiteouts: 'overlay' });
    for (const w of ['etc/shadow', 'tmp']) {
      const st = lstatSync(join(dst, w));
      assert.ok(st.isCharacterDevice(), `${w} is a character device`);
      assert.equal(st.rdev, 0, `${w} is device 0/0`);
    }
    const sys = new SysHelper();
    try {
      assert.deepEqual(
        await sys.getXattr(join(dst, 'usr/share'), 'trusted.overlay.opaque'),
        Buffer.from('y'),
      );
      assert.equal(await sys.getXattr(join(dst, 'etc'), 'trusted.overlay.opaque'), undefined);
    } finally {
      await sys.close();
    }
    assert.equal(readFileSync(join(dst, 'usr/share/doc'), 'utf8'), 'the only thing in share');
  });

  test('a later member replaces an earlier one of any type; directories merge', async () => {
    const dst = join(tmp.path, 'replace');
    mkdirSync(join(dst, 'was-dir/inner'), { recursive: true });
    writeFileSync(join(dst, 'was-file'), 'old');
    writeFileSync(join(dst, 'merge-me'), 'placeholder');
    mkdirSync(join(dst, 'dir'));
    writeFileSync(join(dst, 'dir/old'), 'stays: directories merge');
    const tar = await craftTar([
      { name: 'was-dir', content: 'a file now' },
      { name: 'was-file/', type: 'directory' },
      { name: 'was-file/child', content: 'c' },
      { name: 'dir/', type: 'directory', mode: 0o700, mtime: T0 },
      { name: 'dir/new', content: 'n' },
      { name: 'twice', content: 'first' },
      { name: 'twice', type: 'symlink', linkname: '/second' },
      { name: 'merge-me', type: 'symlink', linkname: 'dir' },
    ]);
    await applyLayer(streamOf(tar), dst, { whiteouts: 'apply' });
    assert.equal(readFileSync(join(dst, 'was-dir'), 'utf8'), 'a file now');
    assert.equal(readFileSync(join(dst, 'was-file/child'), 'utf8'), 'c');
    assert.equal(readFileSync(join(dst, 'dir/old'), 'utf8'), 'stays: directories merge');
    const dirSt = lstatSync(join(dst, 'dir'));
    assert.equal(dirSt.mode & 0o7777, 0o700);
    assert.equal(dirSt.mtimeMs, T0 * 1000, 'directory times are set after its children');
    assert.ok(lstatSync(join(dst, 'twice')).isSymbolicLink());
    assert.ok(lstatSync(join(dst, 'merge-me')).isSymbolicLink());
  });

  test('absolute member names are taken relative to the target', async () => {
    const dst = join(tmp.path, 'absolute');
    mkdirSync(dst);
    const marker = `berth-layer-test-${process.pid}`;
    const tar = await craftTar([
      { name: `/tmp/${marker}`, content: 'inside the target' },
      { name: '/hard', type: 'link', linkname: `/tmp/${marker}` },
    ]);
    await applyLayer(streamOf(tar), dst, { whiteouts: 'apply' });
    assert.equal(readFileSync(join(dst, 'tmp', marker), 'utf8'), 'inside the target');
    assert.equal(lstatSync(join(dst, 'hard')).ino, lstatSync(join(dst, 'tmp', marker)).ino);
    assert.throws(() => lstatSync(join('/tmp', marker)), { code: 'ENOENT' });
  });
});
