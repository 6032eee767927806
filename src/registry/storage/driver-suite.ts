// The shared test suite of RegistryStorage: every driver must pass it. A driver's test file
// calls `driverSuite('name', factory)`; the factory makes a fresh, empty store and says how
// to dispose of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import type { RegistryStorage } from './driver.ts';

export interface DriverUnderTest {
  driver: RegistryStorage;
  dispose(): Promise<void>;
}

async function readAll(s: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

const isNotFound = (err: unknown) => isBerthError(err, 'NotFound');

export function driverSuite(name: string, factory: () => Promise<DriverUnderTest>): void {
  describe(`RegistryStorage driver suite: ${name}`, () => {
    let t: DriverUnderTest;
    let d: RegistryStorage;
    before(async () => {
      t = await factory();
      d = t.driver;
    });
    after(() => t.dispose());

    it('puts and gets whole files, replacing what was there', async () => {
      await d.putContent('a/b/c', 'first');
      assert.equal((await d.getContent('a/b/c')).toString(), 'first');
      await d.putContent('a/b/c', 'second, longer');
      assert.equal((await d.getContent('a/b/c')).toString(), 'second, longer');
    });

    it('refuses to read a file larger than maxBytes', async () => {
      await d.putContent('big/x', 'x'.repeat(100));
      await assert.rejects(d.getContent('big/x', 99), (err) => isBerthError(err, 'InvalidArgument'));
      assert.equal((await d.getContent('big/x', 100)).length, 100);
    });

    it('throws NotFound for a missing path in every call', async () => {
      await assert.rejects(d.getContent('missing/x'), isNotFound);
      await assert.rejects(d.reader('missing/x'), isNotFound);
      await assert.rejects(d.stat('missing/x'), isNotFound);
      await assert.rejects(d.list('missing'), isNotFound);
      await assert.rejects(d.delete('missing/x'), isNotFound);
      await assert.rejects(d.move('missing/x', 'elsewhere/x'), isNotFound);
    });

    it('reads from an offset to an inclusive end', async () => {
      await d.putContent('r/file', '0123456789');
      assert.equal(await readAll(await d.reader('r/file')), '0123456789');
      assert.equal(await readAll(await d.reader('r/file', 4)), '456789');
      assert.equal(await readAll(await d.reader('r/file', 2, 5)), '2345');
    });

    it('appends with writers across reopenings and counts the size', async () => {
      const w1 = await d.writer('w/data', false);
      await w1.write(Buffer.from('hello '));
      await w1.commit();
      await w1.close();
      const w2 = await d.writer('w/data', true);
      assert.equal(w2.size, 6);
      await w2.write(Buffer.from('world'));
      assert.equal(w2.size, 11);
      await w2.commit();
      await w2.close();
      assert.equal((await d.getContent('w/data')).toString(), 'hello world');
      const w3 = await d.writer('w/data', false);
      assert.equal(w3.size, 0);
      await w3.close();
      assert.equal((await d.stat('w/data')).size, 0);
    });

    it('removes the file when a writer is cancelled', async () => {
      const w = await d.writer('c/data', false);
      await w.write(Buffer.from('partial'));
      await w.cancel();
      await assert.rejects(d.stat('c/data'), isNotFound);
    });

    it('stats files and directories', async () => {
      await d.putContent('s/dir/file', 'abc');
      const f = await d.stat('s/dir/file');
      assert.equal(f.isDir, false);
      assert.equal(f.size, 3);
      assert.ok(f.modTime instanceof Date);
      assert.equal((await d.stat('s/dir')).isDir, true);
    });

    it('lists the names of children, sorted', async () => {
      await d.putContent('l/zeta', 'z');
      await d.putContent('l/alpha/inner', 'a');
      await d.putContent('l/mid', 'm');
      assert.deepEqual(await d.list('l'), ['alpha', 'mid', 'zeta']);
      assert.deepEqual(await d.list('l/alpha'), ['inner']);
    });

    it('moves a file into a new directory, replacing the target', async () => {
      await d.putContent('m/src', 'new');
      await d.putContent('m2/deep/dst', 'old');
      await d.move('m/src', 'm2/deep/dst');
      assert.equal((await d.getContent('m2/deep/dst')).toString(), 'new');
      await assert.rejects(d.stat('m/src'), isNotFound);
      await d.putContent('m/src2', 'x');
      await d.move('m/src2', 'm3/a/b/c');
      assert.equal((await d.getContent('m3/a/b/c')).toString(), 'x');
    });

    it('deletes files and whole directories', async () => {
      await d.putContent('del/a/1', '1');
      await d.putContent('del/a/2', '2');
      await d.putContent('del/b', 'b');
      await d.delete('del/a');
      await assert.rejects(d.stat('del/a/1'), isNotFound);
      assert.deepEqual(await d.list('del'), ['b']);
      await d.delete('del/b');
      await assert.rejects(d.stat('del/b'), isNotFound);
    });

    it('refuses keys that could escape or hide', async () => {
      for (const bad of ['', '../x', 'a/../b', '/abs', 'a//b', '.hidden', 'a/.tmp', 'a b']) {
        await assert.rejects(d.putContent(bad, 'x'), (err) => isBerthError(err, 'InvalidArgument'), bad);
      }
    });

    it('keeps one whole content when writers race on a key', async () => {
      const contents = Array.from({ length: 16 }, (_, i) => String(i).repeat(10_000 + i));
      await Promise.all(contents.map((c) => d.putContent('race/key', c)));
      const got = (await d.getContent('race/key')).toString();
      assert.ok(contents.includes(got), 'the content is one of the writes, whole');
      assert.deepEqual(await d.list('race'), ['key']);
    });
  });
}
