import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_ADDR, DEFAULT_ROOT, loadConfig, parseAddr, parseConfig } from './config.ts';
import { parseDuration } from './duration.ts';
import { DEFAULT_LIMITS } from './registry.ts';

describe('registry config', () => {
  it('gives the defaults for an empty file', () => {
    const c = parseConfig('');
    assert.equal(c.addr, DEFAULT_ADDR);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 5000);
    assert.equal(c.rootDirectory, DEFAULT_ROOT);
    assert.equal(c.deleteEnabled, false);
    assert.equal(c.auth, undefined);
    assert.equal(c.tls, undefined);
    assert.deepEqual(c.limits, DEFAULT_LIMITS);
  });

  it("reads distribution's keys and berth's limits", () => {
    const c = parseConfig(`
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /srv/reg
  delete:
    enabled: true
http:
  addr: :5001
  headers:
    X-Content-Type-Options: [nosniff]
  tls: { certificate: /c.pem, key: /k.pem }
  draintimeout: 3s
auth:
  htpasswd: { realm: r, path: /etc/h }
limits: { manifestbytes: 1000, uploadlifetime: 1h30m, requesttimeout: 90s, maxuploads: 7 }
`);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.port, 5001);
    assert.equal(c.rootDirectory, '/srv/reg');
    assert.equal(c.deleteEnabled, true);
    assert.deepEqual(c.tls, { certificate: '/c.pem', key: '/k.pem' });
    assert.deepEqual(c.auth, { htpasswd: { realm: 'r', path: '/etc/h' } });
    assert.deepEqual(c.limits, {
      manifestBytes: 1000,
      uploadLifetimeMs: 5_400_000,
      requestTimeoutMs: 90_000,
      maxUploads: 7,
    });
    assert.deepEqual(c.headers, { 'X-Content-Type-Options': ['nosniff'] });
    assert.equal(c.shutdownTimeoutMs, 3000);
    assert.deepEqual(c.warnings, [
      "log: not used by berth's registry; ignored",
      "storage.cache: not used by berth's registry; ignored",
    ]);
  });

  it('passes a token section through, typed', () => {
    const c = parseConfig(
      'auth:\n  token: { realm: https://h/token, service: s, issuer: i, htpasswd: /h, expiration: 600 }\n',
    );
    assert.deepEqual(c.auth, {
      token: { realm: 'https://h/token', service: 's', issuer: 'i', htpasswd: '/h', expiration: 600 },
    });
  });

  it('names the path of an unknown key and the key and value of a bad one', () => {
    const bad: [string, RegExp][] = [
      ['htp: {}', /unknown config key htp/],
      ['http: { adr: x }', /unknown config key http\.adr/],
      ['storage: { delete: { enable: true } }', /unknown config key storage\.delete\.enable/],
      [
        'storage: { delete: { enabled: yes please } }',
        /storage\.delete\.enabled: want true or false, got "yes please"/,
      ],
      ['http: { addr: nowhere }', /http\.addr: invalid address "nowhere"/],
      ['limits: { uploadlifetime: soon }', /limits\.uploadlifetime: invalid duration "soon"/],
      ['limits: { manifestbytes: -1 }', /limits\.manifestbytes: want a whole number above 0, got -1/],
      ['storage: { s3: {} }', /storage\.s3: berth's registry has only the filesystem driver/],
      ['auth: { htpasswd: { realm: r, path: /p }, token: {} }', /auth: configure one of htpasswd or token/],
      ['auth: { htpasswd: { realm: r } }', /auth\.htpasswd\.path: want a non-empty string/],
      ['http: { tls: { certificate: /c } }', /http\.tls\.key/],
      ['version: 0.2', /unsupported config version/],
      ['[1, 2]', /config: want a map/],
      ['a: [', /not valid YAML/],
    ];
    for (const [text, re] of bad)
      assert.throws(
        () => parseConfig(text, 'reg.yml'),
        (err: Error) => re.test(err.message) && err.message.startsWith('reg.yml: '),
        text,
      );
  });

  it('lets flags override the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-config-'));
    try {
      const file = join(dir, 'config.yml');
      await writeFile(
        file,
        'http: { addr: 0.0.0.0:6000 }\nstorage: { filesystem: { rootdirectory: /from/file } }\n',
      );
      const fromFile = await loadConfig({ file });
      assert.equal(fromFile.port, 6000);
      assert.equal(fromFile.rootDirectory, '/from/file');
      const flags = await loadConfig({ file, addr: '127.0.0.1:7000', root: '/from/flag' });
      assert.deepEqual([flags.host, flags.port, flags.rootDirectory], ['127.0.0.1', 7000, '/from/flag']);
      await assert.rejects(loadConfig({ file: join(dir, 'missing.yml') }), /reading the registry config/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses addresses and durations', () => {
    assert.deepEqual(parseAddr('[::1]:5000'), { host: '::1', port: 5000 });
    assert.throws(() => parseAddr('127.0.0.1:99999'));
    assert.equal(parseDuration('24h', 'k'), 86_400_000);
    assert.equal(parseDuration('1m30s', 'k'), 90_000);
    assert.equal(parseDuration('250ms', 'k'), 250);
    assert.equal(parseDuration(5, 'k'), 5000);
    assert.throws(() => parseDuration('5', 'k'), /k: invalid duration/);
    assert.throws(() => parseDuration('1h junk', 'k'));
  });
});
