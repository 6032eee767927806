// ADD's downloads against a local HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadRemote, isGitSource, isHttpSource, parseChecksum, remoteFileName } from './remote-add.ts';

describe('ADD of a URL', () => {
  it('tells git sources and http sources apart', () => {
    for (const git of [
      'https://github.com/moby/buildkit.git',
      'https://host/x/repo.git#main:dir',
      'git://host/repo',
      'git@github.com:moby/buildkit.git',
      'ssh://git@host/repo',
    ])
      assert.equal(isGitSource(git), true, git);
    assert.equal(isHttpSource('https://host/file.tar.gz'), true);
    assert.equal(isHttpSource('http://host/repo.git'), false);
    assert.equal(isHttpSource('local/file'), false);
  });

  it("names the file after the URL path's last segment, decoded, without the query", () => {
    assert.equal(remoteFileName('http://h/a/b/c.txt?x=1#f'), 'c.txt');
    assert.equal(remoteFileName('http://h/sp%20ace.txt'), 'sp ace.txt');
    assert.equal(remoteFileName('http://h/dir/'), 'dir');
    assert.equal(remoteFileName('http://h/'), undefined);
    assert.equal(remoteFileName('http://h'), undefined);
  });

  it('parses --checksum and refuses malformed ones', () => {
    assert.deepEqual(parseChecksum(`sha256:${'a'.repeat(64)}`), { algorithm: 'sha256', hex: 'a'.repeat(64) });
    assert.equal(parseChecksum(`sha512:${'0'.repeat(128)}`).algorithm, 'sha512');
    assert.throws(() => parseChecksum('sha256:abc'), /invalid checksum/);
    assert.throws(() => parseChecksum(`md5:${'a'.repeat(32)}`), /invalid checksum/);
  });

  describe('downloads', () => {
    let server: Server;
    let base: string;
    let dir: string;
    let n = 0;
    const BODY = 'downloaded content\n'.repeat(5000);
    const sha = (algorithm: string, s: string) => createHash(algorithm).update(s).digest('hex');
    const target = () => join(dir, `d${n++}`);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'berth-remote-add-'));
      server = createServer((req, res) => {
        if (req.url === '/dated/file.txt') res.setHeader('Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT');
        if (req.url === '/hop') {
          res.writeHead(302, { Location: '/files/target.txt' });
          res.end();
          return;
        }
        if (req.url === '/missing') {
          res.writeHead(404);
          res.end('no');
          return;
        }
        // Streamed in chunks, as a large body would be.
        const chunks = BODY.match(/[\s\S]{1,7000}/g) ?? [];
        for (const c of chunks) res.write(c);
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('streams to a 0600 file with the epoch for mtime, or Last-Modified', async () => {
      const d = await downloadRemote(`${base}/files/a.txt`, target(), { name: 'a.txt' });
      const st = statSync(join(d.dir, d.name));
      assert.equal(readFileSync(join(d.dir, d.name), 'utf8'), BODY);
      assert.equal(st.mode & 0o7777, 0o600);
      assert.equal(st.mtimeMs, 0);
      assert.equal(d.digest, `sha256:${sha('sha256', BODY)}`);
      assert.equal(d.size, BODY.length);
      const dated = await downloadRemote(`${base}/dated/file.txt`, target(), { name: 'file.txt' });
      assert.equal(dated.mtime.toISOString(), '2015-10-21T07:28:00.000Z');
      assert.equal(statSync(join(dated.dir, dated.name)).mtime.toISOString(), '2015-10-21T07:28:00.000Z');
    });

    it('follows redirects; a failed GET names the URL and the status', async () => {
      const d = await downloadRemote(`${base}/hop`, target(), { name: 'hop' });
      assert.equal(d.size, BODY.length);
      await assert.rejects(downloadRemote(`${base}/missing`, target(), { name: 'missing' }), (err: Error) =>
        /failed to GET http:\/\/127\.0\.0\.1:\d+\/missing with status 404/.test(err.message),
      );
      await assert.rejects(
        downloadRemote('http://127.0.0.1:1/x', target(), { name: 'x' }),
        /ADD http:\/\/127\.0\.0\.1:1\/x: download failed/,
      );
    });

    it('verifies --checksum (sha256 or sha512); a mismatch names both digests and keeps nothing', async () => {
      const good = parseChecksum(`sha512:${sha('sha512', BODY)}`);
      await downloadRemote(`${base}/files/a.txt`, target(), { name: 'a.txt', checksum: good });
      const wrong = parseChecksum(`sha256:${'0'.repeat(64)}`);
      const into = target();
      await assert.rejects(
        downloadRemote(`${base}/files/a.txt`, into, { name: 'a.txt', checksum: wrong }),
        (err: Error & { code?: string }) =>
          err.code === 'DigestMismatch' &&
          err.message.includes(`${base}/files/a.txt`) &&
          err.message.includes(`expected sha256:${'0'.repeat(64)}`) &&
          err.message.includes(`sha256:${sha('sha256', BODY)}`),
      );
      assert.equal(existsSync(join(into, 'a.txt')), false);
    });
  });
});
