import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eraseCredentials, getCredentials, registryAuthFor, storeCredentials } from './credential-store.ts';
import { decodeRegistryAuth } from './credentials.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-credential-store-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const envFor = (config: string, extraPath?: string) => ({
  DOCKER_CONFIG: config,
  PATH: extraPath ? `${extraPath}:${process.env.PATH}` : process.env.PATH,
  HOME: dir,
});

/** A docker-credential-NAME that keeps its secrets in a JSON file beside it. */
async function writeHelper(binDir: string, name: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(binDir, { recursive: true });
  const store = join(binDir, `${name}-store.json`);
  const script = `#!/usr/bin/env node
const fs = require('fs');
const file = ${JSON.stringify(store)};
const read = () => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return {}; } };
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const all = read();
  const verb = process.argv[2];
  if (verb === 'store') { const c = JSON.parse(input); all[c.ServerURL] = c; fs.writeFileSync(file, JSON.stringify(all)); }
  else if (verb === 'get') {
    const c = all[input.trim()];
    if (!c) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify(c));
  } else if (verb === 'erase') { delete all[input.trim()]; fs.writeFileSync(file, JSON.stringify(all)); }
  else process.exit(2);
});
`;
  const path = join(binDir, `docker-credential-${name}`);
  await writeFile(path, script);
  await chmod(path, 0o755);
  return store;
}

describe('credentials in config.json', () => {
  it('stores base64 user:password under the host, keeps other keys, and is private', async () => {
    const config = join(dir, 'file');
    await import('node:fs/promises').then((fs) => fs.mkdir(config));
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({ psFormat: 'x', auths: { 'other:1': { auth: 'eDp5' } } }),
    );
    const env = envFor(config);
    await storeCredentials('http://127.0.0.1:5000', { username: 'alice', password: 'pw:1' }, env);
    const doc = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.equal(doc.psFormat, 'x');
    assert.deepEqual(doc.auths['127.0.0.1:5000'], { auth: Buffer.from('alice:pw:1').toString('base64') });
    assert.deepEqual(doc.auths['other:1'], { auth: 'eDp5' });
    assert.equal((await stat(join(config, 'config.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await getCredentials('127.0.0.1:5000', env), {
      serveraddress: '127.0.0.1:5000',
      username: 'alice',
      password: 'pw:1',
    });
    assert.deepEqual(decodeRegistryAuth(await registryAuthFor('127.0.0.1:5000', env)), {
      serveraddress: '127.0.0.1:5000',
      username: 'alice',
      password: 'pw:1',
    });
    assert.equal(await eraseCredentials('127.0.0.1:5000', env), true);
    assert.equal(await getCredentials('127.0.0.1:5000', env), undefined);
    assert.equal(await eraseCredentials('127.0.0.1:5000', env), false);
  });

  it('finds entries an older client wrote with a scheme, and Docker Hub under its index URL', async () => {
    const config = join(dir, 'legacy');
    await import('node:fs/promises').then((fs) => fs.mkdir(config));
    const auth = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({
        auths: {
          'https://reg.test:5000/v1/': { auth: auth('old:x') },
          'https://index.docker.io/v1/': { auth: auth('hub:y'), identitytoken: 'tok' },
        },
      }),
    );
    const env = envFor(config);
    assert.equal((await getCredentials('reg.test:5000', env))?.username, 'old');
    assert.deepEqual(await getCredentials('docker.io', env), {
      serveraddress: 'https://index.docker.io/v1/',
      username: 'hub',
      password: 'y',
      identitytoken: 'tok',
    });
    assert.equal(await getCredentials('nowhere:1', env), undefined);
  });

  it('an identity token is stored instead of the password', async () => {
    const config = join(dir, 'token');
    const env = envFor(config);
    await storeCredentials('docker.io', { username: 'u', identitytoken: 'refresh' }, env);
    const doc = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.deepEqual(doc.auths['https://index.docker.io/v1/'], {
      auth: Buffer.from('u:').toString('base64'),
      identitytoken: 'refresh',
    });
  });
});

describe('credential helpers', () => {
  it('credsStore: get, store and erase go through docker-credential-NAME, config.json keeps an empty entry', async () => {
    const config = join(dir, 'helper');
    const bin = join(dir, 'bin');
    const store = await writeHelper(bin, 'berthtest');
    await import('node:fs/promises').then((fs) => fs.mkdir(config));
    await writeFile(join(config, 'config.json'), JSON.stringify({ credsStore: 'berthtest' }));
    const env = envFor(config, bin);
    await storeCredentials('reg.test:5000', { username: 'carol', password: 's3' }, env);
    assert.deepEqual(JSON.parse(await readFile(store, 'utf8'))['reg.test:5000'], {
      ServerURL: 'reg.test:5000',
      Username: 'carol',
      Secret: 's3',
    });
    const doc = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.deepEqual(doc.auths, { 'reg.test:5000': {} });
    assert.deepEqual(await getCredentials('reg.test:5000', env), {
      serveraddress: 'reg.test:5000',
      username: 'carol',
      password: 's3',
    });
    assert.equal(await getCredentials('reg.test:5001', env), undefined);
    await storeCredentials('docker.io', { identitytoken: 'itok' }, env);
    assert.equal(
      JSON.parse(await readFile(store, 'utf8'))['https://index.docker.io/v1/'].Username,
      '<token>',
    );
    assert.deepEqual(await getCredentials('docker.io', env), {
      serveraddress: 'https://index.docker.io/v1/',
      identitytoken: 'itok',
    });
    assert.equal(await eraseCredentials('reg.test:5000', env), true);
    assert.equal(await getCredentials('reg.test:5000', env), undefined);
  });

  it('credHelpers picks a helper per registry; a missing helper is a clear error', async () => {
    const config = join(dir, 'per-registry');
    const bin = join(dir, 'bin2');
    await writeHelper(bin, 'one');
    await import('node:fs/promises').then((fs) => fs.mkdir(config));
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({ credHelpers: { 'a.test:1': 'one', 'b.test:1': 'absent' } }),
    );
    const env = envFor(config, bin);
    await storeCredentials('a.test:1', { username: 'x', password: 'y' }, env);
    assert.equal((await getCredentials('a.test:1', env))?.username, 'x');
    await assert.rejects(getCredentials('b.test:1', env), /docker-credential-absent not found on PATH/);
    // A registry without a helper uses the file.
    await storeCredentials('c.test:1', { username: 'f', password: 'g' }, env);
    const doc = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.equal(typeof doc.auths['c.test:1'].auth, 'string');
  });
});
