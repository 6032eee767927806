import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { compressStream, decompressStream, detectCompression } from './index.ts';
import { collect, run } from './test-helpers.ts';

const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 'text ')]);

async function through(input: Buffer, transform: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([input], { objectMode: false }),
    transform,
    async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) chunks.push(c);
    },
  );
  return Buffer.concat(chunks);
}

describe('compression', () => {
  test('detectCompression reads the magic bytes', () => {
    assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
    assert.equal(detectCompression(Buffer.from('ustar')), 'none');
    assert.equal(detectCompression(Buffer.alloc(0)), 'none');
  });

  test('gzip round trip, detected and declared; GNU gzip reads ours; deterministic', async () => {
    const gz = await through(data, compressStream('gzip'));
    assert.equal(detectCompression(gz), 'gzip');
    assert.deepEqual(await through(gz, decompressStream('auto')), data);
    assert.deepEqual(await through(gz, decompressStream('gzip')), data);
    assert.deepEqual(run('gzip', ['-dc'], gz), data);
    assert.deepEqual(await through(data, compressStream('gzip')), gz);
  });

  test('zstd made by the zstd command decompresses, detected and declared', async () => {
    const zst = run('zstd', ['-q', '-c'], data);
    assert.deepEqual(await through(zst, decompressStream('auto')), data);
    assert.deepEqual(await through(zst, decompressStream('zstd')), data);
  });

  test("'none' passes bytes through, and 'auto' passes uncompressed data through", async () => {
    assert.deepEqual(await through(data, compressStream('none')), data);
    assert.deepEqual(await through(data, decompressStream('auto')), data);
    assert.deepEqual(await through(Buffer.from('ab'), decompressStream('auto')), Buffer.from('ab'));
  });

  test('writing zstd is NotImplemented, with the reason', () => {
    assert.throws(
      () => compressStream('zstd'),
      (err: unknown) => isBerthError(err, 'NotImplemented') && /gzip/.test(String(err)),
    );
  });

  test('bad data is InvalidArgument naming the format', async () => {
    const gz = await through(data, compressStream('gzip'));
    await assert.rejects(through(gz.subarray(0, gz.length - 100), decompressStream('auto')), /gzip/);
    await assert.rejects(
      through(Buffer.from('not gzip at all'), decompressStream('gzip')),
      (err: unknown) => isBerthError(err, 'InvalidArgument') && /gzip/.test(String(err)),
    );
    const zst = run('zstd', ['-q', '-c'], data);
    await assert.rejects(
      through(zst.subarray(0, zst.length - 50), decompressStream('zstd')),
      (err: unknown) => isBerthError(err, 'InvalidArgument') && /zstd/.test(String(err)),
    );
  });

  test('large output keeps flowing with backpressure (a slow reader gets everything)', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 'a');
    const gz = await through(big, compressStream('gzip'));
    const out = await collect(Readable.from([gz], { objectMode: false }).pipe(decompressStream('auto')));
    assert.equal(out.length, big.length);
  });
});
