import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from '../../layer/tar-header.ts';
import { TarReader } from '../../layer/tar-reader.ts';
import { clampMtimes, parseSourceDateEpoch, stepTime } from './source-date-epoch.ts';

const header = (name: string, mtime: number, size = 0): TarHeader => ({
  name,
  type: size ? 'file' : 'dir',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size,
  mtime,
  linkname: '',
  devmajor: 0,
  devminor: 0,
});

describe('SOURCE_DATE_EPOCH', () => {
  it('parses whole seconds and refuses anything else', () => {
    assert.equal(parseSourceDateEpoch('1700000000'), 1700000000);
    assert.equal(parseSourceDateEpoch(''), undefined);
    assert.equal(parseSourceDateEpoch(undefined), undefined);
    assert.throws(() => parseSourceDateEpoch('yesterday'), /invalid SOURCE_DATE_EPOCH/);
    assert.throws(() => parseSourceDateEpoch('-1'), /invalid SOURCE_DATE_EPOCH/);
  });

  it('a step records the epoch as its time', () => {
    assert.equal(stepTime(1700000000), '2023-11-14T22:13:20Z');
    assert.notEqual(stepTime(undefined), stepTime(0));
  });

  it('clamps newer mtimes in a layer tar, keeps older ones and the content', async () => {
    const body = Buffer.from('hello');
    const tar = Readable.from([
      encodeHeader(header('old/', 1000)),
      encodeHeader(header('new.txt', 2_000_000_000.5, body.length)),
      body,
      Buffer.alloc(padding(body.length)),
      END_OF_ARCHIVE,
    ]);
    const reader = new TarReader(clampMtimes(tar, 1_500_000_000));
    const seen: [string, number, string][] = [];
    for (let h = await reader.next(); h; h = await reader.next()) {
      let content = '';
      if (h.type === 'file') for (let c = await reader.read(); c; c = await reader.read()) content += c;
      seen.push([h.name, h.mtime, content]);
    }
    assert.deepEqual(seen, [
      ['old/', 1000, ''],
      ['new.txt', 1_500_000_000, 'hello'],
    ]);
  });
});
