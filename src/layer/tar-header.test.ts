import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { END_OF_ARCHIVE, encodeHeader, type TarHeader } from './tar-header.ts';
import { TarReader } from './tar-reader.ts';
import { run, streamOf } from './test-helpers.ts';

const base: TarHeader = {
  name: 'file',
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 1_600_000_000,
  linkname: '',
  devmajor: 0,
  devminor: 0,
};

async function readBack(h: TarHeader): Promise<TarHeader> {
  const content = Buffer.alloc(h.type === 'file' ? h.size : 0, 'z');
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  const reader = new TarReader(streamOf(Buffer.concat([encodeHeader(h), content, pad, END_OF_ARCHIVE]), 100));
  const got = await reader.next();
  assert.ok(got);
  let n = 0;
  for (let c = await reader.read(); c; c = await reader.read()) n += c.length;
  assert.equal(n, content.length);
  assert.equal(await reader.next(), null);
  return got;
}

describe('tar headers', () => {
  test('round trip: ustar fields, PAX for what ustar cannot hold, binary xattrs intact', async () => {
    const cases: TarHeader[] = [
      { ...base, size: 1234 },
      { ...base, name: 'dir/', type: 'dir', mode: 0o1777 },
      { ...base, name: `${'d'.repeat(120)}/${'f'.repeat(90)}`, size: 3 }, // ustar prefix split
      { ...base, name: `${'x'.repeat(300)}` }, // no split possible: PAX path
      { ...base, name: 'naïve-café' },
      { ...base, name: 'l', type: 'symlink', linkname: `/${'t'.repeat(150)}` },
      { ...base, name: 'h', type: 'link', linkname: 'ünïcode target' },
      { ...base, name: 'big-ids', uid: 4_000_000_000, gid: 3_000_000 },
      { ...base, name: 'frac', mtime: 1_600_000_000.25 },
      { ...base, name: 'old', mtime: -86400 },
      { ...base, name: 'dev', type: 'char', devmajor: 4095, devminor: 1 << 19 },
      { ...base, name: 'suid', mode: 0o4755 },
      {
        ...base,
        name: 'x',
        xattrs: new Map([
          ['security.capability', Buffer.from([1, 0, 0, 2, 0, 0x20, 0xff, 0x80, 0, 0x0a])],
          ['user.empty', Buffer.alloc(0)],
          ['user.text', Buffer.from('a=b\nc')],
        ]),
      },
    ];
    for (const h of cases) assert.deepEqual(await readBack(h), h, h.name);
  });

  test('GNU tar lists what berth encodes, PAX included', () => {
    const hs: TarHeader[] = [
      { ...base, name: `${'x'.repeat(300)}` },
      { ...base, name: 'naïve-café', uid: 4_000_000_000 },
    ];
    const tar = Buffer.concat([...hs.map(encodeHeader), END_OF_ARCHIVE]);
    assert.deepEqual(
      run('tar', ['-tf', '-'], tar).toString().trim().split('\n'),
      hs.map((h) => h.name),
    );
    assert.match(run('tar', ['--numeric-owner', '-tvf', '-'], tar).toString(), /4000000000\/0/);
  });

  test('a bad checksum, an unsupported type and a non-UTF-8 name are InvalidArgument', async () => {
    const good = encodeHeader(base);
    const bad = Buffer.from(good);
    bad[0] ^= 1;
    await assert.rejects(
      new TarReader(streamOf(Buffer.concat([bad, END_OF_ARCHIVE]))).next(),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && /checksum/.test(String(e)),
    );

    const sparse = Buffer.from(good);
    sparse[156] = 'S'.charCodeAt(0);
    fixChecksum(sparse);
    await assert.rejects(new TarReader(streamOf(Buffer.concat([sparse, END_OF_ARCHIVE]))).next(), /"S"/);

    const latin1 = Buffer.from(good);
    latin1.write('caf\xe9', 0, 'latin1');
    fixChecksum(latin1);
    await assert.rejects(new TarReader(streamOf(Buffer.concat([latin1, END_OF_ARCHIVE]))).next(), /UTF-8/);
  });
});

function fixChecksum(b: Buffer) {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
