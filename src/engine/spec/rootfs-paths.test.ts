import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mkdirInRoot, readFileInRoot, statInRoot } from './rootfs-paths.ts';

let work: string;
let root: string;
let outside: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-rootfs-paths-'));
  root = join(work, 'rootfs');
  outside = join(work, 'outside');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'host secret\n');
  writeFileSync(join(root, 'etc/real'), 'inside\n');
  writeFileSync(join(root, 'secret'), 'the rootfs own secret\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

const link = (target: string, at: string) => {
  rmSync(join(root, at), { force: true, recursive: true });
  symlinkSync(target, join(root, at));
};

describe('readFileInRoot', () => {
  it('reads a plain file and says undefined for a missing one', () => {
    assert.equal(readFileInRoot(root, '/etc/real', 't'), 'inside\n');
    assert.equal(readFileInRoot(root, '/etc/missing', 't'), undefined);
    assert.equal(readFileInRoot(root, '/nodir/x', 't'), undefined);
  });

  for (const [name, target, at] of [
    ['an absolute symlink', join(outside, 'secret'), 'etc/abs'],
    ['a relative symlink climbing out', '../../outside/secret', 'etc/rel'],
    ['a deep relative climb', '../../../../../../../secret', 'etc/deep'],
  ] as const) {
    it(`resolves ${name} inside the rootfs, never on the host`, () => {
      link(target, at);
      const got = readFileInRoot(root, `/${at}`, 't');
      assert.notEqual(got, 'host secret\n');
      // Absolute and climbing links land at the rootfs's own root.
      if (name === 'a deep relative climb') assert.equal(got, 'the rootfs own secret\n');
      else assert.equal(got, undefined);
    });
  }

  it('follows a symlinked directory component only within the rootfs', () => {
    link(outside, 'etcdir');
    assert.equal(readFileInRoot(root, '/etcdir/secret', 't'), undefined);
    link('/etc', 'etc2');
    assert.equal(readFileInRoot(root, '/etc2/real', 't'), 'inside\n');
  });

  it('follows in-root links (absolute ones from the rootfs root)', () => {
    link('/etc/real', 'etc/alias');
    assert.equal(readFileInRoot(root, '/etc/alias', 't'), 'inside\n');
    link('real', 'etc/alias2');
    assert.equal(readFileInRoot(root, '/etc/alias2', 't'), 'inside\n');
  });

  it('refuses a symlink loop and a directory', () => {
    link('loop-b', 'loop-a');
    link('loop-a', 'loop-b');
    assert.throws(() => readFileInRoot(root, '/loop-a', 't'), /too many levels of symbolic links/);
    assert.throws(() => readFileInRoot(root, '/etc', 't'), /not a regular file/);
  });
});

describe('statInRoot and mkdirInRoot', () => {
  it('stats through in-root links', () => {
    link('/etc', 'etc3');
    assert.ok(statInRoot(root, '/etc3', 't')?.isDirectory());
    assert.equal(statInRoot(root, '/nope', 't'), undefined);
  });

  it('creates missing directories inside the rootfs', () => {
    mkdirInRoot(root, '/srv/app/data', 't');
    assert.ok(existsSync(join(root, 'srv/app/data')));
    mkdirInRoot(root, '/srv/app/data', 't'); // again: nothing to do
  });

  it('creates through an escaping symlink inside the rootfs, not on the host', () => {
    link(outside, 'work');
    mkdirInRoot(root, '/work/made', 't');
    assert.ok(!existsSync(join(outside, 'made')), 'nothing was created on the host');
    assert.ok(existsSync(join(root, join(outside, 'made'))), 'the link was followed from the rootfs root');
  });

  it('refuses when a file is in the way', () => {
    assert.throws(() => mkdirInRoot(root, '/etc/real/sub', 't'), /"real" is not a directory/);
    assert.throws(() => mkdirInRoot(root, '/etc/real', 't'), /exists and is not a directory/);
  });
});
