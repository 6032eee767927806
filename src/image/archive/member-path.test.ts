import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { normalizeMemberPath, symlinkTarget } from './member-path.ts';

test('member names are normalised', () => {
  assert.equal(normalizeMemberPath('./manifest.json'), 'manifest.json');
  assert.equal(normalizeMemberPath('blobs//sha256/./abc'), 'blobs/sha256/abc');
  assert.equal(normalizeMemberPath('blobs/'), 'blobs');
  assert.equal(normalizeMemberPath('./'), '');
  assert.equal(normalizeMemberPath('a..b/..c'), 'a..b/..c', 'dots inside a name are not a step');
});

test('member names that leave the archive are refused', () => {
  for (const bad of ['../x', 'a/../../x', 'a/..', '/etc/passwd', 'a\0b']) {
    assert.throws(
      () => normalizeMemberPath(bad),
      (err: unknown) =>
        isBerthError(err, 'InvalidArgument') && (err as Error).message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('symbolic link targets resolve inside the archive or not at all', () => {
  assert.equal(symlinkTarget('v1/layer.tar', '../abc.tar'), 'abc.tar');
  assert.equal(symlinkTarget('a/b/layer.tar', '../../c/layer.tar'), 'c/layer.tar');
  assert.equal(symlinkTarget('a/layer.tar', './other.tar'), 'a/other.tar');
  assert.equal(symlinkTarget('a/layer.tar', '/abc.tar'), 'abc.tar');
  assert.equal(symlinkTarget('a/layer.tar', '../../etc/passwd'), undefined);
  assert.equal(symlinkTarget('layer.tar', '..'), undefined);
  assert.equal(symlinkTarget('a/layer.tar', '..'), undefined, 'the archive root is no file');
});
