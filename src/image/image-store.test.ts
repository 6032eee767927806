import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { busyboxMissing, makeBusyboxTarball } from '../../test/helpers/busybox.ts';
import { isBerthError } from '../util/errors.ts';
import { type Db, openDatabase } from '../util/sqlite.ts';
import type { ImageStore } from './image-store.ts';
import { importRootfs } from './import-rootfs.ts';
import { openImageStore } from './open.ts';

const skip = busyboxMissing();

/** Every file under a directory, for "nothing changed" checks. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p.slice(dir.length));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A tar with one member called `name`, built by hand (512-byte header + data). */
function tarWithMember(name: string, body = 'x'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(512);
  data.write(body);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

describe('image store', { skip }, () => {
  let work: string;
  let root: string;
  let db: Db;
  let store: ImageStore;
  let tarball: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-image-'));
    root = join(work, 'root');
    db = openDatabase(join(work, 'berth.db'));
    ({ store } = await openImageStore({ root, db }));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar.gz'));
  });
  after(() => {
    db.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('import makes a one-layer image, named, unpacked and listed in the layout index', async () => {
    const image = await importRootfs(store, createReadStream(tarball), {
      name: 'busybox',
      changes: [
        'CMD ["sh"]',
        'ENV A=1 B="two words"',
        'EXPOSE 80 8000-8001/udp',
        'WORKDIR /srv',
        'LABEL x=y',
      ],
    });
    assert.deepEqual(image.tags, ['docker.io/library/busybox:latest']);
    const config = await store.readConfig(image);
    assert.deepEqual(config.config?.Cmd, ['sh']);
    assert.deepEqual(config.config?.Env, ['A=1', 'B=two words']);
    assert.deepEqual(Object.keys(config.config?.ExposedPorts ?? {}), ['80/tcp', '8000/udp', '8001/udp']);
    assert.equal(config.config?.WorkingDir, '/srv');
    assert.equal(config.history?.[0].comment, 'Imported from -');
    assert.equal(config.rootfs.diff_ids.length, 1);
    const [chainId] = await store.chainOf(image);
    assert.equal(store.snapshots.stat(chainId)?.kind, 'committed');
    const index = JSON.parse(readFileSync(join(store.content.root, 'index.json'), 'utf8'));
    assert.equal(
      index.manifests[0].annotations['org.opencontainers.image.ref.name'],
      'docker.io/library/busybox:latest',
    );
    assert.equal(index.manifests[0].digest, image.manifest.digest);
    assert.ok(image.size > 500_000, 'size is the uncompressed layer size');
  });

  test('resolve by name, full reference, full ID, short ID and digest', () => {
    const image = store.resolve('busybox');
    assert.equal(store.resolve('docker.io/library/busybox:latest').id, image.id);
    assert.equal(store.resolve(image.id).id, image.id);
    assert.equal(store.resolve(image.id.slice(7, 19)).id, image.id);
    assert.equal(store.resolve(`busybox@${image.manifest.digest}`).id, image.id);
    assert.throws(
      () => store.resolve('nosuch'),
      (e) => isBerthError(e, 'NotFound') && /No such image: nosuch/.test(e.message),
    );
  });

  test('a second import of the same rootfs reuses the unpacked layer', async () => {
    const before = store.snapshots.list().length;
    const again = await importRootfs(store, createReadStream(tarball), { name: 'other:1' });
    assert.equal(store.snapshots.list().length, before);
    assert.notEqual(again.id, store.resolve('busybox').id, 'a new config (new created time) is a new image');
    await store.remove('other:1');
    assert.throws(() => store.resolve('other:1'));
  });

  test('rmi by tag only untags while other tags remain; by ID needs --force', async () => {
    const image = store.resolve('busybox');
    assert.equal(await store.tag('busybox', 'localhost:5000/team/bb:v1'), 'localhost:5000/team/bb:v1');
    assert.deepEqual(store.resolve('localhost:5000/team/bb:v1').id, image.id);
    await assert.rejects(
      store.remove(image.id),
      /must be forced\) - image is referenced in multiple repositories/,
    );
    const report = await store.remove('localhost:5000/team/bb:v1');
    assert.deepEqual(report, [{ Untagged: 'localhost:5000/team/bb:v1' }]);
    assert.ok(store.get(image.id), 'the image stays');
  });

  test('rmi of an image a container uses is refused; a running one even with --force', async () => {
    const image = store.resolve('busybox');
    let running = true;
    store.users = {
      containersUsing: (id) => (id === image.id ? [{ id: 'c0ffee'.padEnd(64, '0'), running }] : []),
      snapshotsInUse: () => [],
    };
    try {
      const blobsBefore = listing(store.content.root);
      await assert.rejects(
        store.remove('busybox', { force: true }),
        /cannot be forced\) - image is being used by running container c0ffee/,
      );
      running = false;
      await assert.rejects(
        store.remove('busybox'),
        /must force\) - container c0ffee000000 is using its referenced image/,
      );
      assert.deepEqual(listing(store.content.root), blobsBefore, 'a refused rmi changes nothing');
      assert.ok(store.resolve('busybox'));
    } finally {
      store.users = { containersUsing: () => [], snapshotsInUse: () => [] };
    }
  });

  test('a refused import (a member escaping the root) changes nothing', async () => {
    const blobsBefore = listing(store.content.root);
    const snapsBefore = store.snapshots.list();
    const imagesBefore = store.list().map((i) => i.id);
    await assert.rejects(
      importRootfs(store, Readable.from([tarWithMember('../escape')]), { name: 'evil' }),
      (e) => isBerthError(e) && e.message.includes('../escape'),
    );
    await assert.rejects(
      importRootfs(store, Readable.from([gzipSync(tarWithMember('ok')).subarray(0, 30)]), { name: 'evil' }),
    );
    assert.deepEqual(
      store.list().map((i) => i.id),
      imagesBefore,
    );
    assert.deepEqual(store.snapshots.list(), snapsBefore);
    assert.deepEqual(listing(store.content.root), blobsBefore);
    assert.ok(!existsSync(join(work, 'escape')));
    assert.deepEqual(
      readdirSync(join(root, 'ingest')).filter((f) => !f.startsWith('.')),
      [],
    );
  });

  test('a bad --change is refused before anything is read', async () => {
    await assert.rejects(
      importRootfs(store, createReadStream(tarball), { changes: ['RUN rm -rf /'] }),
      /RUN is not a valid change command/,
    );
  });

  test('removing the last image collects its blobs and layer directories', async () => {
    const image = store.resolve('busybox');
    const report = await store.remove('busybox');
    assert.deepEqual(report, [{ Untagged: 'busybox:latest' }, { Deleted: image.id }]);
    assert.equal(store.list().length, 0);
    assert.deepEqual(store.snapshots.list(), []);
    assert.deepEqual(readdirSync(join(store.content.root, 'blobs', 'sha256')), []);
    const index = JSON.parse(readFileSync(join(store.content.root, 'index.json'), 'utf8'));
    assert.deepEqual(index.manifests, []);
  });

  test('the layout is readable by skopeo and umoci', {
    skip: !existsSync('/usr/bin/skopeo') && 'skopeo not installed',
  }, async () => {
    await importRootfs(store, createReadStream(tarball), { name: 'busybox:interop' });
    const layout = store.content.root;
    const out = JSON.parse(
      execFileSync('skopeo', ['inspect', `oci:${layout}:docker.io/library/busybox:interop`], {
        encoding: 'utf8',
      }),
    );
    assert.equal(out.Layers.length, 1);
    if (existsSync('/usr/bin/umoci')) {
      const bundle = join(work, 'bundle');
      execFileSync('umoci', ['unpack', '--image', `${layout}:docker.io/library/busybox:interop`, bundle]);
      assert.ok(existsSync(join(bundle, 'rootfs/bin/busybox')));
      writeFileSync(join(work, 'done'), '');
    }
  });
});
