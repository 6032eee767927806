import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CacheMountRequest, CacheMounts, cacheMountId } from './cache-mounts.ts';

const isRoot = process.getuid?.() === 0;
const req = (key: string, extra: Partial<CacheMountRequest> = {}): CacheMountRequest => ({
  key,
  sharing: 'shared',
  mode: 0o755,
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  ...extra,
});

describe('cache mounts', () => {
  let dir: string;
  let mounts: CacheMounts;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cache-mounts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a file between uses of one id, in a directory named by the id, with the mode asked for', async () => {
    mounts = new CacheMounts(join(dir, 'a'));
    const first = await mounts.acquire(req('/root/.cache', { mode: 0o700 }));
    writeFileSync(join(first.path, 'kept'), 'yes');
    await first.release();
    assert.equal(statSync(first.path).mode & 0o777, 0o700);
    const again = await new CacheMounts(join(dir, 'a')).acquire(req('/root/.cache'));
    assert.equal(again.path, first.path);
    assert.equal(readFileSync(join(again.path, 'kept'), 'utf8'), 'yes');
    await again.release();
    const other = await mounts.acquire(req('/other'));
    assert.notEqual(other.path, first.path);
    assert.deepEqual(readdirSync(other.path), []);
    await other.release();
    assert.deepEqual(
      readdirSync(join(dir, 'a')).sort(),
      [cacheMountId('/other'), cacheMountId('/root/.cache')].sort(),
    );
    assert.equal(readFileSync(join(dir, 'a', cacheMountId('/other'), 'id'), 'utf8'), '/other\n');
  });

  it('shared users share an instance; a locked user waits for a free one; private ones never wait', async () => {
    mounts = new CacheMounts(join(dir, 'b'));
    const s1 = await mounts.acquire(req('k'));
    const s2 = await mounts.acquire(req('k'));
    assert.equal(s1.path, s2.path);
    let lockedHas: string | undefined;
    const locked = mounts.acquire(req('k', { sharing: 'locked' })).then((l) => {
      lockedHas = l.path;
      return l;
    });
    const s3 = await mounts.acquire(req('k'));
    assert.equal(s3.path, s1.path, 'a shared user joins the shared users');
    await s1.release();
    await s2.release();
    assert.equal(lockedHas, undefined, 'the locked user waits while the instance is shared');
    await s3.release();
    const l = await locked;
    assert.equal(l.path, s1.path);
    // While the locked user has the only instance, others get one of their own.
    const s4 = await mounts.acquire(req('k'));
    const p1 = await mounts.acquire(req('k', { sharing: 'private' }));
    assert.equal(new Set([l.path, s4.path, p1.path]).size, 3);
    for (const x of [l, s4, p1]) await x.release();
    // Free again: the next locked user does not wait and gets the first instance.
    const l2 = await mounts.acquire(req('k', { sharing: 'locked' }));
    assert.equal(l2.path, s1.path);
    await l2.release();
  });

  it('a private user takes a free instance (the one others used before) or a new one', async () => {
    mounts = new CacheMounts(join(dir, 'c'));
    const first = await mounts.acquire(req('k'));
    writeFileSync(join(first.path, 'kept'), '1');
    await first.release();
    const p1 = await mounts.acquire(req('k', { sharing: 'private' }));
    assert.equal(p1.path, first.path, 'sequential users see the same files');
    const p2 = await mounts.acquire(req('k', { sharing: 'private' }));
    const shared = await mounts.acquire(req('k'));
    assert.equal(new Set([p1.path, p2.path, shared.path]).size, 3);
    assert.ok(existsSync(join(p1.path, 'kept')));
    assert.deepEqual(readdirSync(p2.path), []);
    for (const l of [p1, p2, shared]) await l.release();
  });

  it('seeds a new instance once, and owns it as asked', { skip: !isRoot && 'chown needs root' }, async () => {
    mounts = new CacheMounts(join(dir, 'd'));
    let seeded = 0;
    const seed = async (d: string) => {
      seeded++;
      writeFileSync(join(d, 'seed'), 'from the stage');
    };
    const l = await mounts.acquire(req('seeded', { seed, uid: 65534, gid: 65534 }));
    assert.equal(readFileSync(join(l.path, 'seed'), 'utf8'), 'from the stage');
    assert.equal(statSync(l.path).uid, 65534);
    await l.release();
    await (await mounts.acquire(req('seeded', { seed }))).release();
    assert.equal(seeded, 1);
  });

  it('a failed seed leaves no instance behind', async () => {
    mounts = new CacheMounts(join(dir, 'e'));
    const seed = async () => {
      throw new Error('cannot read the stage');
    };
    await assert.rejects(mounts.acquire(req('bad', { seed })), /cannot read the stage/);
    assert.deepEqual(readdirSync(join(dir, 'e', cacheMountId('bad'))), ['id']);
    const l = await mounts.acquire(req('bad'));
    assert.deepEqual(readdirSync(l.path), []);
    await l.release();
  });

  it('lists each cache with its key, bytes, last use and whether a RUN holds it', async () => {
    mounts = new CacheMounts(join(dir, 'l'));
    assert.deepEqual(await new CacheMounts(join(dir, 'nothing')).list(), []);
    const held = await mounts.acquire(req('held'));
    const free = await mounts.acquire(req('free'));
    writeFileSync(join(free.path, 'data'), 'x'.repeat(300));
    await free.release();
    utimesSync(join(dir, 'l', cacheMountId('free'), 'id'), new Date(7000), new Date(7000));
    const listed = await mounts.list();
    const byKey = new Map(listed.map((m) => [m.key, m]));
    assert.deepEqual([...byKey.keys()].sort(), ['free', 'held']);
    assert.equal(byKey.get('free')?.id, cacheMountId('free'));
    assert.equal(byKey.get('free')?.inUse, false);
    assert.equal(byKey.get('held')?.inUse, true);
    assert.ok((byKey.get('free')?.bytes ?? 0) >= 300);
    assert.equal(byKey.get('free')?.lastUsed, 7000);
    await held.release();
    assert.equal((await mounts.list()).find((m) => m.key === 'held')?.inUse, false);
  });

  it('prune removes caches nobody uses, picks by id prefix and last use, and reports their bytes', async () => {
    mounts = new CacheMounts(join(dir, 'f'));
    const busy = await mounts.acquire(req('busy'));
    for (const key of ['old', 'new']) {
      const l = await mounts.acquire(req(key));
      writeFileSync(join(l.path, 'data'), 'x'.repeat(100));
      await l.release();
    }
    const old = join(dir, 'f', cacheMountId('old'), 'id');
    utimesSync(old, new Date(1000), new Date(1000));
    const none = await mounts.prune({ ids: ['ffffffffffffffffffffffff'] });
    assert.deepEqual(none, { removed: [], bytes: 0 });
    const byAge = await mounts.prune({ until: 5000 });
    assert.deepEqual(byAge.removed, [cacheMountId('old')]);
    assert.ok(byAge.bytes >= 100, `${byAge.bytes}`);
    const all = await mounts.prune();
    assert.deepEqual(all.removed, [cacheMountId('new')]);
    assert.deepEqual(readdirSync(join(dir, 'f')), [cacheMountId('busy')], 'a cache in use stays');
    await busy.release();
    assert.deepEqual((await mounts.prune()).removed, [cacheMountId('busy')]);
    assert.deepEqual(await new CacheMounts(join(dir, 'none')).prune(), { removed: [], bytes: 0 });
  });
});
