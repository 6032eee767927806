import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { tee } from './tee.ts';

/** A slow sink that counts bytes. */
function counter() {
  const c = { bytes: 0, sink: undefined as unknown as Writable };
  c.sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      c.bytes += chunk.length;
      setImmediate(cb);
    },
  });
  return c;
}

const CHUNKS = 100;
const SIZE = 64 * 1024;
const source = () => Readable.from(Array.from({ length: CHUNKS }, () => Buffer.alloc(SIZE, 7)));

describe('tee', () => {
  test('every consumer gets every byte, at the pace of the slowest', async () => {
    const [a, b] = tee(source(), 2);
    const ca = counter();
    const cb = counter();
    await Promise.all([pipeline(a, ca.sink), pipeline(b, cb.sink)]);
    assert.equal(ca.bytes, CHUNKS * SIZE);
    assert.equal(cb.bytes, CHUNKS * SIZE);
  });

  test('a consumer that gives up midway does not stop the others', async () => {
    const [a, b] = tee(source(), 2);
    let bytes = 0;
    const slow = new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        setTimeout(cb, 1);
      },
    });
    let seen = 0;
    b.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > 16 * SIZE) b.destroy();
    });
    await pipeline(a, slow);
    assert.equal(bytes, CHUNKS * SIZE);
  });

  test('an error of the source reaches every consumer', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const [a, b] = tee(failing, 2);
    await assert.rejects(pipeline(a, counter().sink), /disk gone/);
    await assert.rejects(pipeline(b, counter().sink), /disk gone/);
  });
});
