import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Descriptor } from '../oci/descriptor.ts';
import { ANNOTATION_REF_NAME } from '../oci/descriptor.ts';
import { type Digest, digestOf } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { BerthError } from '../util/errors.ts';
import { FsContentStore } from './fs-content-store.ts';
import { ingestPaths } from './fs-ingest.ts';
import { CHUNK, pseudoRandomChunks, pseudoRandomDigest } from './testing/pseudo-random.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./testing/ingest-worker.ts', import.meta.url));

const isCode = (code: string) => (err: unknown) => {
  assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return true;
};

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const entries = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

let tmp: string;
let n = 0;
/** A fresh store under the suite's temp dir. */
async function freshStore(): Promise<FsContentStore> {
  return FsContentStore.open({ root: join(tmp, `store-${n++}`) });
}

const started = new Set<number>();
function runWorker(args: string[]): ChildProcessByStdio<Writable, Readable, null> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (child.pid) started.add(child.pid);
  child.on('exit', () => child.pid && started.delete(child.pid));
  return child;
}

function exited(child: ChildProcessByStdio<Writable, Readable, null>) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'berth-content-'));
});
after(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await rm(tmp, { recursive: true, force: true });
});

describe('layout', () => {
  test('open makes an OCI image layout with an empty index and nothing else in it', async () => {
    const store = await freshStore();
    assert.equal(store.root, join(tmp, `store-${n - 1}`, 'content'));
    assert.deepEqual(JSON.parse(await readFile(join(store.root, 'oci-layout'), 'utf8')), {
      imageLayoutVersion: '1.0.0',
    });
    assert.deepEqual(JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8')), {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [],
    });
    assert.deepEqual(await entries(store.root), ['blobs', 'index.json', 'oci-layout']);
  });

  test('opening again keeps the existing index.json', async () => {
    const root = join(tmp, `store-${n++}`);
    const store = await FsContentStore.open({ root });
    const blob = await store.put('{}');
    await store.writeIndex([{ mediaType: MediaType.OciManifest, ...blob }]);
    const again = await FsContentStore.open({ root });
    assert.equal((await again.readIndex()).manifests[0].digest, blob.digest);
  });

  test('explicit layout and ingest directories', async () => {
    const layoutDir = join(tmp, `explicit-${n}`, 'layout');
    const ingestDir = join(tmp, `explicit-${n++}`, 'partial');
    const store = await FsContentStore.open({ layoutDir, ingestDir });
    assert.equal(store.root, layoutDir);
    const ingest = await store.ingest('r');
    await ingest.write('abc');
    assert.equal((await entries(ingestDir)).length, 1);
    await ingest.commit({});
    assert.deepEqual(await entries(ingestDir), []);
    assert.deepEqual(await entries(layoutDir), ['blobs', 'index.json', 'oci-layout']);
  });

  test('refuses a directory whose oci-layout is not version 1', async () => {
    const root = join(tmp, `store-${n++}`);
    await FsContentStore.open({ root });
    await writeFile(join(root, 'content', 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await assert.rejects(FsContentStore.open({ root }), isCode('FailedPrecondition'));
  });

  test('a partial ingest lives outside the layout', async () => {
    const store = await freshStore();
    const ingest = await store.ingest('outside');
    await ingest.write('partial');
    assert.deepEqual(await entries(store.root), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(await entries(join(store.root, 'blobs', 'sha256')), []);
    await ingest.abort();
  });
});

describe('put and read', () => {
  test('round trip of a buffer, a string and a stream', async () => {
    const store = await freshStore();
    const bytes = Buffer.from('hello, berth\n');
    const a = await store.put(bytes);
    assert.deepEqual(a, { digest: digestOf(bytes), size: bytes.length });
    const b = await store.put('a string');
    assert.deepEqual(b, { digest: digestOf('a string'), size: 8 });
    const big = Buffer.concat([...pseudoRandomChunks('round-trip', 3 * CHUNK + 17)]);
    const c = await store.put(Readable.from(pseudoRandomChunks('round-trip', 3 * CHUNK + 17)), {
      digest: digestOf(big),
      size: big.length,
    });
    assert.equal(c.digest, digestOf(big));

    assert.deepEqual(await drain(store.read(a.digest)), bytes);
    assert.deepEqual(await drain(store.read(c.digest)), big);
    assert.deepEqual(await readFile(store.pathOf(c.digest)), big);
    assert.equal(store.pathOf(a.digest), join(store.root, 'blobs', 'sha256', a.digest.slice(7)));
    assert.deepEqual(await store.readBytes(b.digest), Buffer.from('a string'));
    assert.deepEqual(await store.stat(c.digest), { digest: c.digest, size: big.length });
    assert.equal(await store.has(a.digest), true);
    assert.equal(await store.has(digestOf('absent')), false);
    // Nothing is left in the ingest directory after a commit.
    assert.deepEqual(await entries(join(tmp, `store-${n - 1}`, 'ingest')), []);
  });

  test('read from an offset', async () => {
    const store = await freshStore();
    const { digest } = await store.put('0123456789');
    assert.equal((await drain(store.read(digest, 4))).toString(), '456789');
    assert.equal((await drain(store.read(digest, 10))).length, 0);
    await assert.rejects(drain(store.read(digest, 11)), isCode('InvalidArgument'));
    assert.throws(() => store.read(digest, -1), isCode('InvalidArgument'));
  });

  test('committed blobs are read-only files', async () => {
    const store = await freshStore();
    const { digest } = await store.put('immutable');
    assert.equal((await stat(store.pathOf(digest))).mode & 0o777, 0o444);
  });

  test('putting a blob that exists succeeds and changes nothing', async () => {
    const store = await freshStore();
    const first = await store.put('twice');
    const before = await stat(store.pathOf(first.digest));
    assert.deepEqual(await store.put('twice', first), first);
    assert.deepEqual(await store.put(Readable.from([Buffer.from('twice')]), first), first);
    assert.equal((await drain(store.read(first.digest))).toString(), 'twice');
    assert.equal((await stat(store.pathOf(first.digest))).size, before.size);
  });

  test('sha512 blobs go under blobs/sha512', async () => {
    const store = await freshStore();
    const digest = digestOf('long hash', 'sha512');
    const info = await store.put(Readable.from([Buffer.from('long hash')]), { digest });
    assert.equal(info.digest, digest);
    assert.equal(store.pathOf(digest), join(store.root, 'blobs', 'sha512', digest.slice(7)));
    assert.equal((await store.readBytes(digest)).toString(), 'long hash');
    // Without a hint at ingest time the commit re-hashes with the expected algorithm.
    const ingest = await store.ingest('late-sha512');
    await ingest.write('later');
    assert.equal(
      (await ingest.commit({ digest: digestOf('later', 'sha512') })).digest,
      digestOf('later', 'sha512'),
    );
  });

  test('list yields every blob with its size, delete removes one', async () => {
    const store = await freshStore();
    const a = await store.put('a');
    const b = await store.put('bb');
    const c = await store.put('ccc', { digest: digestOf('ccc', 'sha512') });
    const listed = [];
    for await (const info of store.list()) listed.push(info);
    const byDigest = (x: { digest: string }, y: { digest: string }) => x.digest.localeCompare(y.digest);
    assert.deepEqual(listed.sort(byDigest), [a, b, c].sort(byDigest));
    await store.delete(b.digest);
    assert.equal(await store.has(b.digest), false);
    await assert.rejects(store.delete(b.digest), isCode('NotFound'));
    const after = [];
    for await (const info of store.list()) after.push(info.digest);
    assert.deepEqual(after.sort(), [a.digest, c.digest].sort());
  });

  test('a blob that does not exist is NotFound everywhere', async () => {
    const store = await freshStore();
    const missing = digestOf('never stored');
    await assert.rejects(drain(store.read(missing)), (err: unknown) => {
      isCode('NotFound')(err);
      assert.match((err as Error).message, new RegExp(missing));
      return true;
    });
    await assert.rejects(store.stat(missing), isCode('NotFound'));
    await assert.rejects(store.readBytes(missing), isCode('NotFound'));
    await assert.rejects(store.delete(missing), isCode('NotFound'));
  });

  test('an invalid digest string is InvalidArgument and never touches a path', async () => {
    const store = await freshStore();
    for (const bad of [
      'sha256:../../../etc/passwd',
      'sha256:abc',
      'md5:0123',
      '../x',
      `sha256:${'A'.repeat(64)}`,
    ]) {
      const d = bad as Digest;
      assert.throws(() => store.pathOf(d), isCode('InvalidArgument'), bad);
      assert.throws(() => store.read(d), isCode('InvalidArgument'), bad);
      await assert.rejects(store.stat(d), isCode('InvalidArgument'), bad);
      await assert.rejects(store.has(d), isCode('InvalidArgument'), bad);
      await assert.rejects(store.readBytes(d), isCode('InvalidArgument'), bad);
      await assert.rejects(store.delete(d), isCode('InvalidArgument'), bad);
      await assert.rejects(store.put('x', { digest: d }), isCode('InvalidArgument'), bad);
      await assert.rejects(store.ingest('r', { digest: d }), isCode('InvalidArgument'), bad);
    }
    await assert.rejects(store.put('x', { size: -1 }), isCode('InvalidArgument'));
    await assert.rejects(store.ingest(''), isCode('InvalidArgument'));
  });

  test('readBytes refuses a blob over its limit, and a damaged one', async () => {
    const store = await freshStore();
    const { digest } = await store.put(Buffer.alloc(100, 1));
    assert.equal((await store.readBytes(digest, 100)).length, 100);
    await assert.rejects(store.readBytes(digest, 99), (err: unknown) => {
      isCode('InvalidArgument')(err);
      assert.match((err as Error).message, /100 bytes, more than the 99 bytes/);
      return true;
    });
    const big = await store.put(Readable.from(pseudoRandomChunks('big', (4 << 20) + 1)));
    await assert.rejects(store.readBytes(big.digest), /more than the 4194304 bytes/);

    const damaged = await store.put('original');
    await rm(store.pathOf(damaged.digest));
    await writeFile(store.pathOf(damaged.digest), 'tampered');
    await assert.rejects(store.readBytes(damaged.digest), isCode('DigestMismatch'));
  });
});

describe('verification', () => {
  test('a digest mismatch names both digests and leaves nothing behind', async () => {
    const root = join(tmp, `store-${n++}`);
    const store = await FsContentStore.open({ root });
    const wrong = digestOf('something else');
    await assert.rejects(store.put('the content', { digest: wrong }), (err: unknown) => {
      isCode('DigestMismatch')(err);
      assert.match((err as Error).message, new RegExp(`expected ${wrong}, got ${digestOf('the content')}`));
      return true;
    });
    await assert.rejects(
      store.put(Readable.from([Buffer.from('the content')]), { digest: wrong }),
      isCode('DigestMismatch'),
    );
    const ingest = await store.ingest('explicit');
    await ingest.write('the content');
    await assert.rejects(ingest.commit({ digest: wrong }), isCode('DigestMismatch'));
    assert.deepEqual(await entries(join(store.root, 'blobs', 'sha256')), []);
    assert.deepEqual(await entries(join(root, 'ingest')), []);
    assert.equal(await store.has(digestOf('the content')), false);
    // The ingest is gone: its ref starts from zero.
    const again = await store.ingest('explicit');
    assert.equal(again.offset, 0);
    await again.abort();
  });

  test('a size mismatch, short or long, leaves nothing behind', async () => {
    const root = join(tmp, `store-${n++}`);
    const store = await FsContentStore.open({ root });
    const content = 'twelve bytes';
    await assert.rejects(store.put(content, { digest: digestOf(content), size: 13 }), (err: unknown) => {
      isCode('DigestMismatch')(err);
      assert.match((err as Error).message, /expected 13 bytes, got 12 bytes/);
      return true;
    });
    // Told the size up front, a write stops as soon as the stream runs past it.
    const ingest = await store.ingest('too-long', { size: CHUNK });
    await assert.rejects(
      ingest.write(Readable.from(pseudoRandomChunks('long', 10 * CHUNK))),
      isCode('DigestMismatch'),
    );
    await assert.rejects(ingest.write('more'), isCode('FailedPrecondition'));
    const short = await store.ingest('too-short');
    await short.write('abc');
    await assert.rejects(short.commit({ size: 2 }), /expected 2 bytes, got 3 bytes/);
    assert.deepEqual(await entries(join(store.root, 'blobs', 'sha256')), []);
    assert.deepEqual(await entries(join(root, 'ingest')), []);
  });

  test('committing a blob that already exists discards the ingest', async () => {
    const root = join(tmp, `store-${n++}`);
    const store = await FsContentStore.open({ root });
    const existing = await store.put('same');
    const ingest = await store.ingest('dup');
    await ingest.write('same');
    assert.deepEqual(await ingest.commit(existing), existing);
    assert.deepEqual(await entries(join(root, 'ingest')), []);
    await assert.rejects(ingest.write('x'), isCode('FailedPrecondition'));
    await assert.rejects(ingest.commit({}), isCode('FailedPrecondition'));
  });
});

describe('resumable ingests', () => {
  test('discardIngests removes abandoned ingests, keeps those asked for and those a live writer holds', async () => {
    const store = await freshStore();
    const root = join(store.root, '..');
    for (const ref of ['pull-sha256:aa', 'import-1', 'load-2']) {
      const ingest = await store.ingest(ref);
      await ingest.write(Readable.from([Buffer.alloc(1000, 7)]));
      await ingest.close();
    }
    const held = await store.ingest('commit-3');
    await held.write('in progress');
    // A crash between making an ingest's directory and writing its ref leaves a nameless one,
    // here with the lock and the temporary lock file of a writer that died taking it.
    const nameless = ingestPaths(join(root, 'ingest'), 'never-named').dir;
    await mkdir(nameless);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(nameless, 'lock'), JSON.stringify({ pid: dead, nonce: 'n1' }));
    await writeFile(join(nameless, 'lock.n2'), JSON.stringify({ pid: dead, nonce: 'n2' }));
    const removed = await store.discardIngests((ref) => ref.startsWith('pull-'));
    assert.deepEqual(removed.map((r) => [r.ref.startsWith('(unnamed') ? 'unnamed' : r.ref, r.bytes]).sort(), [
      ['import-1', 1000],
      ['load-2', 1000],
      ['unnamed', 0],
    ]);
    const left = [];
    for await (const s of store.listIngests()) left.push(s.ref);
    assert.deepEqual(left.sort(), ['commit-3', 'pull-sha256:aa']);
    assert.equal((await entries(join(root, 'ingest'))).length, 2, 'the removed directories are gone');
    // The held one still commits: discarding did not touch it.
    const info = await held.commit({});
    assert.equal(info.size, 'in progress'.length);
  });

  test('a closed ingest resumes at its offset and commits the right digest', async () => {
    const store = await freshStore();
    const size = 5 * CHUNK + 123;
    const chunks = [...pseudoRandomChunks('resume', size)];
    const first = await store.ingest('layer-1');
    assert.equal(first.offset, 0);
    await first.write(Readable.from(chunks.slice(0, 3)));
    assert.equal(first.offset, 3 * CHUNK);
    await first.close();

    const statuses = [];
    for await (const s of store.listIngests()) statuses.push(s);
    assert.deepEqual(
      statuses.map((s) => [s.ref, s.offset]),
      [['layer-1', 3 * CHUNK]],
    );

    const resumed = await store.ingest('layer-1');
    assert.equal(resumed.offset, 3 * CHUNK);
    await resumed.write(Readable.from(chunks.slice(3)));
    const info = await resumed.commit({ digest: pseudoRandomDigest('resume', size), size });
    assert.deepEqual(info, { digest: pseudoRandomDigest('resume', size), size });
    assert.equal(
      createHash('sha256')
        .update(await readFile(store.pathOf(info.digest)))
        .digest('hex'),
      info.digest.slice(7),
    );
  });

  test('an ingest whose process died resumes, its lock taken over', async () => {
    const root = join(tmp, `store-${n++}`);
    await FsContentStore.open({ root });
    const size = 4 * CHUNK;
    const child = runWorker(['crash', root, 'crashed-ref', 'crash', String(size), '2']);
    const lines = createInterface({ input: child.stdout });
    const said: string[] = [];
    for await (const line of lines) said.push(line);
    assert.deepEqual(said, ['written']);
    assert.equal((await exited(child)).signal, 'SIGKILL');
    // The dead process's lock is still there.
    const paths = ingestPaths(join(root, 'ingest'), 'crashed-ref');
    assert.equal(JSON.parse(await readFile(paths.lock, 'utf8')).pid, child.pid);

    const store = await FsContentStore.open({ root });
    const resumed = await store.ingest('crashed-ref');
    assert.equal(resumed.offset, 2 * CHUNK);
    await resumed.write(Readable.from([...pseudoRandomChunks('crash', size)].slice(2)));
    const info = await resumed.commit({ digest: pseudoRandomDigest('crash', size), size });
    assert.equal(info.digest, pseudoRandomDigest('crash', size));
    assert.deepEqual(await entries(join(root, 'ingest')), []);
  });

  test('a second ingest of a ref in use is a Conflict, until the first lets go', async () => {
    const store = await freshStore();
    const first = await store.ingest('busy');
    await first.write('half');
    await assert.rejects(store.ingest('busy'), (err: unknown) => {
      isCode('Conflict')(err);
      assert.match((err as Error).message, new RegExp(`ingest "busy" is in use by process ${process.pid}`));
      return true;
    });
    // Another ref is independent.
    const other = await store.ingest('not-busy');
    await other.abort();
    await first.close();
    const second = await store.ingest('busy');
    assert.equal(second.offset, 4);
    // The closed first ingest no longer owns the ref: its abort must not touch the new one's data.
    await first.abort();
    await second.write('-more');
    assert.equal((await second.commit({ digest: digestOf('half-more') })).size, 9);
  });

  test('two ingests of one ref started at once: exactly one wins', async () => {
    const store = await freshStore();
    const results = await Promise.allSettled([
      store.ingest('race'),
      store.ingest('race'),
      store.ingest('race'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    for (const r of lost) isCode('Conflict')((r as PromiseRejectedResult).reason);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof store.ingest>>>).value.abort();
  });

  test('two processes writing the same blob under different refs both succeed', async () => {
    const root = join(tmp, `store-${n++}`);
    const store = await FsContentStore.open({ root });
    const size = 24 * CHUNK + 5;
    const expected = pseudoRandomDigest('shared', size);
    const children = [0, 1].map(() => runWorker(['same-blob', root, 'shared', String(size)]));
    const outputs = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
    // Both have an ingest open with data in it before either goes on: their writes overlap.
    for (const out of outputs) assert.equal((await out.next()).value, 'ready');
    for (const c of children) c.stdin.write('go\n');
    for (const out of outputs) {
      assert.deepEqual(JSON.parse((await out.next()).value), { digest: expected, size });
    }
    for (const c of children) {
      c.stdin.end();
      assert.deepEqual(await exited(c), { code: 0, signal: null });
    }
    assert.deepEqual(await store.stat(expected), { digest: expected, size });
    const hash = createHash('sha256');
    for await (const chunk of store.read(expected)) hash.update(chunk);
    assert.equal(`sha256:${hash.digest('hex')}`, expected);
    assert.deepEqual(await entries(join(root, 'ingest')), []);
    assert.deepEqual(await entries(join(store.root, 'blobs', 'sha256')), [expected.slice(7)]);
  });
});

describe('index.json', () => {
  const manifest = (name: string, i: number): Descriptor => ({
    mediaType: MediaType.OciManifest,
    digest: digestOf(`manifest ${i}`),
    size: 100 + i,
    annotations: { [ANNOTATION_REF_NAME]: name },
  });

  test('writeIndex replaces index.json with the tagged images', async () => {
    const store = await freshStore();
    const tagged = [manifest('docker.io/library/busybox:latest', 1), manifest('example.com/app:v2', 2)];
    await store.writeIndex(tagged);
    const onDisk = JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8'));
    assert.deepEqual(onDisk, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: tagged });
    assert.deepEqual(await store.readIndex(), onDisk);
    await store.writeIndex([tagged[1]]);
    assert.deepEqual((await store.readIndex()).manifests, [tagged[1]]);
  });

  test('concurrent writes: every read sees whole JSON, the last write stays, no temp files', async () => {
    const store = await freshStore();
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(join(store.root, 'index.json'), 'utf8');
        const parsed = JSON.parse(text); // throws on a torn file
        assert.equal(parsed.schemaVersion, 2);
        reads++;
      }
    })();
    const writes = [];
    for (let i = 0; i < 40; i++) {
      const list = Array.from({ length: (i % 7) + 1 }, (_, j) =>
        manifest(`example.com/img:${i}-${j}`, i * 10 + j),
      );
      writes.push(store.writeIndex(list));
    }
    await Promise.all(writes);
    writing = false;
    await reader;
    assert.ok(reads > 0);
    const last = (await store.readIndex()).manifests;
    assert.equal(last.length, (39 % 7) + 1);
    assert.equal(last[0].annotations?.[ANNOTATION_REF_NAME], 'example.com/img:39-0');
    assert.deepEqual(await entries(store.root), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(await entries(join(store.root, '..', 'ingest')), []);
  });

  test('writeIndex refuses a malformed descriptor and keeps the old index', async () => {
    const store = await freshStore();
    await store.writeIndex([manifest('a:1', 1)]);
    const bad = { mediaType: MediaType.OciManifest, digest: 'sha256:nope', size: 1 } as unknown as Descriptor;
    await assert.rejects(store.writeIndex([manifest('b:1', 2), bad]), /manifests\[1\]\.digest/);
    await assert.rejects(store.writeIndex([{ ...manifest('b:1', 2), size: -3 }]), isCode('InvalidArgument'));
    assert.deepEqual((await store.readIndex()).manifests, [manifest('a:1', 1)]);
  });
});
