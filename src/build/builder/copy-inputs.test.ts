import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyInputsDigest } from './copy-inputs.ts';

describe('COPY input digests', () => {
  let root: string;
  const file = (rel: string, content: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-copy-inputs-'));
    file('app/main.js', 'main\n');
    file('app/lib/util.js', 'util\n');
    file('README.md', 'readme\n');
    file('other.md', 'other\n');
    symlinkSync('main.js', join(root, 'app/link'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is the same for the same files, and changes when a copied file changes', async () => {
    const app = await copyInputsDigest(root, ['app']);
    const readme = await copyInputsDigest(root, ['README.md']);
    assert.equal(await copyInputsDigest(root, ['app']), app);
    file('app/lib/util.js', 'util v2\n');
    const changed = await copyInputsDigest(root, ['app']);
    assert.notEqual(changed, app, 'a file deep in a copied directory counts');
    assert.equal(await copyInputsDigest(root, ['README.md']), readme, 'other sources are not affected');
    file('app/lib/util.js', 'util\n');
    assert.equal(await copyInputsDigest(root, ['app']), app, 'the same content again: the same digest');
  });

  it('counts modes, names and symlink targets, not times', async () => {
    const app = await copyInputsDigest(root, ['app']);
    utimesSync(join(root, 'app/main.js'), 1, 1);
    assert.equal(
      await copyInputsDigest(root, ['app']),
      app,
      'touching a file changes nothing the copy keeps',
    );
    chmodSync(join(root, 'app/main.js'), 0o755);
    assert.notEqual(await copyInputsDigest(root, ['app']), app);
    chmodSync(join(root, 'app/main.js'), 0o644);
    assert.equal(await copyInputsDigest(root, ['app']), app);
    unlinkSync(join(root, 'app/link'));
    symlinkSync('lib', join(root, 'app/link'));
    assert.notEqual(await copyInputsDigest(root, ['app']), app);
    unlinkSync(join(root, 'app/link'));
    symlinkSync('main.js', join(root, 'app/link'));
    file('app/new.txt', '');
    assert.notEqual(await copyInputsDigest(root, ['app']), app, 'a new empty file counts');
    unlinkSync(join(root, 'app/new.txt'));
    assert.equal(await copyInputsDigest(root, ['app']), app);
  });

  it('covers what the wildcards match, and only that', async () => {
    const md = await copyInputsDigest(root, ['*.md']);
    file('app/lib/util.js', 'changed\n');
    assert.equal(await copyInputsDigest(root, ['*.md']), md);
    file('other.md', 'other v2\n');
    assert.notEqual(await copyInputsDigest(root, ['*.md']), md);
    file('third.md', 'a new match\n');
    const three = await copyInputsDigest(root, ['*.md']);
    assert.notEqual(three, md);
    assert.notEqual(
      await copyInputsDigest(root, ['nothing-*']),
      three,
      'a source that matches nothing still has a digest',
    );
  });
});
