import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRepositoryName, isTag } from '../names.ts';
import { parseRange } from './blob-handlers.ts';
import { matchRoute } from './routes.ts';

describe('registry routes', () => {
  it('matches each endpoint, with slashes in names', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(matchRoute('/v2/'), { kind: 'base' });
    assert.deepEqual(matchRoute('/v2/_catalog'), { kind: 'catalog' });
    assert.deepEqual(matchRoute('/v2/a/b/c/manifests/latest'), {
      kind: 'manifest',
      name: 'a/b/c',
      reference: 'latest',
    });
    assert.deepEqual(matchRoute(`/v2/a/blobs/${d}`), { kind: 'blob', name: 'a', digest: d });
    assert.deepEqual(matchRoute('/v2/a/b/blobs/uploads/'), { kind: 'uploads', name: 'a/b' });
    assert.deepEqual(matchRoute('/v2/a/blobs/uploads/u-1'), { kind: 'upload', name: 'a', uuid: 'u-1' });
    assert.deepEqual(matchRoute('/v2/a/tags/list'), { kind: 'tags', name: 'a' });
    assert.deepEqual(matchRoute(`/v2/a/referrers/${d}`), { kind: 'referrers', name: 'a', digest: d });
    assert.deepEqual(matchRoute('/v2/a/other'), { kind: 'unknown' });
  });

  it('validates names and tags by the spec grammar', () => {
    for (const ok of ['a', 'a/b', 'a.b_c__d---e/f0', 'x'.repeat(255)]) assert.ok(isRepositoryName(ok), ok);
    for (const bad of ['A', 'a/', '/a', 'a___b', 'a.-b', '.a', 'x'.repeat(256)])
      assert.ok(!isRepositoryName(bad), bad);
    for (const ok of ['latest', '_x', 'A.b-c_1', 'x'.repeat(128)]) assert.ok(isTag(ok), ok);
    for (const bad of ['.x', '-x', 'a:b', 'x'.repeat(129), '']) assert.ok(!isTag(bad), bad);
  });

  it('parses byte ranges', () => {
    assert.equal(parseRange(undefined, 10), undefined);
    assert.deepEqual(parseRange('bytes=2-4', 10), { start: 2, end: 4 });
    assert.deepEqual(parseRange('bytes=2-', 10), { start: 2, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
    assert.equal(parseRange('bytes=10-', 10), null);
    assert.equal(parseRange('bytes=4-2', 10), null);
    assert.equal(parseRange('items=1-2', 10), null);
    assert.equal(parseRange('bytes=1-2,4-5', 10), null);
  });
});
