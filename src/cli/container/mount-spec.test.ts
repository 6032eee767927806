import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountFlag, validateMountSpec } from './mount-spec.ts';

describe('parseMountFlag', () => {
  // Each as Docker 28's CLI sends it.
  const valid: [string, object][] = [
    ['type=bind,source=/a,target=/b,readonly', { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true }],
    [
      'Type=BIND,Source=/a,Target=/b,READONLY,bind-propagation=RSHARED,consistency=Cached',
      {
        Type: 'bind',
        Source: '/a',
        Target: '/b',
        ReadOnly: true,
        Consistency: 'cached',
        BindOptions: { Propagation: 'rshared' },
      },
    ],
    [
      'type=volume,src=v,dst=/d,volume-nocopy,volume-label=a=b,volume-label=c,volume-driver=local,volume-opt=o=1,volume-subpath=sub',
      {
        Type: 'volume',
        Source: 'v',
        Target: '/d',
        VolumeOptions: {
          NoCopy: true,
          Labels: { a: 'b', c: '' },
          DriverConfig: { Name: 'local', Options: { o: '1' } },
          Subpath: 'sub',
        },
      },
    ],
    [
      'type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770,ro=false',
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 67108864, Mode: 0o1770 } },
    ],
    ['dst=/anon', { Type: 'volume', Target: '/anon' }],
    ['destination=/d,source=v', { Type: 'volume', Source: 'v', Target: '/d' }],
    ['type=bind,src=.,dst=/x', { Type: 'bind', Source: '/work', Target: '/x' }],
    ['type=bind,src=../up,dst=/z', { Type: 'bind', Source: '/up', Target: '/z' }],
    [
      'type=bind,src=/a,dst=/b,bind-nonrecursive',
      { Type: 'bind', Source: '/a', Target: '/b', BindOptions: { NonRecursive: true } },
    ],
    ['type=bind,src=/a,dst=/b,readonly=1,ro=0', { Type: 'bind', Source: '/a', Target: '/b' }],
    ['type=bind,"src=/a,b",dst=/c', { Type: 'bind', Source: '/a,b', Target: '/c' }],
    [
      'type=bind,src=/a,dst=/b,bind-recursive=readonly,readonly,bind-propagation=rprivate',
      {
        Type: 'bind',
        Source: '/a',
        Target: '/b',
        ReadOnly: true,
        BindOptions: { ReadOnlyForceRecursive: true, Propagation: 'rprivate' },
      },
    ],
  ];
  for (const [value, mount] of valid) {
    it(`reads ${value}`, () => assert.deepEqual(parseMountFlag(value, '/work'), mount));
  }

  const invalid: [string, string][] = [
    ['type=bind,src=/a', 'target is required'],
    ['type=,dst=/b', 'type is required'],
    ['foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['type=bind,src=/a,dst=/b,foo', "invalid field 'foo' must be a key=value pair"],
    ['type=bind,source=/a,target=/b,readonly=maybe', 'invalid value for readonly: maybe'],
    ['type=bind,src=/a,dst=/b,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'],
    [
      'type=volume,src=v,dst=/d,volume-nocopy,bind-propagation=shared',
      "cannot mix 'bind-*' options with mount type 'volume'",
    ],
    ['type=bind,src=/a,dst=/b,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=bind,src=/a,dst=/b,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ['type=tmpfs,dst=/b,tmpfs-size=64x', 'invalid value for tmpfs-size: 64x'],
    ['type=tmpfs,dst=/b,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
    [
      'type=bind,src=/a,dst=/b,bind-recursive=foo',
      'invalid value for bind-recursive: foo (must be "enabled", "disabled", "writable", or "readonly")',
    ],
    [
      'type=bind,src=/a,dst=/b,bind-recursive=writable',
      "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
    ],
    [
      'type=bind,src=/a,dst=/b,bind-recursive=readonly,readonly',
      "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
    ],
    ['', 'EOF'],
    // The daemon's checks.
    ['type=foo,src=/a,dst=/b', 'invalid mount config for type "foo": mount type unknown'],
    [
      'type=bind,src=/a,dst=rel',
      'invalid mount config for type "bind": invalid mount path: \'rel\' mount path must be absolute',
    ],
    [
      'type=bind,src=/a,dst=/',
      "invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
    ],
    ['type=bind,dst=/b', 'invalid mount config for type "bind": field Source must not be empty'],
    [
      'type=bind,src=rel,dst=/b',
      'invalid mount config for type "bind": invalid mount path: \'rel\' mount path must be absolute',
    ],
    [
      'type=bind,src=/a,dst=/b,bind-propagation=foo',
      'invalid mount config for type "bind": invalid propagation mode: foo',
    ],
    ['type=tmpfs,src=/a,dst=/b', 'invalid mount config for type "tmpfs": field Source must not be specified'],
    [
      'type=volume,dst=/b,readonly',
      'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes',
    ],
  ];
  for (const [value, message] of invalid) {
    it(`refuses ${JSON.stringify(value)}`, () =>
      assert.throws(() => parseMountFlag(value, '/work'), { message }));
  }
  it('lets the server run the daemon checks on a request it received', () => {
    assert.doesNotThrow(() => validateMountSpec({ Type: 'volume', Source: 'v', Target: '/d' }));
    assert.throws(() => validateMountSpec({ Type: 'volume', Target: '' }), {
      message: 'invalid mount config for type "volume": field Target must not be empty',
    });
  });
});
