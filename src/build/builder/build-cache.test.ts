// The builder through its cache, on a real image store (vfs) and database in a
// temporary root, with Dockerfiles on scratch that need no container: which steps
// hit is read from the output (` ---> Using cache` after a step's line).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageStore } from '../../image/image-store.ts';
import { openImageStore } from '../../image/open.ts';
import { BerthError } from '../../util/errors.ts';
import { type Db, openDatabase } from '../../util/sqlite.ts';
import { type BuildCache, installBuildCacheRoots, pruneBuildCache } from '../cache/index.ts';
import { type BuildOptions, buildImage } from './builder.ts';
import type { RunEnvironment } from './run-step.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (the builder mounts step snapshots)' : false;

/** Each step's instruction and whether it came from the cache. */
function stepsOf(output: string): [string, boolean][] {
  const out: [string, boolean][] = [];
  for (const line of output.split('\n')) {
    const m = /^Step \d+\/\d+ : (.*)$/.exec(line);
    if (m) out.push([m[1], false]);
    else if (line === ' ---> Using cache') out[out.length - 1][1] = true;
  }
  return out;
}

describe('the build cache in the builder', { skip }, () => {
  let work: string;
  let db: Db;
  let store: ImageStore;
  let cache: BuildCache;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-build-cache-'));
    db = openDatabase(join(work, 'berth.db'));
    ({ store } = await openImageStore({ root: join(work, 'root'), db, driver: 'vfs' }));
    cache = installBuildCacheRoots(store, db);
  });
  after(() => {
    db.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function build(contextDir: string, opts: Partial<BuildOptions> = {}) {
    let output = '';
    const result = await buildImage(
      {
        store,
        run: {} as RunEnvironment, // no RUN in these Dockerfiles
        scratch: join(work, 'scratch'),
        image: async (ref) => {
          throw new BerthError('NotFound', `no image ${ref} in this test`);
        },
        cache,
      },
      { contextDir, ...opts },
      { stream: (t) => (output += t) },
    );
    return { id: result.id, steps: stepsOf(output), output };
  }
  function context(files: Record<string, string>): string {
    const dir = mkdtempSync(join(work, 'ctx-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  }

  it('a second identical build takes every step from the cache and makes the same image', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch\nENV A=1\nCOPY a.txt /a.txt\nLABEL x=y\nCMD ["/a"]\nENTRYPOINT ["/e"]\n',
      'a.txt': 'a\n',
    });
    const first = await build(dir);
    assert.ok(
      first.steps.slice(1).every(([, hit]) => !hit),
      first.output,
    );
    const second = await build(dir);
    assert.deepEqual(
      second.steps.map(([, hit]) => hit),
      [false, true, true, true, true, true],
      second.output,
    );
    assert.equal(second.id, first.id);
    const config = await store.readConfig(store.resolve(second.id));
    assert.deepEqual(config.config?.Cmd, ['/a'], 'CMD given in the stage is kept by a cached ENTRYPOINT');
  });

  it('a changed file misses from its COPY on; the steps before it hit', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nLABEL after=1\n',
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    await build(dir);
    writeFileSync(join(dir, 'b.txt'), 'b changed\n');
    const { steps, output } = await build(dir);
    assert.deepEqual(
      steps.map(([, hit]) => hit),
      [false, true, false, false],
      output,
    );
  });

  it('a changed build arg misses first at the step that uses it; ARG scoping decides which do', async () => {
    const dir = context({
      f: 'f\n',
      Dockerfile: [
        'ARG G=1',
        'FROM scratch AS base',
        'COPY f /f', // an image needs a layer
        'ARG V=1',
        'LABEL fixed=1',
        'LABEL g=$G', // the global G is not in scope here without ARG G
        'ENV v=$V',
        'LABEL later=1',
        'FROM base',
        'LABEL v=$V', // V was the first stage's: not in scope
        'ARG G',
        'LABEL g=$G',
        '',
      ].join('\n'),
    });
    const hits = async (buildArgs: Record<string, string>) =>
      (await build(dir, { buildArgs })).steps.map(([text, hit]) => `${hit ? 'hit' : 'run'} ${text}`);
    await hits({ V: '1', G: '1' });
    assert.deepEqual(await hits({ V: '2', G: '1' }), [
      'run FROM scratch AS base',
      'hit COPY f /f',
      'hit ARG V=1',
      'hit LABEL fixed=1',
      'hit LABEL g=$G',
      'run ENV v=$V',
      'run LABEL later=1',
      'run FROM base',
      'run LABEL v=$V',
      'run ARG G',
      'run LABEL g=$G',
    ]);
    await hits({ V: '2', G: '1' });
    assert.deepEqual(await hits({ V: '2', G: '2' }), [
      'run FROM scratch AS base',
      'hit COPY f /f',
      'hit ARG V=1',
      'hit LABEL fixed=1',
      'hit LABEL g=$G',
      'hit ENV v=$V',
      'hit LABEL later=1',
      'run FROM base',
      'hit LABEL v=$V',
      'hit ARG G',
      'run LABEL g=$G',
    ]);
  });

  it('--no-cache looks nothing up but records; --no-cache-filter skips lookups in the stages it names', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch AS one\nCOPY f /f\nFROM one AS two\nLABEL b=2\n',
      f: 'f\n',
    });
    await build(dir);
    const fresh = await build(dir, { noCache: true });
    assert.ok(
      fresh.steps.every(([, hit]) => !hit),
      fresh.output,
    );
    const after = await build(dir);
    assert.equal(after.id, fresh.id, 'the --no-cache build recorded its steps');
    const filtered = await build(dir, { noCacheFilter: ['two'] });
    assert.deepEqual(
      filtered.steps.map(([, hit]) => hit),
      [false, true, false, false],
      filtered.output,
    );
    const byStage = await build(dir, { noCacheFilter: ['ONE'] });
    assert.deepEqual(
      byStage.steps.map(([, hit]) => hit),
      [false, false, false, false],
      'a stage built on an uncached one misses too',
    );
    assert.match((await build(dir, { noCacheFilter: ['three'] })).output, /no stage named three/);
  });

  it('records keep their layers through garbage collection; prune lets them go', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\nCOPY c.txt /c.txt\n', 'c.txt': 'c\n' });
    const first = await build(dir, { tags: ['cached:gc'] });
    const [layer] = (await store.readManifest(store.resolve(first.id))).layers;
    await store.remove('cached:gc');
    assert.equal(store.get(first.id), undefined);
    await store.collectGarbage();
    assert.ok(await store.content.has(layer.digest), 'the record keeps the layer blob');
    const again = await build(dir, { tags: ['cached:gc'] });
    assert.deepEqual(
      again.steps.map(([, hit]) => hit),
      [false, true],
    );
    assert.equal(again.id, first.id);

    const holding = () => cache.list().filter((r) => r.layer?.descriptor.digest === layer.digest);
    assert.equal(holding().length, 1);
    await pruneBuildCache(cache, store, {});
    assert.equal(holding().length, 1, 'without all, a record an image was built through stays');
    await store.remove('cached:gc');
    await pruneBuildCache(cache, store, { ids: ['0000000'] });
    assert.equal(holding().length, 1, 'an id filter that matches nothing removes nothing');
    await pruneBuildCache(cache, store, {});
    assert.equal(holding().length, 0, 'once no image was built through it, it is dangling');
    assert.equal(await store.content.has(layer.digest), false, 'the layer went with its last record');
    const pruned = await pruneBuildCache(cache, store, { all: true });
    assert.ok(pruned.CachesDeleted.length > 0);
    assert.equal(cache.list().length, 0, 'all: every record');
    const cold = await build(dir);
    assert.deepEqual(
      cold.steps.map(([, hit]) => hit),
      [false, false],
    );
  });

  it('a record whose layer is gone is a miss, and is replaced', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\nCOPY d.txt /d.txt\n', 'd.txt': 'd\n' });
    await build(dir, { tags: ['gone:1'] });
    const [record] = cache.list().filter((r) => r.description.includes('d.txt'));
    assert.ok(record.layer);
    await store.remove('gone:1');
    // What a collection that did not know the cache's roots would do.
    store.cacheRoots = { roots: () => ({ blobs: [], snapshots: [] }) };
    try {
      await store.collectGarbage();
    } finally {
      installBuildCacheRoots(store, db);
    }
    assert.equal(store.snapshots.stat(record.layer.chainId), undefined);
    const again = await build(dir);
    assert.deepEqual(
      again.steps.map(([, hit]) => hit),
      [false, false],
    );
    const third = await build(dir);
    assert.deepEqual(
      third.steps.map(([, hit]) => hit),
      [false, true],
      'the step recorded again',
    );
  });
});
