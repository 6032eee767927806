// The pure parts of volumes, prunes and update, without a daemon: Docker's rules
// for laying an update over a HostConfig, /info's counts, the volume endpoints'
// filters and prune rules on a real VolumeStore (a temporary database and root),
// and the CLI's texts (natural order of names, the system prune warning).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Filters } from '../src/api/query.ts';
import { mergeUpdate } from '../src/api/routes/container-admin.ts';
import {
  ANONYMOUS_LABEL,
  createVolume,
  directorySize,
  listVolumes,
  pruneVolumes,
  volumeJson,
} from '../src/api/routes/volumes.ts';
import { countContainers } from '../src/api/system-stats.ts';
import { systemPruneWarning } from '../src/cli/commands/system-prune.ts';
import { naturalCompare, volumeRow } from '../src/cli/commands/volume.ts';
import { VolumeStore } from '../src/engine/volume-store.ts';
import { isBerthError } from '../src/util/errors.ts';
import { type Db, openDatabase } from '../src/util/sqlite.ts';

const filters = (f: Record<string, string[]> = {}) => Filters.parse(JSON.stringify(f));
const MB = 1024 * 1024;

describe('update laid over a HostConfig', () => {
  const id = 'c'.repeat(64);

  it('sets the non-zero fields and leaves the rest', () => {
    const next = mergeUpdate(
      { Memory: 32 * MB, CpuShares: 512, Binds: ['a:/a'] },
      { Memory: 48 * MB, CpuShares: 0, NanoCpus: 5e8, CpusetCpus: '0', PidsLimit: 0 },
      id,
    );
    assert.equal(next.Memory, 48 * MB);
    assert.equal(next.MemorySwap, 64 * MB, "create's implicit swap (twice the old limit) is kept");
    assert.equal(next.CpuShares, 512);
    assert.equal(next.NanoCpus, 5e8);
    assert.equal(next.CpusetCpus, '0');
    assert.equal(next.PidsLimit, 0, 'a PidsLimit given is set, even 0');
    assert.deepEqual(next.Binds, ['a:/a']);
  });

  it("refuses Docker's conflicts", () => {
    const conflictOf = (fn: () => unknown, message: RegExp) =>
      assert.throws(fn, (e: unknown) => isBerthError(e, 'Conflict') && message.test((e as Error).message));
    conflictOf(
      () => mergeUpdate({ Memory: 32 * MB }, { Memory: 100 * MB }, id),
      /^Cannot update container c+: Memory limit should be smaller than already set memoryswap limit/,
    );
    conflictOf(
      () => mergeUpdate({ CpuQuota: 50000 }, { NanoCpus: 1e9 }, id),
      /Nano CPUs cannot be updated as CPU Quota has already been set/,
    );
    conflictOf(
      () => mergeUpdate({ NanoCpus: 1e9 }, { CpuPeriod: 50000 }, id),
      /CPU Period cannot be updated as NanoCPUs has already been set/,
    );
    conflictOf(
      () => mergeUpdate({ AutoRemove: true }, { RestartPolicy: { Name: 'always' } }, id),
      /Restart policy cannot be updated because AutoRemove is enabled/,
    );
    assert.throws(
      () => mergeUpdate({}, { RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }, id),
      /maximum retry count can only be used with 'on-failure'/,
    );
  });

  it('accepts a memory limit on a container without one, and any limit with unlimited swap', () => {
    assert.deepEqual(mergeUpdate({}, { Memory: 64 * MB }, id), { Memory: 64 * MB });
    assert.deepEqual(mergeUpdate({ Memory: 32 * MB, MemorySwap: -1 }, { Memory: 1024 * MB }, id), {
      Memory: 1024 * MB,
      MemorySwap: -1,
    });
    assert.deepEqual(mergeUpdate({}, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }, id), {
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
  });
});

describe("/info's container counts", () => {
  it('counts running and paused apart, every other state as stopped', () => {
    assert.deepEqual(countContainers(['running', 'paused', 'restarting', 'exited', 'created', 'running']), {
      total: 6,
      running: 2,
      paused: 1,
      stopped: 3,
    });
    assert.deepEqual(countContainers([]), { total: 0, running: 0, paused: 0, stopped: 0 });
  });
});

describe('the volume endpoints on a VolumeStore', () => {
  let dir: string;
  let db: Db;
  let store: VolumeStore;
  const used = new Map<string, string[]>();
  const users = (name: string) => used.get(name) ?? [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-volume-routes-'));
    db = openDatabase(join(dir, 'meta.db'));
    store = new VolumeStore(db, dir, users);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates in Docker's shape; no name gives a random named volume", () => {
    const v = createVolume(store, { Name: 'web', Labels: { tier: 'front' } });
    assert.deepEqual(
      { ...v, CreatedAt: 'x' },
      {
        CreatedAt: 'x',
        Driver: 'local',
        Labels: { tier: 'front' },
        Mountpoint: join(dir, 'volumes', 'web', '_data'),
        Name: 'web',
        Options: null,
        Scope: 'local',
      },
    );
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const random = createVolume(store, {});
    assert.match(random.Name, /^[0-9a-f]{64}$/);
    assert.equal(store.get(random.Name)?.anonymous, false);
    assert.throws(
      () => createVolume(store, { Name: 'x', DriverOpts: { bogus: '1' } }),
      /invalid option: "bogus"/,
    );
    assert.throws(
      () => createVolume(store, { Name: 'x', DriverOpts: { type: 'tmpfs' } }),
      /missing required option: "device"/,
    );
    assert.throws(() => createVolume(store, { Name: 'x', Driver: 'nfs' }), /plugin "nfs" not found/);
    assert.throws(() => createVolume(store, { Name: '/abs' }), /includes invalid characters/);
    store.remove(random.Name);
  });

  it('lists by dangling, name, driver and label; anonymous volumes carry the anonymous label', () => {
    const anon = store.create(undefined).volume.name;
    assert.deepEqual(volumeJson(store.inspect(anon)).Labels, { [ANONYMOUS_LABEL]: '' });
    used.set('web', ['c1']);
    const names = (f: Record<string, string[]>) => listVolumes(store, users, filters(f)).map((v) => v.Name);
    assert.deepEqual(names({}).sort(), [anon, 'web'].sort());
    assert.deepEqual(names({ dangling: ['true'] }), [anon]);
    assert.deepEqual(names({ dangling: ['false'] }), ['web']);
    assert.deepEqual(names({ name: ['^we'] }), ['web']);
    assert.deepEqual(names({ driver: ['local'] }).length, 2);
    assert.deepEqual(names({ driver: ['nfs'] }), []);
    assert.deepEqual(names({ label: ['tier=front'] }), ['web']);
    assert.deepEqual(names({ label: [ANONYMOUS_LABEL] }), [anon]);
    assert.deepEqual(names({ 'label!': ['tier'] }), [anon]);
    assert.throws(() => names({ until: ['1h'] }), /invalid filter 'until'/);
    assert.throws(() => names({ dangling: ['maybe'] }), /invalid filter 'dangling=maybe'/);
    store.remove(anon);
    used.clear();
  });

  it('prunes anonymous unused volumes, all unused with all=true or for clients before API 1.42', async () => {
    const anon = store.create(undefined).volume;
    writeFileSync(join(anon.mountpoint, 'f'), 'x'.repeat(1234));
    const busy = store.create(undefined).volume.name;
    used.set(busy, ['c2']);
    used.set('web', ['c1']);
    store.create('named');
    assert.deepEqual(await pruneVolumes(store, users, filters(), '1.47'), {
      VolumesDeleted: [anon.name],
      SpaceReclaimed: 1234,
    });
    assert.deepEqual(await pruneVolumes(store, users, filters({ label: ['nope'] }), '1.47'), {
      VolumesDeleted: null,
      SpaceReclaimed: 0,
    });
    assert.deepEqual(
      (await pruneVolumes(store, users, filters({ all: ['true'], 'label!': ['tier'] }), '1.47'))
        .VolumesDeleted,
      ['named'],
    );
    store.create('old-client');
    assert.deepEqual((await pruneVolumes(store, users, filters(), '1.41')).VolumesDeleted, ['old-client']);
    assert.deepEqual(
      store.list().map((v) => v.name),
      [busy, 'web'].sort(),
    );
  });

  it('measures a directory as Docker does: file bytes, hard links once, directories not at all', async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-size-'));
    try {
      writeFileSync(join(d, 'a'), 'x'.repeat(100));
      const { linkSync, mkdirSync } = await import('node:fs');
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'sub', 'b'), 'y'.repeat(50));
      linkSync(join(d, 'a'), join(d, 'sub', 'a-again'));
      assert.equal(await directorySize(d), 150);
      assert.equal(await directorySize(join(d, 'missing')), 0);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('the CLI texts', () => {
  it("orders names naturally, as Docker's sortorder does", () => {
    assert.deepEqual(['v10', 'v9', 'a', 'v1', 'B'].sort(naturalCompare), ['B', 'a', 'v1', 'v9', 'v10']);
  });

  it("writes Docker's system prune warning, with the filters sorted", () => {
    assert.equal(
      systemPruneWarning({ all: true, volumes: true, filters: ['label=a', 'label!=b', 'until=1h'] }),
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all anonymous volumes not used by at least one container\n' +
        '  - all images without at least one container associated to them\n' +
        '  - all build cache\n\n' +
        '  Items to be pruned will be filtered with:\n  - label!=b\n  - label=a\n  - until=1h\n\n' +
        'Are you sure you want to continue?',
    );
    assert.equal(
      systemPruneWarning({ all: false, volumes: false, filters: [] }),
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all dangling images\n  - all dangling build cache\n\nAre you sure you want to continue?',
    );
  });

  it('shows a volume with N/A where only df knows the value', () => {
    const row = volumeRow({ Name: 'v', Driver: 'local', Mountpoint: '/m', Labels: { b: '2', a: '1' } });
    assert.equal(row.Labels, 'a=1,b=2');
    assert.equal(row.Links, 'N/A');
    assert.equal(row.Size, 'N/A');
    const df = volumeRow({
      Name: 'v',
      Driver: 'local',
      Mountpoint: '/m',
      UsageData: { Size: 2500, RefCount: 2 },
    });
    assert.deepEqual([df.Links, df.Size], ['2', '2.5kB']);
  });
});
