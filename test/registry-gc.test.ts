// `berth registry gc`: mark from every tag and manifest revision, sweep the rest, keep what
// is recent or still being uploaded, and say what was (or would be) deleted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { registryGcCommand } from '../src/cli/commands/registry.ts';
import { collectGarbage } from '../src/registry/gc.ts';
import { Registry } from '../src/registry/registry.ts';
import { RegistryServer } from '../src/registry/server/server.ts';
import { FsRegistryStorage } from '../src/registry/storage/fs-driver.ts';
import {
  http,
  makeImage,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushImage,
  sha256,
  startRegistry,
  type TestRegistry,
} from './registry-helpers.ts';

/** Set every file's times under `dir` back by `ms`, as if it all happened that long ago. */
async function age(dir: string, ms: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const t = new Date((await stat(p)).mtimeMs - ms);
    await utimes(p, t, t);
  }
}

async function runGc(
  root: string,
  dryRun: boolean,
): Promise<{ code: number | undefined; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await registryGcCommand.run({
    name: 'registry gc',
    options: { root, 'dry-run': dryRun },
    args: [],
    globals: { debug: false },
    env: {},
    stdout,
    stderr,
    client: () => Promise.reject(new Error('no client')),
  });
  return { code, out, err };
}

describe('registry gc', () => {
  let r: TestRegistry;
  const kept = makeImage([100, 200]);
  const untagged = makeImage([300]);
  const removed = makeImage([400]);
  const shared = randomBytes(500);
  let orphan: string;
  let upload: string;
  before(async () => {
    r = await startRegistry({ deleteEnabled: true });
    await pushImage(r.url, 'app', 'v1', kept);
    await pushImage(r.url, 'app', 'old', untagged);
    await http('DELETE', `${r.url}/v2/app/manifests/old`);
    await pushBlob(r.url, 'app', shared);
    await pushImage(r.url, 'other', 'gone', removed);
    await http('DELETE', `${r.url}/v2/other/manifests/${removed.digest}`);
    orphan = await pushBlob(r.url, 'other', randomBytes(600));
    const child = makeImage([50]);
    await pushImage(r.url, 'multi', child.digest, child);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.manifest.length }],
      }),
    );
    await http('PUT', `${r.url}/v2/multi/manifests/latest`, {
      body: index,
      headers: { 'Content-Type': OCI_INDEX },
    });
    const start = await http('POST', `${r.url}/v2/app/blobs/uploads/`);
    upload = String(start.headers['docker-upload-uuid']);
    await http('PATCH', `${r.url}${start.headers.location}`, { body: randomBytes(1000) });
    await r.server.close(1000);
  });
  after(() => r.close());

  it('keeps everything written within the grace period', async () => {
    const result = await collectGarbage(new FsRegistryStorage(r.root), { dryRun: true });
    assert.equal(result.deleted.length, 0);
    assert.ok(result.kept > 10);
  });

  it('prints what it would delete on a dry run and deletes nothing', async () => {
    await age(r.root, 3600_000);
    const dry = await runGc(r.root, true);
    assert.equal(dry.code, 0, dry.err);
    const lines = dry.out.trim().split('\n');
    const would = lines.filter((l) => l.startsWith('would delete blob '));
    const expected = [
      removed.digest,
      sha256(removed.config),
      sha256(removed.layers[0]),
      orphan,
      sha256(shared),
    ].sort();
    assert.deepEqual(would.map((l) => l.split(' ')[3]).sort(), expected);
    assert.match(lines[lines.length - 1], /would delete 5 blobs \(\d+ bytes\)/);
    const storage = new FsRegistryStorage(r.root);
    assert.equal((await collectGarbage(storage, { dryRun: true })).deleted.length, 5, 'still all there');
  });

  it('deletes unused blobs and dangling links, keeps tagged, untagged and indexed manifests and uploads', async () => {
    const real = await runGc(r.root, false);
    assert.equal(real.code, 0, real.err);
    assert.match(real.out, /deleted 5 blobs/);
    const storage = new FsRegistryStorage(r.root);
    const again = await collectGarbage(storage, { now: new Date(Date.now() + 3600_000) });
    assert.equal(again.deleted.length, 0, 'a second run finds nothing');
    assert.equal(again.linksRemoved, 0, 'links to swept blobs were removed by the first run');
    const fresh = await RegistryServer.listen(
      { registry: new Registry(storage), log: () => {} },
      '127.0.0.1',
      0,
    );
    try {
      const u = fresh.url;
      assert.equal((await http('GET', `${u}/v2/app/manifests/v1`)).status, 200);
      for (const b of [kept.config, ...kept.layers, untagged.config, ...untagged.layers]) {
        assert.equal((await http('HEAD', `${u}/v2/app/blobs/${sha256(b)}`)).status, 200);
      }
      assert.equal((await http('GET', `${u}/v2/app/manifests/${untagged.digest}`)).status, 200);
      assert.equal((await http('GET', `${u}/v2/multi/manifests/latest`)).status, 200);
      assert.equal((await http('HEAD', `${u}/v2/other/blobs/${orphan}`)).status, 404);
      assert.equal((await http('HEAD', `${u}/v2/app/blobs/${sha256(shared)}`)).status, 404);
      assert.equal(
        (await http('GET', `${u}/v2/app/blobs/uploads/${upload}`)).status,
        204,
        'the upload survives',
      );
    } finally {
      await fresh.close(1000);
    }
  });

  it('stops before deleting anything when a manifest cannot be read', async () => {
    const storage = new FsRegistryStorage(r.root);
    const key = `blobs/sha256/${kept.digest.slice(7, 9)}/${kept.digest.slice(7)}/data`;
    const good = await storage.getContent(key);
    await storage.putContent(key, '{"broken":');
    try {
      await assert.rejects(
        collectGarbage(storage, { now: new Date(Date.now() + 3600_000) }),
        /gc stopped, nothing was deleted/,
      );
    } finally {
      await storage.putContent(key, good);
    }
  });
});
