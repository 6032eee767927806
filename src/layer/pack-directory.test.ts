import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packDirectory } from './index.ts';
import { makeRichTree, T0 } from './layer-fixtures.ts';
import { TarReader } from './tar-reader.ts';
import { collect, run, sha256, streamOf, tempDir } from './test-helpers.ts';

async function headers(tar: Buffer) {
  const reader = new TarReader(streamOf(tar));
  const out = [];
  for (let h = await reader.next(); h; h = await reader.next()) out.push(h);
  return out;
}

describe('packDirectory', () => {
  const tmp = tempDir('pack');
  const src = join(tmp.path, 'src');

  before(async () => {
    mkdirSync(src);
    await makeRichTree(src);
  });
  after(() => tmp.cleanup());

  test('names are relative, sorted by bytes with parents first, directories end in /', async () => {
    const names = (await headers(await collect(packDirectory(src)))).map((h) => h.name);
    assert.ok(names.length > 20);
    assert.ok(names.every((n) => !n.startsWith('/') && !n.startsWith('./')));
    const bytes = names.map((n) => Buffer.from(n));
    for (let i = 1; i < bytes.length; i++)
      assert.ok(Buffer.compare(bytes[i - 1], bytes[i]) < 0, `${names[i - 1]} < ${names[i]}`);
    assert.ok(names.includes('d1/'));
    assert.ok(names.indexOf('d1/') < names.indexOf('d1/a.txt'));
    // GNU tar agrees on what the names are.
    const listed = run('tar', ['-tf', '-'], await collect(packDirectory(src)))
      .toString()
      .trim()
      .split('\n');
    assert.deepEqual(listed, names);
  });

  test('hardlinks: the first name in order carries the content, later ones link to it', async () => {
    const hs = await headers(await collect(packDirectory(src)));
    const byName = new Map(hs.map((h) => [h.name, h]));
    assert.equal(byName.get('d1/a.txt')?.type, 'file');
    assert.deepEqual(
      [byName.get('d1/sub/hard')?.type, byName.get('d1/sub/hard')?.linkname],
      ['link', 'd1/a.txt'],
    );
    assert.deepEqual([byName.get('hard2')?.type, byName.get('hard2')?.linkname], ['link', 'd1/a.txt']);
  });

  test('the same tree gives the same bytes; uname, gname, atime and ctime are not recorded', async () => {
    const a = await collect(packDirectory(src));
    utimesSync(join(src, 'empty'), T0 + 999_999, T0 + 42); // atime moves, mtime stays the same second
    const b = await collect(packDirectory(src));
    assert.equal(sha256(a), sha256(b));
    for (let off = 0; off + 512 <= a.length; off += 512) {
      const block = a.subarray(off, off + 512);
      if (block.toString('latin1', 257, 262) !== 'ustar') continue;
      assert.ok(
        block.subarray(265, 329).every((x) => x === 0),
        'no user or group names',
      );
    }
  });

  test('SOURCE_DATE_EPOCH clamps newer times and keeps older ones; two trees built at different times match', async () => {
    const epoch = T0 + 100;
    const hs = await headers(await collect(packDirectory(src, { sourceDateEpoch: epoch })));
    assert.ok(hs.every((h) => h.mtime <= epoch));
    assert.equal(hs.find((h) => h.name === 'd1/a.txt')?.mtime, T0 + 7, 'older times are kept');
    assert.equal(hs.find((h) => h.name === 'd1/')?.mtime, epoch, 'newer times are clamped');

    const build = (dir: string, t: number) => {
      mkdirSync(join(dir, 'x'), { recursive: true });
      writeFileSync(join(dir, 'x/f'), 'same content');
      for (const p of ['x/f', 'x', '.']) utimesSync(join(dir, p), t, t);
    };
    build(join(tmp.path, 'one'), T0 + 1000);
    build(join(tmp.path, 'two'), T0 + 5000);
    const one = await collect(packDirectory(join(tmp.path, 'one'), { sourceDateEpoch: epoch }));
    const two = await collect(packDirectory(join(tmp.path, 'two'), { sourceDateEpoch: epoch }));
    assert.equal(sha256(one), sha256(two));
    const unclamped = await collect(packDirectory(join(tmp.path, 'one')));
    assert.notEqual(sha256(one), sha256(unclamped));
  });

  test('xattrs: false leaves them out', async () => {
    const hs = await headers(await collect(packDirectory(src, { xattrs: false })));
    assert.ok(hs.every((h) => !h.xattrs));
    const withX = await headers(await collect(packDirectory(src)));
    assert.ok(withX.some((h) => h.xattrs?.has('security.capability')));
  });

  test('a missing directory is NotFound', async () => {
    await assert.rejects(collect(packDirectory(join(tmp.path, 'nope'))), { code: 'NotFound' });
  });
});
