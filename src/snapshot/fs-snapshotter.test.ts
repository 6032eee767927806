import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { openDatabase } from '../util/sqlite.ts';
import { FsSnapshotter } from './fs-snapshotter.ts';

describe('FsSnapshotter.commit onto another parent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-snapshotter-'));
  const db = openDatabase(':memory:');
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('overlay: a layer prepared on no parent is committed onto the one given', async () => {
    const s = await FsSnapshotter.open(db, join(dir, 'o'), 'overlay');
    await s.prepare('k-base');
    await s.commit('base', 'k-base');
    await s.prepare('k-top');
    await s.commit('top', 'k-top', { parent: 'base' });
    assert.equal(s.stat('top')?.parent, 'base');
    assert.equal(s.stat('top')?.kind, 'committed');
    await s.prepare('k-other');
    await assert.rejects(
      s.commit('other', 'k-other', { parent: 'k-nothing' }),
      (e) => isBerthError(e, 'FailedPrecondition') && /k-nothing is not committed/.test(e.message),
    );
    assert.equal(s.stat('k-other')?.kind, 'active', 'a refused commit changes nothing');
  });

  test('vfs: a snapshot is a copy of its parent, so it cannot change parents', async () => {
    const s = await FsSnapshotter.open(db, join(dir, 'v'), 'vfs');
    await s.prepare('v-base');
    await s.commit('vbase', 'v-base');
    await s.prepare('v-top');
    await assert.rejects(
      s.commit('vtop', 'v-top', { parent: 'vbase' }),
      (e) =>
        isBerthError(e, 'FailedPrecondition') &&
        /vfs driver cannot commit onto another parent/.test(e.message),
    );
  });
});
