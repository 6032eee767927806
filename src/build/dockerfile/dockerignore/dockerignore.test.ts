import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanPath } from './clean-path.ts';
import { IgnoreMatcher } from './matcher.ts';
import { ignoreFileCandidates, parseDockerignore } from './read.ts';

const matcher = (...patterns: string[]) => new IgnoreMatcher(patterns);

describe('parseDockerignore', () => {
  it('reads patterns as moby ignorefile does', () => {
    const text =
      'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! \n';
    assert.deepEqual(parseDockerignore(text), [
      'test1',
      'test2',
      'a/file/here',
      'lastfile',
      '!inverted/abs/path',
      '!',
      '!',
    ]);
  });

  it('drops a BOM and CRs, keeps an indented # as a pattern, cleans paths', () => {
    assert.deepEqual(parseDockerignore('\ufeff# c\r\n  #x\r\n./a//b/../c/\r\n/\r\n'), ['#x', 'a/c', '/']);
  });

  it('looks beside the Dockerfile first', () => {
    assert.deepEqual(ignoreFileCandidates('build/app.Dockerfile'), [
      'build/app.Dockerfile.dockerignore',
      '.dockerignore',
    ]);
  });
});

describe('IgnoreMatcher', () => {
  it('rejects a bare ! and malformed patterns', () => {
    assert.throws(() => matcher('!'), { code: 'InvalidArgument', message: 'illegal exclusion pattern: "!"' });
    for (const bad of ['[', 'a\\', '[]', '[a-]', '[-a]', 'x[a']) {
      assert.throws(() => matcher(bad), { code: 'InvalidArgument', message: /syntax error in pattern/ }, bad);
    }
  });

  it('matches a path or any of its parents', () => {
    const m = matcher('docs', '!docs/README.md');
    assert.ok(m.matches('docs'));
    assert.ok(m.matches('docs/guide/x.md'));
    assert.ok(!m.matches('docs/README.md'));
    assert.ok(!m.matches('src/docs'));
  });

  it('lets the last applicable pattern decide', () => {
    assert.ok(!matcher('*.go', '!fileutils.go').matches('fileutils.go'));
    assert.ok(matcher('!fileutils.go', '*.go').matches('fileutils.go'));
    assert.ok(matcher('*.go', '!fileutils.go').matches('main.go'));
  });

  it('implements ** as any number of segments', () => {
    const dirStar = matcher('abc/**');
    assert.ok(!dirStar.matches('abc'));
    assert.ok(dirStar.matches('abc/def'));
    assert.ok(dirStar.matches('abc/def/ghi'));
    const lead = matcher('**/foo/bar');
    assert.ok(lead.matches('foo/bar'));
    assert.ok(lead.matches('x/y/foo/bar'));
    assert.ok(lead.matches('x/foo/bar/baz'));
    assert.ok(!lead.matches('x/foobar'));
    for (const all of ['**', '**/']) assert.ok(matcher(all).matches('any/thing'), all);
    const mid = matcher('a/**/b');
    assert.ok(mid.matches('a/b') && mid.matches('a/x/y/b'));
    assert.ok(!mid.matches('a/xb'));
    assert.ok(matcher('**/*.go').matches('x/y/z.go'));
  });

  it('implements *, ?, classes and escapes like filepath.Match', () => {
    assert.ok(matcher('a/*.txt').matches('a/file.txt'));
    assert.ok(!matcher('a/*.txt').matches('a/dir/file.txt'));
    assert.ok(matcher('.*').matches('.foo'));
    assert.ok(!matcher('.*').matches('foo'));
    assert.ok(!matcher('abc.def').matches('abcZdef'));
    assert.ok(matcher('a?c').matches('abc') && !matcher('a?c').matches('a/c'));
    assert.ok(matcher('[a-c]x').matches('bx') && !matcher('[a-c]x').matches('dx'));
    assert.ok(matcher('[^a-c]x').matches('dx') && !matcher('[^a-c]x').matches('ax'));
    assert.ok(matcher('[*]').matches('*') && !matcher('[*]').matches('x'));
    assert.ok(matcher('a\\*b').matches('a*b') && !matcher('a\\*b').matches('axb'));
    assert.ok(matcher('f(1)+$').matches('f(1)+$'));
  });

  it('never ignores the context root and cleans the path it is given', () => {
    const m = matcher('**');
    assert.ok(!m.matches('.'));
    assert.ok(!m.matches(''));
    assert.ok(matcher('a/b').matches('./a//b/'));
    assert.ok(matcher('a/b').matches('/a/b'));
  });

  it('says when an ignored directory must still be walked', () => {
    const m = matcher('**', '!util/docker/web');
    assert.ok(m.matches('util'));
    assert.ok(!m.matches('util/docker/web/foo'));
    assert.ok(m.mustDescend('util'));
    assert.ok(m.mustDescend('util/docker'));
    assert.ok(!m.mustDescend('vendor'));
    assert.ok(m.shouldWalk('util') && !m.shouldWalk('vendor'));

    const wild = matcher('*', '!*/keep.txt');
    assert.ok(wild.mustDescend('dir'));
    assert.ok(!wild.mustDescend('dir/sub'));
    assert.ok(!wild.matches('dir/keep.txt'));
    assert.ok(wild.matches('dir/other.txt'));

    const deep = matcher('node_modules', '!**/keep');
    assert.ok(deep.mustDescend('node_modules/a/b'));

    const none = matcher('node_modules');
    assert.equal(none.hasExceptions, false);
    assert.ok(!none.mustDescend('node_modules'));
  });
});

describe('cleanPath', () => {
  it('cleans lexically like Go path.Clean', () => {
    const cases: [string, string][] = [
      ['', '.'],
      ['a/./b', 'a/b'],
      ['a//b/', 'a/b'],
      ['a/../..', '..'],
      ['/../a', '/a'],
      ['./', '.'],
      ['/', '/'],
    ];
    for (const [input, want] of cases) assert.equal(cleanPath(input), want, input);
  });
});
