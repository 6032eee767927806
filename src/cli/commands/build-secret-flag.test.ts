import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseSecretFlag, readSecretFlags } from './build-secret-flag.ts';

describe('--secret', () => {
  it('reads the forms docker buildx takes', () => {
    const env = { TOKEN: 't', OTHER: 'o' };
    assert.deepEqual(parseSecretFlag('id=a,src=/f', env), { id: 'a', file: '/f' });
    assert.deepEqual(parseSecretFlag('id=a,source=/f', env), { id: 'a', file: '/f' });
    assert.deepEqual(parseSecretFlag('id=a,env=OTHER', env), { id: 'a', env: 'OTHER' });
    assert.deepEqual(parseSecretFlag('type=env,id=a,src=OTHER', env), { id: 'a', env: 'OTHER' });
    assert.deepEqual(parseSecretFlag('type=env,id=TOKEN', env), { id: 'TOKEN', env: 'TOKEN' });
    assert.deepEqual(parseSecretFlag('type=file,id=a', env), { id: 'a', file: 'a' });
    // Neither src nor env: the variable named like the ID when it is set, else the file.
    assert.deepEqual(parseSecretFlag('id=TOKEN', env), { id: 'TOKEN', env: 'TOKEN' });
    assert.deepEqual(parseSecretFlag('id=creds.txt', env), { id: 'creds.txt', file: 'creds.txt' });
  });

  it('refuses what buildx refuses', () => {
    assert.throws(() => parseSecretFlag('src=/f', {}), /has no id/);
    assert.throws(() => parseSecretFlag('id=a,type=ssh', {}), /unsupported secret type "ssh"/);
    assert.throws(() => parseSecretFlag('id=a,mode=0400', {}), /unexpected key 'mode'/);
    assert.throws(() => parseSecretFlag('id=a,src', {}), /must be a key=value pair/);
  });

  it('reads files and variables; the last value of an ID wins; a missing one fails naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-secret-flag-'));
    try {
      const file = join(dir, 's.txt');
      writeFileSync(file, 'from a file');
      const got = await readSecretFlags([`id=a,src=${file}`, 'id=b,env=V', 'id=b,env=W'], { V: 'v', W: 'w' });
      assert.deepEqual(got, [
        { ID: 'a', Data: Buffer.from('from a file').toString('base64') },
        { ID: 'b', Data: Buffer.from('w').toString('base64') },
      ]);
      await assert.rejects(
        readSecretFlags([`id=c,src=${join(dir, 'nope')}`], {}),
        /secret c: reading .*nope/,
      );
      await assert.rejects(
        readSecretFlags(['id=d,env=UNSET'], {}),
        /secret d: the environment variable UNSET/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
