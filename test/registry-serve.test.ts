// `registry serve` as a process: it serves, logs each request to stderr, stops on SIGTERM
// after finishing the requests in flight (exit 0), and refuses a bad config naming the key.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './helpers/berth.ts';
import { http, RegistryProcess, sha256 } from './registry-helpers.ts';

describe('registry serve (process)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-serve-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves, logs each request, and on SIGTERM finishes the request in flight and exits 0', async () => {
    const p = await RegistryProcess.start({ root: join(dir, 'root') });
    try {
      assert.equal((await http('GET', `${p.url}/v2/`)).status, 200);
      await waitFor(() => /"GET \/v2\/ HTTP\/1\.1" 200 2 /.test(p.stderr), 'the access log line');

      const start = await http('POST', `${p.url}/v2/slow/blobs/uploads/`);
      const loc = `${p.url}${start.headers.location}`;
      const body = new PassThrough();
      const inFlight = http('PATCH', loc, { body, headers: { 'Transfer-Encoding': 'chunked' } });
      body.write('first half, ');
      await waitFor(
        async () => (await http('GET', loc)).headers.range !== '0-0',
        'the server to receive the first half',
      );

      p.child.kill('SIGTERM');
      await waitFor(() => p.stderr.includes('SIGTERM: stopping'), 'the server to begin stopping');
      await assert.rejects(http('GET', `${p.url}/v2/`), /ECONNREFUSED/, 'no new connections once stopping');
      body.end('second half');
      const patched = await inFlight;
      assert.equal(patched.status, 202);
      assert.equal(patched.headers.range, `0-${'first half, second half'.length - 1}`);
      const exit = await p.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.match(p.stderr, /berth registry: stopped/);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  it('keeps what was pushed across a restart on the same root', async () => {
    const root = join(dir, 'restart');
    const first = await RegistryProcess.start({ root });
    const bytes = 'kept across restarts';
    try {
      assert.equal(
        (await http('POST', `${first.url}/v2/r/blobs/uploads/?digest=${sha256(bytes)}`, { body: bytes }))
          .status,
        201,
      );
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
    const second = await RegistryProcess.start({ root });
    try {
      assert.equal((await http('GET', `${second.url}/v2/r/blobs/${sha256(bytes)}`)).text, bytes);
    } finally {
      await second.stop();
    }
  });

  it('refuses to start with a bad config, naming the key', async () => {
    const config = join(dir, 'bad.yml');
    await writeFile(config, 'storage:\n  filesystem:\n    rootdir: /x\n');
    await assert.rejects(
      RegistryProcess.start({ config }),
      /unknown config key storage\.filesystem\.rootdir/,
    );
  });
});
