// Crash safety: the server process is killed (SIGKILL) in the middle of a large blob upload.
// Afterwards every blob in the store is whole and under its own digest, every link points at
// data that exists, the interrupted blob is not visible, and pushing it again succeeds.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './helpers/berth.ts';
import { http, RegistryProcess } from './registry-helpers.ts';

const CHUNK = 1 << 20;
const CHUNKS = 96;

/** The same 96 MiB every time: chunk i repeats the sha256 of i. */
function chunkOf(i: number): Buffer {
  return Buffer.alloc(CHUNK, createHash('sha256').update(String(i)).digest());
}

function bigDigest(): string {
  const h = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) h.update(chunkOf(i));
  return `sha256:${h.digest('hex')}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  } catch {
    return [];
  }
}

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Check the store: blobs whole and named by their digest, links pointing at data. Returns the blob digests. */
async function checkConsistent(root: string): Promise<string[]> {
  const blobs: string[] = [];
  for (const f of await filesUnder(join(root, 'blobs'))) {
    if (f.split('/').pop()!.startsWith('.')) continue;
    const m = /blobs\/(sha256)\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(f);
    assert.ok(m, `only blob data under blobs/: ${f}`);
    const d = `${m[1]}:${m[2]}`;
    assert.equal(await hashFile(f), d, `blob ${d} is whole`);
    blobs.push(d);
  }
  for (const f of await filesUnder(join(root, 'repositories'))) {
    const m = /_layers\/(sha256)\/([0-9a-f]{64})\/link$/.exec(f);
    if (!m) continue;
    await stat(join(root, 'blobs', m[1], m[2].slice(0, 2), m[2], 'data'));
  }
  return blobs;
}

describe('registry crash safety', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-crash-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the store consistent and the blob invisible when killed mid-upload; a retry succeeds', async () => {
    const root = join(dir, 'root');
    const digest = bigDigest();
    const small = 'a small blob pushed before the crash';
    const smallDigest = `sha256:${createHash('sha256').update(small).digest('hex')}`;

    const first = await RegistryProcess.start({ root });
    let uploadPath: string;
    try {
      assert.equal(
        (await http('POST', `${first.url}/v2/crash/blobs/uploads/?digest=${smallDigest}`, { body: small }))
          .status,
        201,
      );
      const start = await http('POST', `${first.url}/v2/crash/blobs/uploads/`);
      uploadPath = String(start.headers.location);
      const body = new PassThrough();
      const put = http('PUT', `${first.url}${uploadPath}?digest=${digest}`, {
        body,
        headers: { 'Transfer-Encoding': 'chunked' },
      });
      put.catch(() => undefined);
      // Feed the body until the server has written part of it, then kill it with the rest unsent.
      let sent = 0;
      const staged = join(root, 'uploads', uploadPath.split('/').pop()!, 'data');
      await waitFor(
        async () => {
          if (sent < CHUNKS / 2) body.write(chunkOf(sent++));
          return (await stat(staged).catch(() => ({ size: 0 }))).size >= 8 * CHUNK;
        },
        'the server to stage 8 MiB',
        60_000,
      );
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      body.destroy();
    } finally {
      await first.stop('SIGKILL');
    }

    const blobs = await checkConsistent(root);
    assert.ok(blobs.includes(smallDigest), 'what was committed before the crash is there');
    assert.ok(!blobs.includes(digest), 'the interrupted blob is not in the store');

    const second = await RegistryProcess.start({ root });
    try {
      assert.equal((await http('HEAD', `${second.url}/v2/crash/blobs/${digest}`)).status, 404);
      assert.equal((await http('GET', `${second.url}/v2/crash/blobs/${smallDigest}`)).text, small);
      const status = await http('GET', `${second.url}${uploadPath}`);
      assert.equal(status.status, 204, 'the interrupted upload can be resumed or cancelled');
      const retry = await http('POST', `${second.url}/v2/crash/blobs/uploads/?digest=${digest}`, {
        body: Readable.from(
          (function* () {
            for (let i = 0; i < CHUNKS; i++) yield chunkOf(i);
          })(),
        ),
        headers: { 'Transfer-Encoding': 'chunked' },
      });
      assert.equal(retry.status, 201, retry.text);
      const head = await http('HEAD', `${second.url}/v2/crash/blobs/${digest}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(CHUNKS * CHUNK));
    } finally {
      assert.equal((await second.stop()).code, 0);
    }
    assert.ok((await checkConsistent(root)).includes(digest));
  });
});
