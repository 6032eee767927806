import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvLine } from './csv-fields.ts';
import { parseGoDuration, parseRamInBytes } from './go-units.ts';
import { parseMount } from './mounts.ts';

describe('parseMount', () => {
  it('defaults to a read-only bind mount', () => {
    assert.deepEqual(parseMount('target=/src'), { type: 'bind', target: '/src', readOnly: true });
    assert.deepEqual(parseMount('type=bind,from=build,src=/out,dst=/in,rw'), {
      type: 'bind',
      from: 'build',
      source: '/out',
      target: '/in',
      readOnly: false,
    });
  });

  it('parses cache, tmpfs, secret and ssh options', () => {
    assert.deepEqual(
      parseMount('type=cache,target=/c,id=x,sharing=private,mode=0700,uid=1000,gid=100,ro=true'),
      {
        type: 'cache',
        target: '/c',
        id: 'x',
        sharing: 'private',
        mode: 0o700,
        uid: 1000,
        gid: 100,
        readOnly: true,
      },
    );
    assert.deepEqual(parseMount('type=tmpfs,target=/t,size=64m'), {
      type: 'tmpfs',
      target: '/t',
      size: 64 * 1024 * 1024,
      readOnly: false,
    });
    assert.deepEqual(parseMount('type=secret,id=npmrc,target=/root/.npmrc,required'), {
      type: 'secret',
      id: 'npmrc',
      target: '/root/.npmrc',
      required: true,
      readOnly: true,
    });
    assert.deepEqual(parseMount('type=secret,id=aws,env=AWS_KEY'), {
      type: 'secret',
      id: 'aws',
      env: 'AWS_KEY',
      readOnly: true,
    });
    assert.deepEqual(parseMount('type=ssh'), { type: 'ssh', readOnly: true });
    assert.deepEqual(parseMount('"type=bind","target=/a,b"'), {
      type: 'bind',
      target: '/a,b',
      readOnly: true,
    });
  });

  it('rejects what BuildKit rejects', () => {
    const bad: [string, RegExp][] = [
      ['type=volume,target=/x', /unsupported mount type "volume"/],
      ['type=cache,target=/x,sharing=all', /unsupported sharing value "all"/],
      ['target=/x,bogus=1', /unexpected key 'bogus' in 'bogus=1'/],
      ['target=/x,tgt', /invalid field 'tgt' must be a key=value pair/],
      ['target=/x,required', /unexpected key 'required' for mount type 'bind'/],
      ['target=/x,size=1m', /unexpected key 'size' for mount type 'bind'/],
      ['target=/x,mode=0644', /mode not allowed for "bind" type mounts/],
      ['type=cache,target=/x,mode=9', /invalid value 9 for mode/],
      ['type=cache,target=/x,uid=-1', /invalid value -1 for uid/],
      ['target=/x,ro=maybe', /invalid value for ro: maybe/],
      ['type=secret', /one of source, target required/],
      ['type=secret,id=a,source=b', /both source and id can't be set/],
      ['type=secret,id=a,from=x', /secret mount should not have a from/],
      ['type=cache,target=/x,env=A', /unexpected key 'env' for mount type 'cache'/],
      ['type=secret,id=a,env=1A', /invalid value for env: "1A" is not a variable name/],
      ['type=bind,target=/x,sharing=shared', /invalid cache sharing set for bind mount/],
      ['type=cache', /mount target is required/],
      ['from=$STAGE,target=/x', /'from' doesn't support variable expansion/],
      ['target="/x', /failed to parse csv mounts/],
    ];
    for (const [spec, err] of bad) assert.throws(() => parseMount(spec), err, spec);
  });

  it('defers checking values with $ until expansion', () => {
    assert.deepEqual(parseMount('type=cache,target=$HOME/.cache,uid=$UID'), {
      type: 'cache',
      target: '$HOME/.cache',
      readOnly: false,
    });
    const vars: Record<string, string> = { HOME: '/root', UID: '1000' };
    const expand = (s: string) => s.replace(/\$(\w+)/g, (_, n: string) => vars[n]);
    assert.deepEqual(parseMount('type=cache,target=$HOME/.cache,uid=$UID', expand), {
      type: 'cache',
      target: '/root/.cache',
      uid: 1000,
      readOnly: false,
    });
  });
});

describe('parseCsvLine', () => {
  it('reads quoted fields as Go encoding/csv does', () => {
    assert.deepEqual(parseCsvLine('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
    assert.throws(() => parseCsvLine('a"b'), /bare "/);
    assert.throws(() => parseCsvLine('"a"b'), /extraneous or missing "/);
  });
});

describe('Go units', () => {
  it('parses durations to nanoseconds', () => {
    assert.equal(parseGoDuration('1h2m3s'), 3723e9);
    assert.equal(parseGoDuration('1.5s'), 1.5e9);
    assert.equal(parseGoDuration('.5ms'), 5e5);
    assert.equal(parseGoDuration('10µs'), 1e4);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('-2m'), -120e9);
    for (const bad of ['', '5', 's', '1x', '1.2.3s', '.s'])
      assert.throws(() => parseGoDuration(bad), /time:/, bad);
  });

  it('parses RAM sizes in binary units', () => {
    assert.equal(parseRamInBytes('100'), 100);
    assert.equal(parseRamInBytes('64m'), 64 * 1024 ** 2);
    assert.equal(parseRamInBytes('1.5GiB'), 1.5 * 1024 ** 3);
    assert.throws(() => parseRamInBytes('lots'), /invalid size/);
  });
});
