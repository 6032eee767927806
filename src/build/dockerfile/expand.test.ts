// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell syntax under test
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expand, expandWords, newExpansionReport } from './expand.ts';

const env = { PATHX: '/usr/local/bin:/usr/bin', FILE: 'archive.tar.gz', EMPTY: '', SP: 'a  b' };

describe('expand', () => {
  it('applies the default, alternative and error modifiers', () => {
    assert.equal(expand('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env), 'd d  d');
    assert.equal(expand('${FILE:+y} ${EMPTY:+y} ${EMPTY+y} ${UNSET+y}', env), 'y  y ');
    assert.throws(() => expand('${UNSET:?need it}', env), /UNSET: need it/);
    assert.throws(() => expand('${EMPTY:?}', env), /EMPTY: is not allowed to be empty/);
    assert.throws(() => expand('${UNSET?}', env), /UNSET: is not allowed to be unset/);
    assert.equal(expand('${EMPTY?}', env), '');
  });

  it('removes prefixes and suffixes by glob, shortest and longest', () => {
    assert.equal(expand('${FILE#*.}', env), 'tar.gz');
    assert.equal(expand('${FILE##*.}', env), 'gz');
    assert.equal(expand('${FILE%.*}', env), 'archive.tar');
    assert.equal(expand('${FILE%%.*}', env), 'archive');
    assert.equal(expand('${FILE%.t?r.gz}', env), 'archive');
    assert.equal(expand('${FILE#\\*}', env), 'archive.tar.gz');
    assert.throws(() => expand('${FILE:#x}', env), /unsupported modifier \(:#\)/);
  });

  it('replaces the first or every match', () => {
    assert.equal(expand('${PATHX/\\/usr/X}', env), 'X/local/bin:/usr/bin');
    assert.equal(expand('${PATHX//\\/usr/X}', env), 'X/local/bin:X/bin');
    assert.equal(expand('${PATHX//:*/}', env), '/usr/local/bin');
    assert.equal(expand('${UNSET/a/b}', env), '');
  });

  it('gives the length of ${#VAR} but keeps ${#} the special parameter', () => {
    assert.equal(expand('${#FILE} ${#UNSET} ${#}', env), '14 0 ');
    assert.equal(expand('${#:-none}', env), 'none');
    assert.equal(expand('${#KOREAN}', { KOREAN: '한국어' }), '3');
  });

  it('rejects unsupported forms', () => {
    for (const bad of ['${X:=y}', '${X=y}', '${X:y}', '${', '${X', '${}', '${.}']) {
      assert.throws(() => expand(bad, env), { code: 'InvalidArgument' }, bad);
    }
  });

  it('uses the escape token it is given', () => {
    assert.equal(expand('a`$FILE `"b', env, { escapeToken: '`' }), 'a$FILE "b');
    assert.equal(expand('C:\\dir', env, { escapeToken: '`' }), 'C:\\dir');
  });

  it('can leave unset variables as written', () => {
    assert.equal(
      expand('$UNSET ${UNSET} ${UNSET:-x} $FILE', env, { skipUnsetEnv: true }),
      '$UNSET ${UNSET} ${UNSET:-x} archive.tar.gz',
    );
  });

  it('reports used and unset variables', () => {
    const report = newExpansionReport();
    expand('$FILE ${NOPE:-x}', env, { report });
    expand('"$EMPTY" $FILE', env, { report });
    assert.deepEqual([...report.used].sort(), ['EMPTY', 'FILE']);
    assert.deepEqual([...report.unset], ['NOPE']);
  });
});

describe('expandWords', () => {
  it('splits at unquoted and expanded whitespace but not quoted or escaped', () => {
    assert.deepEqual(expandWords('x $SP "$SP" a\\ b', env), ['x', 'a', 'b', 'a  b', 'a b']);
    assert.deepEqual(expandWords('a "" b', env), ['a', 'b']);
  });

  it('keeps what precedes a modifier expansion in the same word', () => {
    assert.deepEqual(expandWords('hello${X:-foo}bar', {}), ['hellofoobar']);
  });

  it('keeps a spaced heredoc marker together', () => {
    assert.deepEqual(expandWords('cat << EOF', {}), ['cat', '<< EOF']);
  });
});
