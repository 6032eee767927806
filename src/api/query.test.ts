import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Filters, queryBool, queryInt } from './query.ts';

describe('queryBool', () => {
  const q = new URLSearchParams('a=1&b=true&c=True&d=0&e=false&f=&g=no&h=yes&i=none');
  it('reads booleans as Docker does', () => {
    for (const k of ['a', 'b', 'c', 'h']) assert.equal(queryBool(q, k), true, k);
    for (const k of ['d', 'e', 'f', 'g', 'i']) assert.equal(queryBool(q, k, true), false, k);
    assert.equal(queryBool(q, 'absent'), false);
    assert.equal(queryBool(q, 'absent', true), true);
  });
});

describe('queryInt', () => {
  it('reads integers and refuses others', () => {
    const q = new URLSearchParams('n=12&m=-3&bad=x&empty=');
    assert.equal(queryInt(q, 'n', 0), 12);
    assert.equal(queryInt(q, 'm', 0), -3);
    assert.equal(queryInt(q, 'empty', 7), 7);
    assert.equal(queryInt(q, 'absent', 7), 7);
    assert.throws(() => queryInt(q, 'bad', 0), /query parameter bad must be an integer, got "x"/);
  });
});

describe('Filters', () => {
  it('parses the list form', () => {
    const f = Filters.parse('{"label":["a=1","b"],"dangling":["true"]}');
    assert.deepEqual(f.get('label'), ['a=1', 'b']);
    assert.deepEqual(f.get('dangling'), ['true']);
    assert.deepEqual(f.get('absent'), []);
    assert.equal(f.size, 2);
    assert.deepEqual(f.toJSON(), { label: ['a=1', 'b'], dangling: ['true'] });
  });

  it('parses the legacy map form, keeping only true values', () => {
    const f = Filters.parse('{"label":{"a=1":true,"b":false},"reference":{"busybox":true}}');
    assert.deepEqual(f.get('label'), ['a=1']);
    assert.deepEqual(f.get('reference'), ['busybox']);
  });

  it('gives no filters for an absent, empty or null parameter', () => {
    assert.equal(Filters.parse(null).size, 0);
    assert.equal(Filters.parse('').size, 0);
    assert.equal(Filters.parse('null').size, 0);
    assert.equal(Filters.parse('{}').size, 0);
  });

  it('refuses what is not a filter object', () => {
    assert.throws(() => Filters.parse('{bad'), /invalid filters parameter: not JSON/);
    assert.throws(() => Filters.parse('["a"]'), /expected a JSON object/);
    assert.throws(() => Filters.parse('{"a":"b"}'), /filter "a" must be a list of strings/);
    assert.throws(() => Filters.parse('{"a":[1]}'), /filter "a" must be a list of strings/);
    assert.throws(() => Filters.parse('{"a":{"x":1}}'), /filter "a" must map values to true/);
  });

  it('validates names against those an endpoint knows', () => {
    const f = Filters.parse('{"label":["x"],"colour":["red"]}');
    assert.throws(
      () => f.validate(['label', 'dangling']),
      /^BerthError: invalid filter 'colour'$|invalid filter 'colour'/,
    );
    assert.equal(f.validate(['label', 'colour']), f);
  });
});
