import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { applyLayer, diffOverlayUpper, packDirectory } from './index.ts';
import { TarReader } from './tar-reader.ts';
import { collect, run, snapshot, streamOf, tempDir } from './test-helpers.ts';

async function memberNames(tar: Buffer): Promise<string[]> {
  const reader = new TarReader(streamOf(tar));
  const names: string[] = [];
  for (let h = await reader.next(); h; h = await reader.next()) names.push(h.name);
  return names;
}

/** Mount overlayfs; the error text when the kernel or the sandbox will not. */
function mountOverlay(merged: string, options: string): string | undefined {
  try {
    run('mount', ['-t', 'overlay', 'overlay', '-o', options, merged]);
    return undefined;
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
  }
}

describe('diffOverlayUpper (on a real overlayfs mount)', () => {
  const tmp = tempDir('overlay');
  const dir = (name: string) => join(tmp.path, name);
  const mounted: string[] = [];
  let expected: string[] = [];
  let layer: Buffer = Buffer.alloc(0);
  let skip: string | undefined;

  before(async () => {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(dir(d));
    mkdirSync(dir('lower/etc'));
    mkdirSync(dir('lower/redo/old-sub'), { recursive: true });
    mkdirSync(dir('lower/drop/deep'), { recursive: true });
    writeFileSync(dir('lower/etc/hosts'), 'lower hosts');
    writeFileSync(dir('lower/etc/shadow'), 'secret');
    writeFileSync(dir('lower/etc/mode'), 'mode changes');
    writeFileSync(dir('lower/redo/old'), 'old');
    writeFileSync(dir('lower/redo/old-sub/f'), 'old');
    writeFileSync(dir('lower/drop/deep/f'), 'dropped');
    const why = mountOverlay(
      dir('merged'),
      `lowerdir=${dir('lower')},upperdir=${dir('upper')},workdir=${dir('work')}`,
    );
    if (why) {
      skip = `overlayfs cannot be mounted here (${why})`;
      return;
    }
    mounted.push(dir('merged'));
    const m = (p: string) => join(dir('merged'), p);
    writeFileSync(m('etc/hosts'), 'upper hosts');
    unlinkSync(m('etc/shadow'));
    chmodSync(m('etc/mode'), 0o600);
    rmSync(m('redo'), { recursive: true });
    mkdirSync(m('redo'));
    writeFileSync(m('redo/new'), 'new');
    rmSync(m('drop'), { recursive: true });
    mkdirSync(m('added/sub'), { recursive: true });
    writeFileSync(m('added/sub/file'), 'added');
    expected = await snapshot(dir('merged'), { seconds: true, skipRoot: true });
    run('umount', [dir('merged')]);
    mounted.pop();
    layer = await collect(diffOverlayUpper(dir('upper')));
  });
  after(() => {
    for (const m of mounted.reverse()) run('umount', [m]);
    tmp.cleanup();
  });

  test('turns 0/0 devices into .wh. entries and opaque directories into .wh..wh..opq', async (t) => {
    if (skip) return t.skip(skip);
    assert.deepEqual(await memberNames(layer), [
      '.wh.drop',
      'added/',
      'added/sub/',
      'added/sub/file',
      'etc/',
      'etc/.wh.shadow',
      'etc/hosts',
      'etc/mode',
      'redo/',
      'redo/.wh..wh..opq',
      'redo/new',
    ]);
  });

  test("lower plus the layer, applied ('apply'), is what the mount showed", async (t) => {
    if (skip) return t.skip(skip);
    const target = dir('flat');
    mkdirSync(target);
    await applyLayer(packDirectory(dir('lower')), target, { whiteouts: 'apply' });
    await applyLayer(streamOf(layer), target, { whiteouts: 'apply' });
    assert.deepEqual(await snapshot(target, { seconds: true, skipRoot: true }), expected);
  });

  test("the layer applied ('overlay') works as an overlay lower layer over lower", async (t) => {
    if (skip) return t.skip(skip);
    const layerDir = dir('layer-dir');
    const view = dir('view');
    mkdirSync(layerDir);
    mkdirSync(view);
    await applyLayer(streamOf(layer), layerDir, { whiteouts: 'overlay' });
    const why = mountOverlay(view, `lowerdir=${layerDir}:${dir('lower')}`);
    if (why) return t.skip(`overlayfs cannot be mounted here (${why})`);
    mounted.push(view);
    try {
      assert.deepEqual(await snapshot(view, { seconds: true, skipRoot: true }), expected);
    } finally {
      run('umount', [view]);
      mounted.pop();
    }
  });

  test('is deterministic', async (t) => {
    if (skip) return t.skip(skip);
    assert.ok(layer.equals(await collect(diffOverlayUpper(dir('upper')))));
  });

  test('refuses an upper directory holding a renamed directory (redirect_dir)', async (t) => {
    if (skip) return t.skip(skip);
    for (const d of ['r-upper', 'r-work', 'r-merged']) mkdirSync(dir(d));
    const why = mountOverlay(
      dir('r-merged'),
      `lowerdir=${dir('lower')},upperdir=${dir('r-upper')},workdir=${dir('r-work')},redirect_dir=on`,
    );
    if (why) return t.skip(`overlayfs with redirect_dir=on cannot be mounted here (${why})`);
    mounted.push(dir('r-merged'));
    try {
      renameSync(join(dir('r-merged'), 'etc'), join(dir('r-merged'), 'etc2'));
    } finally {
      run('umount', [dir('r-merged')]);
      mounted.pop();
    }
    await assert.rejects(collect(diffOverlayUpper(dir('r-upper'))), (err: unknown) => {
      assert.ok(isBerthError(err, 'FailedPrecondition'));
      assert.match((err as Error).message, /redirect/);
      return true;
    });
  });
});
