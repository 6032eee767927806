import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isInsecureRegistry, splitHostPort } from './insecure.ts';
import { defaultRegistryConfig, loadRegistryConfig } from './registry-config.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-registry-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('registry settings', () => {
  it("reads the root's daemon.json", async () => {
    const root = join(dir, 'a');
    await import('node:fs/promises').then((fs) => fs.mkdir(root));
    await writeFile(
      join(root, 'daemon.json'),
      JSON.stringify({
        'insecure-registries': ['reg.test:5000', '10.1.0.0/16'],
        'registry-mirrors': ['http://127.0.0.1:5001'],
        'max-concurrent-downloads': 2,
        'certs-dir': '/tmp/certs',
        'log-level': 'debug',
      }),
    );
    const c = await loadRegistryConfig(root);
    assert.deepEqual(c.insecureRegistries, ['reg.test:5000', '10.1.0.0/16']);
    assert.deepEqual(
      c.mirrors.map((m) => m.origin),
      ['http://127.0.0.1:5001'],
    );
    assert.equal(c.maxConcurrentDownloads, 2);
    assert.equal(c.maxConcurrentUploads, 5);
    assert.equal(c.certsDir, '/tmp/certs');
    assert.equal(c.source, join(root, 'daemon.json'));
  });

  it('refuses bad values, naming the file and the key', async () => {
    const cases: [unknown, RegExp][] = [
      [{ 'insecure-registries': 'x' }, /"insecure-registries" must be a list of strings/],
      [{ 'insecure-registries': ['http://x:5000'] }, /without a scheme/],
      [{ 'insecure-registries': ['10.0.0.0/40'] }, /not a valid CIDR/],
      [{ 'registry-mirrors': ['ftp://m'] }, /must be an http or https URL/],
      [{ 'registry-mirrors': ['https://m/path'] }, /must not have a path/],
      [{ 'max-concurrent-uploads': 0 }, /"max-concurrent-uploads" must be a positive integer/],
      [[1], /must hold a JSON object/],
    ];
    for (const [i, [doc, want]] of cases.entries()) {
      const root = join(dir, `bad-${i}`);
      await import('node:fs/promises').then((fs) => fs.mkdir(root));
      await writeFile(join(root, 'daemon.json'), JSON.stringify(doc));
      await assert.rejects(loadRegistryConfig(root), (err: Error) => {
        assert.match(err.message, want);
        assert.match(err.message, /daemon\.json/);
        return true;
      });
    }
  });
});

describe('insecure registries', () => {
  it('splits hosts and ports, IPv6 too', () => {
    assert.deepEqual(splitHostPort('localhost:5000'), { hostname: 'localhost', port: '5000' });
    assert.deepEqual(splitHostPort('[::1]:5000'), { hostname: '::1', port: '5000' });
    assert.deepEqual(splitHostPort('registry.example'), { hostname: 'registry.example' });
  });

  it('allows loopback always, and listed names and ranges only', async () => {
    const config = { ...defaultRegistryConfig(), insecureRegistries: ['reg.test:5000', '10.1.0.0/16'] };
    for (const yes of [
      'localhost:5000',
      '127.0.0.1:5000',
      '127.9.9.9',
      '[::1]:5000',
      'reg.test:5000',
      '10.1.2.3:443',
    ]) {
      assert.equal(await isInsecureRegistry(yes, config), true, yes);
    }
    for (const no of ['reg.test:5001', '10.2.0.1:5000', '192.0.2.1:5000', 'docker.io']) {
      assert.equal(await isInsecureRegistry(no, config), false, no);
    }
  });
});
