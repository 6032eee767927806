import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ellipsis,
  humanSizeDigits,
  type ImageSummary,
  imagePath,
  imageRows,
  splitTag,
  truncateId,
} from './image-format.ts';

const image = (over: Partial<ImageSummary>): ImageSummary => ({
  Id: `sha256:${'ab'.repeat(32)}`,
  RepoTags: [],
  RepoDigests: [],
  Created: 0,
  Size: 2_007_040,
  SharedSize: -1,
  Containers: -1,
  ...over,
});

describe('image output', () => {
  it('prints sizes and IDs as Docker does', () => {
    assert.equal(humanSizeDigits(2_007_040, 3), '2.01MB');
    assert.equal(humanSizeDigits(2_007_040, 4), '2.007MB');
    assert.equal(humanSizeDigits(0, 4), '0B');
    assert.equal(truncateId(`sha256:${'ab'.repeat(32)}`), 'abababababab');
    assert.equal(truncateId('<missing>'), '<missing>');
    assert.equal(ellipsis('x'.repeat(50), 45), `${'x'.repeat(44)}…`);
    assert.equal(ellipsis('short', 45), 'short');
    assert.equal(imagePath('localhost:5000/a b/c'), 'localhost%3A5000/a%20b/c');
  });

  it('splits a tag off a name, not a port', () => {
    assert.deepEqual(splitTag('localhost:5000/app:1'), ['localhost:5000/app', '1']);
    assert.equal(splitTag('localhost:5000/app'), undefined);
  });

  it('lists an image once per repository and tag, <none> when untagged', () => {
    const rows = (img: ImageSummary, digests = false) =>
      imageRows(img, { digests, trunc: true }).map((r) => `${r.Repository} ${r.Tag} ${r.Digest} ${r.ID}`);
    assert.deepEqual(rows(image({})), ['<none> <none> <none> abababababab']);
    assert.deepEqual(rows(image({ RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] })), [
      '<none> <none> <none> abababababab',
    ]);
    const d = `sha256:${'cd'.repeat(32)}`;
    const tagged = image({
      RepoTags: ['busybox:latest', 'busybox:1', 'other:x'],
      RepoDigests: [`busybox@${d}`, `pulled@${d}`],
    });
    assert.deepEqual(rows(tagged), [
      'busybox latest <none> abababababab',
      'busybox 1 <none> abababababab',
      'other x <none> abababababab',
      'pulled <none>  abababababab',
    ]);
    assert.deepEqual(rows(tagged, true), [
      `busybox latest ${d} abababababab`,
      `busybox 1 ${d} abababababab`,
      'other x <none> abababababab',
      `pulled <none> ${d} abababababab`,
    ]);
  });
});
