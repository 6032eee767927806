import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostConfig } from '../container-config.ts';
import { type MountRequest, mountRequests, parseBind, parseMountSpec, parseTmpfs } from './mount-requests.ts';
import { mergeTmpfsOptions, tmpfsSize } from './tmpfs-options.ts';

const pick = (m: MountRequest) => {
  const { origin: _o, inspect: _i, ...rest } = m;
  return rest;
};

describe('parseBind (-v)', () => {
  const cases: [string, Partial<MountRequest>][] = [
    ['/data', { type: 'volume', destination: '/data', readOnly: false, noCopy: false, mode: '' }],
    [
      '/h:/c',
      {
        type: 'bind',
        destination: '/c',
        source: '/h',
        readOnly: false,
        propagation: 'rprivate',
        createSource: true,
        mode: '',
      },
    ],
    [
      '/h/:/c/:ro',
      {
        type: 'bind',
        destination: '/c',
        source: '/h',
        readOnly: true,
        propagation: 'rprivate',
        createSource: true,
        mode: 'ro',
      },
    ],
    [
      '/h:/c:rw,rshared',
      {
        type: 'bind',
        destination: '/c',
        source: '/h',
        readOnly: false,
        propagation: 'rshared',
        createSource: true,
        mode: 'rw,rshared',
      },
    ],
    [
      '/h:/c:z,slave',
      {
        type: 'bind',
        destination: '/c',
        source: '/h',
        readOnly: false,
        propagation: 'slave',
        createSource: true,
        mode: 'z,slave',
      },
    ],
    [
      'db:/var/lib/db',
      {
        type: 'volume',
        destination: '/var/lib/db',
        volumeName: 'db',
        readOnly: false,
        noCopy: false,
        mode: '',
      },
    ],
    [
      'db:/x:ro,nocopy',
      {
        type: 'volume',
        destination: '/x',
        volumeName: 'db',
        readOnly: true,
        noCopy: true,
        mode: 'ro,nocopy',
      },
    ],
    [
      '/h:/a/../b:cached',
      {
        type: 'bind',
        destination: '/b',
        source: '/h',
        readOnly: false,
        propagation: 'rprivate',
        createSource: true,
        mode: 'cached',
      },
    ],
  ];
  for (const [raw, want] of cases) {
    it(raw, () => assert.deepEqual(pick(parseBind(raw, 'b')), want));
  }

  const bad: [string, RegExp][] = [
    ['', /invalid volume specification/],
    [':/c', /invalid volume specification/],
    ['/c:rw', /invalid volume specification: '\/c:rw'/],
    ['/a:/b:/c:/d', /invalid volume specification/],
    ['/h:/c:ro,rw', /invalid mode: ro,rw/],
    ['/h:/c:bogus', /invalid mode: bogus/],
    ['/h:relative', /mount path must be absolute/],
    ['/h:/', /destination can't be '\/'/],
    ['./data:/c', /includes invalid characters for a local volume name.*use absolute path/],
    ['x:/c', /includes invalid characters/],
    ['/h:/c:nocopy', /nocopy applies to volumes/],
    ['vol:/c:shared', /propagation mode applies to bind mounts/],
  ];
  for (const [raw, re] of bad) {
    it(`refuses ${JSON.stringify(raw)}`, () =>
      assert.throws(() => parseBind(raw, 'HostConfig.Binds[0]'), re));
  }
});

describe('parseMountSpec (--mount)', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-mounts-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('binds an existing path, with options', () => {
    assert.deepEqual(
      pick(
        parseMountSpec(
          {
            Type: 'bind',
            Source: work,
            Target: '/w',
            ReadOnly: true,
            BindOptions: { Propagation: 'rslave', NonRecursive: true },
          },
          'm',
        ),
      ),
      {
        type: 'bind',
        destination: '/w',
        source: work,
        readOnly: true,
        propagation: 'rslave',
        nonRecursive: true,
        createSource: false,
        mode: '',
      },
    );
  });

  it('refuses a missing bind source unless CreateMountpoint', () => {
    const missing = join(work, 'missing');
    assert.throws(
      () => parseMountSpec({ Type: 'bind', Source: missing, Target: '/w' }, 'HostConfig.Mounts[0]'),
      new RegExp(
        `HostConfig.Mounts\\[0\\]: invalid mount config for type "bind": bind source path does not exist: ${missing}`,
      ),
    );
    assert.equal(
      parseMountSpec(
        { Type: 'bind', Source: missing, Target: '/w', BindOptions: { CreateMountpoint: true } },
        'm',
      ).createSource,
      true,
    );
  });

  it('reads volumes, named and anonymous, with NoCopy and Subpath', () => {
    assert.deepEqual(
      pick(
        parseMountSpec(
          { Type: 'volume', Source: 'v1', Target: '/v', VolumeOptions: { NoCopy: true, Subpath: 'a/b' } },
          'm',
        ),
      ),
      {
        type: 'volume',
        destination: '/v',
        volumeName: 'v1',
        readOnly: false,
        noCopy: true,
        subpath: 'a/b',
        mode: '',
      },
    );
    assert.equal(parseMountSpec({ Type: 'volume', Target: '/v' }, 'm').volumeName, undefined);
  });

  it('turns tmpfs options into mount options', () => {
    assert.deepEqual(
      parseMountSpec(
        {
          Type: 'tmpfs',
          Target: '/t',
          TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1700, Options: [['exec']] },
        },
        'm',
      ).tmpfsOptions,
      ['nosuid', 'nodev', 'rprivate', 'mode=1700', 'size=64m', 'exec'],
    );
  });

  const bad: [string, Parameters<typeof parseMountSpec>[0], RegExp][] = [
    ['bind without source', { Type: 'bind', Target: '/x' }, /field Source must not be empty/],
    [
      'relative bind source',
      { Type: 'bind', Source: 'rel', Target: '/x' },
      /'rel' mount path must be absolute/,
    ],
    [
      'bind with volume options',
      { Type: 'bind', Source: '/', Target: '/x', VolumeOptions: {} },
      /field VolumeOptions must not be specified/,
    ],
    [
      'bad propagation',
      { Type: 'bind', Source: '/', Target: '/x', BindOptions: { Propagation: 'sideways' } },
      /invalid propagation mode: sideways/,
    ],
    [
      'volume with bind options',
      { Type: 'volume', Target: '/x', BindOptions: {} },
      /field BindOptions must not be specified/,
    ],
    [
      'anonymous read-only volume',
      { Type: 'volume', Target: '/x', ReadOnly: true },
      /must not set ReadOnly mode when using anonymous volumes/,
    ],
    [
      'anonymous volume subpath',
      { Type: 'volume', Target: '/x', VolumeOptions: { Subpath: 'a' } },
      /must not set Subpath/,
    ],
    [
      'escaping subpath',
      { Type: 'volume', Source: 'v1', Target: '/x', VolumeOptions: { Subpath: '../etc' } },
      /subpath must be a relative path/,
    ],
    [
      'tmpfs with a source',
      { Type: 'tmpfs', Source: 'x', Target: '/x' },
      /field Source must not be specified/,
    ],
    [
      'tmpfs bad option',
      { Type: 'tmpfs', Target: '/x', TmpfsOptions: { Options: [['suid']] } },
      /invalid option: suid/,
    ],
    ['unknown type', { Type: 'npipe' as 'bind', Target: '/x' }, /mount type unknown/],
    ['no target', { Type: 'tmpfs', Target: '' }, /field Target must not be empty/],
  ];
  for (const [name, spec, re] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => parseMountSpec(spec, 'm'), re));
  }
});

describe('tmpfs', () => {
  it('merges options over Docker defaults, the last of each kind winning', () => {
    assert.deepEqual(mergeTmpfsOptions([], 't'), ['noexec', 'nosuid', 'nodev', 'rprivate']);
    assert.deepEqual(mergeTmpfsOptions(['exec', 'size=64m', 'mode=1777', 'size=1g'], 't'), [
      'nosuid',
      'nodev',
      'rprivate',
      'exec',
      'mode=1777',
      'size=1g',
    ]);
    assert.deepEqual(mergeTmpfsOptions(['shared', 'ro'], 't'), ['noexec', 'nosuid', 'nodev', 'shared', 'ro']);
    assert.throws(
      () => mergeTmpfsOptions(['tmpcopyup'], 'HostConfig.Tmpfs["/run"]'),
      /HostConfig.Tmpfs\["\/run"\]: invalid tmpfs option "tmpcopyup"/,
    );
    assert.throws(() => mergeTmpfsOptions(['size'], 't'), /invalid tmpfs option "size"/);
  });

  it('writes sizes as Docker does', () => {
    assert.deepEqual(
      [tmpfsSize(1 << 30), tmpfsSize(3 << 20), tmpfsSize(4096), tmpfsSize(1000)],
      ['size=1g', 'size=3m', 'size=4k', 'size=1000'],
    );
  });

  it('parses --tmpfs entries', () => {
    const t = parseTmpfs('/run', 'size=64m,mode=1777', 'x');
    assert.deepEqual(t.tmpfsOptions, ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=64m', 'mode=1777']);
    assert.equal(t.inspect, false);
    assert.throws(() => parseTmpfs('run', '', 'x'), /must be absolute/);
  });
});

describe('mountRequests', () => {
  it('reads all three kinds in order', () => {
    const got = mountRequests({
      Binds: ['/h:/a'],
      Mounts: [{ Type: 'tmpfs', Target: '/b' }],
      Tmpfs: { '/c': '' },
    }).map((m) => [m.type, m.destination, m.origin]);
    assert.deepEqual(got, [
      ['bind', '/a', 'HostConfig.Binds[0]'],
      ['tmpfs', '/b', 'HostConfig.Mounts[0]'],
      ['tmpfs', '/c', 'HostConfig.Tmpfs["/c"]'],
    ]);
  });

  const duplicates: [string, HostConfig][] = [
    ['two binds', { Binds: ['/h:/x', 'v1:/x/'] }],
    ['a bind and a mount', { Binds: ['/h:/x'], Mounts: [{ Type: 'tmpfs', Target: '/x' }] }],
    ['a bind and a tmpfs', { Binds: ['/h:/x'], Tmpfs: { '/x/.': '' } }],
  ];
  for (const [name, hc] of duplicates) {
    it(`refuses a duplicate destination: ${name}`, () =>
      assert.throws(
        () => mountRequests(hc),
        (e: Error) => e.message === 'Duplicate mount point: /x',
      ));
  }
});
