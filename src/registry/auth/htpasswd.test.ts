import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { isBerthError } from '../../util/errors.ts';
import { HtpasswdFile, parseHtpasswd, readHtpasswd } from './htpasswd.ts';

// Cost 4: the fastest bcrypt, so tests do not wait on it.
const hashOf = (password: string, prefix = '$2b$') => bcrypt.hashSync(password, 4).replace(/^\$2b\$/, prefix);

describe('parseHtpasswd', () => {
  it('reads bcrypt entries of every prefix, skipping blanks and comments, CRLF or not', () => {
    const a = hashOf('pa', '$2y$');
    const b = hashOf('pb', '$2a$');
    const c = hashOf('pc', '$2b$');
    const users = parseHtpasswd(
      `# users\r\nalice:${a}\r\n\r\nbob:${b}\n  # indented comment\ncarol:${c}`,
      'f',
    );
    assert.deepEqual(
      [...users],
      [
        ['alice', a],
        ['bob', b],
        ['carol', c],
      ],
    );
  });

  it('refuses other hash kinds, naming the file, line and user but not the hash', () => {
    const kinds = [
      '$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/',
      '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      'rqXexS6ZhobKA',
      '$1$abc$def',
      '$2x$10$s3mXxxe40XsiiIdFipbiTOh8RnsQ/z2BDsfjpcJy43AZjMK.u2r56',
      'plain-password',
    ];
    for (const hash of kinds) {
      assert.throws(
        () => parseHtpasswd(`alice:${hashOf('x')}\n\nmallory:${hash}\n`, '/etc/berth/htpasswd'),
        (err) =>
          isBerthError(err, 'InvalidArgument') &&
          err.message.startsWith('/etc/berth/htpasswd:3:') &&
          err.message.includes('"mallory"') &&
          err.message.includes('bcrypt') &&
          !err.message.includes(hash),
        hash,
      );
    }
  });

  it('refuses a line that is not user:hash, and a user listed twice', () => {
    assert.throws(() => parseHtpasswd('just-a-name\n', 'f'), /^BerthError: f:1: not a "user:hash" line/);
    assert.throws(() => parseHtpasswd(`:${hashOf('x')}\n`, 'f'), /f:1: not a "user:hash" line/);
    assert.throws(
      () => parseHtpasswd(`a:${hashOf('x')}\nb:${hashOf('y')}\na:${hashOf('z')}\n`, 'f'),
      /f:3: user "a" is listed again \(first on line 1\)/,
    );
  });
});

describe('HtpasswdFile', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-htpasswd-'));
    file = join(dir, 'htpasswd');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names the config key and the file when the file is missing or bad', async () => {
    const missing = join(dir, 'nope');
    await assert.rejects(
      HtpasswdFile.open(missing, 'auth.htpasswd.path'),
      (err) =>
        isBerthError(err, 'NotFound') &&
        err.message.includes('auth.htpasswd.path') &&
        err.message.includes(missing),
    );
    const bad = join(dir, 'bad');
    await writeFile(bad, 'alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n');
    await assert.rejects(
      readHtpasswd(bad, 'auth.token.htpasswd'),
      (err) =>
        isBerthError(err, 'InvalidArgument') && err.message.startsWith(`auth.token.htpasswd: ${bad}:1:`),
    );
  });

  it('checks passwords', async () => {
    await writeFile(file, `alice:${hashOf('wonderland', '$2y$')}\n`);
    const users = await HtpasswdFile.open(file, 'k');
    assert.equal(await users.verify('alice', 'wonderland'), true);
    assert.equal(await users.verify('alice', 'wonderland'), true, 'again, from the cache');
    assert.equal(await users.verify('alice', 'Wonderland'), false);
    assert.equal(await users.verify('bob', 'wonderland'), false);
    assert.equal(await users.verify('alice', ''), false);
  });

  it('reads the file again when it changes, and forgets the old password', async () => {
    await writeFile(file, `alice:${hashOf('one')}\n`);
    const users = await HtpasswdFile.open(file, 'k');
    assert.equal(await users.verify('alice', 'one'), true);
    await writeFile(file, `alice:${hashOf('two')}\nbob:${hashOf('three')}\n`);
    assert.equal(await users.verify('alice', 'one'), false, 'the cached success is for the old hash');
    assert.equal(await users.verify('alice', 'two'), true);
    assert.equal(await users.verify('bob', 'three'), true);
  });

  it('refuses everyone while the file is bad or gone, says so once, and recovers', async () => {
    await writeFile(file, `alice:${hashOf('secret-pw')}\n`);
    const lines: string[] = [];
    const users = await HtpasswdFile.open(file, 'auth.htpasswd.path', { log: (l) => lines.push(l) });
    assert.equal(await users.verify('alice', 'secret-pw'), true);

    await writeFile(file, `alice:${hashOf('secret-pw')}\nbob:$apr1$x$y\n`);
    assert.equal(await users.verify('alice', 'secret-pw'), false);
    assert.equal(await users.verify('alice', 'secret-pw'), false);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /auth\.htpasswd\.path: .*:2: the entry for user "bob"/);
    assert.ok(!lines[0].includes('secret-pw'));

    await unlink(file);
    assert.equal(await users.verify('alice', 'secret-pw'), false);
    assert.equal(lines.length, 2);
    assert.match(lines[1], /cannot read the htpasswd file/);

    await writeFile(file, `alice:${hashOf('secret-pw')}\n`);
    assert.equal(await users.verify('alice', 'secret-pw'), true);
    assert.ok(lines.every((l) => !l.includes('secret-pw')));
  });
});
