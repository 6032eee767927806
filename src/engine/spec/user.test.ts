import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseGroup, parsePasswd, resolveUser, resolveUserInRootfs } from './user.ts';

const PASSWD = parsePasswd(
  [
    'root:x:0:0:root:/root:/bin/sh',
    '# a comment',
    'daemon:x:1:1::/usr/sbin:/bin/false',
    'app:x:1000:1000:App:/home/app:/bin/sh',
    'nohome:x:1001:1001::',
    '+nis',
    'bad:x:abc:1:::',
    'twin:x:1000:50::/first:/bin/sh',
  ].join('\n'),
);
const GROUP = parseGroup(
  ['root:x:0:', 'wheel:x:10:root,app', 'app:x:1000:', 'staff:x:50:app', 'video:x:44:', 'empty:x:60:'].join(
    '\n',
  ),
);

describe('resolveUser', () => {
  const cases: [string, string, string[], { uid: number; gid: number; gids: number[]; home: string }][] = [
    ['empty is root', '', [], { uid: 0, gid: 0, gids: [0, 10], home: '/root' }],
    ['by name', 'app', [], { uid: 1000, gid: 1000, gids: [1000, 10, 50], home: '/home/app' }],
    [
      'by uid (first entry wins)',
      '1000',
      [],
      { uid: 1000, gid: 1000, gids: [1000, 10, 50], home: '/home/app' },
    ],
    ['unknown uid needs no entry', '4242', [], { uid: 4242, gid: 0, gids: [0], home: '/' }],
    ['uid:gid without entries', '4242:4343', [], { uid: 4242, gid: 4343, gids: [4343], home: '/' }],
    [
      'name:group drops implicit groups',
      'app:video',
      [],
      { uid: 1000, gid: 44, gids: [44], home: '/home/app' },
    ],
    ['name:gid', 'app:77', [], { uid: 1000, gid: 77, gids: [77], home: '/home/app' }],
    ['entry without home', 'nohome', [], { uid: 1001, gid: 1001, gids: [1001], home: '/' }],
    [
      'GroupAdd by name and number',
      'daemon',
      ['video', '9999', 'wheel'],
      { uid: 1, gid: 1, gids: [1, 44, 9999, 10], home: '/usr/sbin' },
    ],
    [
      'GroupAdd repeats collapse',
      'app',
      ['staff', '50'],
      { uid: 1000, gid: 1000, gids: [1000, 10, 50], home: '/home/app' },
    ],
  ];
  for (const [name, spec, groupAdd, want] of cases) {
    it(name, () => {
      const got = resolveUser(spec, PASSWD, GROUP, groupAdd);
      assert.deepEqual({ uid: got.uid, gid: got.gid, gids: got.additionalGids, home: got.home }, want);
    });
  }

  it("fails on unknown names with Docker's messages", () => {
    assert.throws(
      () => resolveUser('ghost', PASSWD, GROUP),
      (e: Error & { code?: string }) =>
        e.code === 'InvalidArgument' &&
        e.message === 'unable to find user ghost: no matching entries in passwd file',
    );
    assert.throws(
      () => resolveUser('app:ghosts', PASSWD, GROUP),
      /unable to find group ghosts: no matching entries in group file/,
    );
    assert.throws(() => resolveUser('app', PASSWD, GROUP, ['ghosts']), /unable to find group ghosts/);
    assert.throws(() => resolveUser('3000000000', PASSWD, GROUP), /must be in range 0-2147483647/);
  });

  it('works without passwd and group files', () => {
    assert.deepEqual(resolveUser('', undefined, undefined), {
      uid: 0,
      gid: 0,
      additionalGids: [0],
      home: '/',
    });
    assert.deepEqual(resolveUser('5:6', undefined, undefined, ['7']), {
      uid: 5,
      gid: 6,
      additionalGids: [6, 7],
      home: '/',
    });
    assert.throws(() => resolveUser('app', undefined, undefined), /unable to find user app/);
  });

  it('skips malformed lines', () => {
    assert.equal(
      PASSWD.find((u) => u.name === 'bad'),
      undefined,
    );
    assert.equal(
      PASSWD.find((u) => u.name.startsWith('+')),
      undefined,
    );
  });
});

describe('resolveUserInRootfs', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-user-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reads the rootfs files', () => {
    const root = join(work, 'plain');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nweb:x:33:\nlog:x:4:web\n');
    assert.deepEqual(resolveUserInRootfs(root, 'web'), {
      uid: 33,
      gid: 33,
      additionalGids: [33, 4],
      home: '/var/www',
    });
  });

  it('never reads a host passwd through a symlink out of the rootfs', () => {
    const host = join(work, 'host-etc');
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'passwd'), 'hostonly:x:777:777::/host:/bin/sh\n');
    writeFileSync(join(host, 'group'), 'hostgroup:x:778:hostonly\n');
    const root = join(work, 'evil');
    mkdirSync(join(root, 'etc'), { recursive: true });
    symlinkSync(join(host, 'passwd'), join(root, 'etc/passwd'));
    symlinkSync(`../../../../../../../..${host}/group`, join(root, 'etc/group'));
    assert.throws(() => resolveUserInRootfs(root, 'hostonly'), /unable to find user hostonly/);
    assert.throws(() => resolveUserInRootfs(root, '0:hostgroup'), /unable to find group hostgroup/);
    // The same links resolved inside the rootfs do reach a copy placed there.
    mkdirSync(join(root, host), { recursive: true });
    writeFileSync(join(root, host, 'passwd'), 'inside:x:5:5::/in:/bin/sh\n');
    assert.equal(resolveUserInRootfs(root, 'inside').uid, 5);
  });
});
