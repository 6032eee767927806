import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BlobDigester } from './blob-digester.ts';
import { streamOf } from './test-helpers.ts';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pass `data` through a BlobDigester in pieces of `piece` bytes; what came out, and the digester. */
async function digest(data: Buffer, piece: number) {
  const d = new BlobDigester();
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline(data.length ? streamOf(data, piece) : Readable.from([]), d, sink);
  return { d, out: Buffer.concat(out) };
}

describe('BlobDigester', () => {
  test('hashes a compressed blob, split anywhere, and passes every byte on', async () => {
    const gz = gzipSync(randomBytes(10_000));
    for (const piece of [1, 3, 4096]) {
      const { d, out } = await digest(gz, piece);
      assert.equal(d.compressed, true);
      assert.equal(d.digest(), sha256(gz));
      assert.equal(d.size, gz.length);
      assert.deepEqual(out, gz);
    }
  });

  test('does not hash a plain blob (its digest is the diff ID), nor one too short to tell', async () => {
    const plain = randomBytes(5000);
    plain[0] = 0x61; // not a compression magic
    for (const data of [plain, Buffer.from('ab'), Buffer.alloc(0)]) {
      const { d, out } = await digest(data, 2);
      assert.equal(d.compressed, false);
      assert.equal(d.digest(), undefined);
      assert.equal(d.size, data.length);
      assert.deepEqual(out, data);
    }
  });
});
