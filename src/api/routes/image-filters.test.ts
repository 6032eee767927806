import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Filters } from '../query.ts';
import { boolFilter, globRegex, labelsMatch } from './image-filters.ts';

describe('image filters', () => {
  it('matches references as Go path.Match does', () => {
    const m = (pattern: string, s: string) => globRegex(pattern).test(s);
    assert.ok(m('busy*', 'busybox:latest'));
    assert.ok(m('*:1', 'app:1'));
    assert.ok(!m('*', 'user/app'), '* stops at a slash');
    assert.ok(m('*/*', 'user/app'));
    assert.ok(m('b?sybox', 'busybox'));
    assert.ok(m('[a-c]usybox', 'busybox'));
    assert.ok(!m('[^b]usybox', 'busybox'));
    assert.ok(m('a\\*b', 'a*b'));
    assert.ok(!m('a\\*b', 'axb'));
    assert.ok(m('localhost:5000/a.b', 'localhost:5000/a.b'));
    assert.ok(!m('a.b', 'axb'), 'a dot is a dot');
    assert.throws(() => globRegex('[abc'), /syntax error in pattern/);
  });

  it('matches labels by key or key=value, all of them', () => {
    assert.ok(labelsMatch({ a: '1', b: '2' }, ['a', 'b=2']));
    assert.ok(!labelsMatch({ a: '1' }, ['a=2']));
    assert.ok(!labelsMatch(null, ['a']));
    assert.ok(labelsMatch(null, []));
  });

  it('reads boolean filters as Docker does', () => {
    assert.equal(boolFilter(Filters.parse('{"dangling":["true"]}'), 'dangling', false), true);
    assert.equal(boolFilter(Filters.parse('{"dangling":["0"]}'), 'dangling', true), false);
    assert.equal(boolFilter(Filters.parse(''), 'dangling', true), true);
    assert.throws(
      () => boolFilter(Filters.parse('{"dangling":["maybe"]}'), 'dangling', true),
      /invalid filter 'dangling=maybe'/,
    );
  });
});
