import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import {
  BuildSecrets,
  decodeSecretUploads,
  MAX_SECRET_BYTES,
  SecretSessions,
  writeSecretFile,
} from './build-secrets.ts';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('build secrets', () => {
  it('decodes an upload and refuses bad ones, naming the secret', () => {
    const s = decodeSecretUploads({
      Secrets: [
        { ID: 'tok', Data: b64('value') },
        { ID: 'b', Data: '' },
      ],
    });
    assert.equal(s.get('tok')?.toString(), 'value');
    assert.equal(s.get('b')?.length, 0);
    assert.equal(s.get('c'), undefined);
    assert.throws(() => decodeSecretUploads({}), /Secrets/);
    assert.throws(() => decodeSecretUploads({ Secrets: [{ Data: '' }] }), /Secrets\[0\]: ID/);
    assert.throws(() => decodeSecretUploads({ Secrets: [{ ID: 'x' }] }), /secret x: Data/);
    assert.throws(
      () =>
        decodeSecretUploads({
          Secrets: [
            { ID: 'x', Data: '' },
            { ID: 'x', Data: '' },
          ],
        }),
      /secret x is given twice/,
    );
    assert.throws(
      () => decodeSecretUploads({ Secrets: [{ ID: 'big', Data: b64(Buffer.alloc(MAX_SECRET_BYTES + 1)) }] }),
      /secret big is larger/,
    );
  });

  it('wipe zeroes the values and forgets them', () => {
    const value = Buffer.from('secret');
    const s = new BuildSecrets([['a', value]]);
    s.wipe();
    assert.deepEqual([...value], [0, 0, 0, 0, 0, 0]);
    assert.equal(s.get('a'), undefined);
  });

  it('a session is taken once; one nobody takes expires and is wiped', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const sessions = new SecretSessions(1000);
      const secrets = new BuildSecrets([['a', Buffer.from('x')]]);
      const token = sessions.put(secrets);
      assert.match(token, /^[0-9a-f]{64}$/);
      assert.equal(sessions.take(token), secrets);
      assert.equal(sessions.take(token), undefined);
      assert.equal(sessions.take('nope'), undefined);

      const value = Buffer.from('y');
      const late = sessions.put(new BuildSecrets([['b', value]]));
      mock.timers.tick(999);
      assert.equal(sessions.size, 1);
      mock.timers.tick(1);
      assert.equal(sessions.size, 0);
      assert.equal(sessions.take(late), undefined);
      assert.deepEqual([...value], [0]);
    } finally {
      mock.timers.reset();
    }
  });

  it('writes a secret file of its own with the mode asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
    try {
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      const a = await writeSecretFile(join(dir, 'secrets'), Buffer.from('v1'), { mode: 0o440, uid, gid });
      const b = await writeSecretFile(join(dir, 'secrets'), Buffer.from('v2'), { mode: 0o400, uid, gid });
      assert.notEqual(a, b);
      assert.equal(readFileSync(a, 'utf8'), 'v1');
      assert.equal(statSync(a).mode & 0o777, 0o440);
      assert.equal(statSync(b).mode & 0o777, 0o400);
      assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
