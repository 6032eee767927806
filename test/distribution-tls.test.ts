// How berth reaches registries that are not on loopback: TLS verified with
// the CAs in the registry's certs-dir directory, a client certificate from the
// same directory when the registry asks for one, and plain HTTP only for
// registries the daemon's daemon.json lists as insecure (by name or range).
// The registries listen on this machine's first non-loopback address, made
// with openssl certificates issued for it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { DistributionService } from '../src/distribution/distribution-service.ts';
import { pullImage } from '../src/distribution/pull.ts';
import { pushImage } from '../src/distribution/push.ts';
import { defaultRegistryConfig, type RegistryConfig } from '../src/distribution/registry-config.ts';
import { makeImage, makeLayer, type TestImage } from '../src/distribution/testing/image-fixtures.ts';
import { type TempStore, tempStore } from '../src/image/archive/testing/fixtures.ts';
import { writeImage } from '../src/image/write-image.ts';
import { hostPlatform } from '../src/oci/platform.ts';
import { ensureBuilt, runBerth, TestDaemon, tempDirs } from './helpers/berth.ts';
import { registryMissing, TestRegistry } from './helpers/registry.ts';

const address = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip =
  registryMissing() ??
  (address ? undefined : 'no non-loopback IPv4 address to serve a registry on') ??
  (hasOpenssl ? undefined : 'openssl is not installed');

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA, a server certificate for `ip` and a client certificate, all signed by the CA. */
async function makeCertificates(dir: string, ip: string): Promise<void> {
  openssl(
    dir,
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=berth test CA',
  );
  openssl(dir, 'req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=registry');
  await writeFile(join(dir, 'server.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  openssl(dir, 'req', ...EC, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=berth client');
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'client.cert',
    '-days',
    '2',
    '-extfile',
    'client.ext',
  );
}

describe('registries off loopback: TLS, client certificates, insecure registries', { skip }, () => {
  let work: string;
  let certs: string;
  let tls: TestRegistry;
  let mutual: TestRegistry;
  let plain: TestRegistry;
  let image: TestImage;
  let stores: TempStore[] = [];
  let services: DistributionService[] = [];

  const service = async (config: Partial<RegistryConfig>) => {
    const s = await DistributionService.create({
      config: { ...defaultRegistryConfig(), ...config },
      retry: { attempts: 1 },
    });
    services.push(s);
    return s;
  };
  const fresh = async () => {
    const s = await tempStore('berth-tls-');
    stores.push(s);
    return s.store;
  };
  /** A certs dir holding `files` (names in the work dir) for `host`. */
  const certsDir = async (name: string, host: string, files: string[]) => {
    const dir = join(work, name);
    await mkdir(join(dir, host), { recursive: true });
    for (const f of files) execFileSync('cp', [join(certs, f), join(dir, host, f)]);
    return dir;
  };
  /** Push the test image to `host` with a client that trusts it; returns its ID. */
  async function seed(host: string, config: Partial<RegistryConfig>): Promise<string> {
    const store = await fresh();
    for (const l of image.layers) await store.content.put(l.bytes, { digest: l.descriptor.digest });
    const p = hostPlatform();
    const seeded = await writeImage(
      store,
      {
        architecture: p.architecture,
        os: p.os,
        rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
      },
      image.layers.map((l) => l.descriptor),
      { names: [`${host}/tls/app:1`] },
    );
    await pushImage(await service(config), store, { reference: `${host}/tls/app:1` });
    return seeded.id;
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-tls-'));
    certs = join(work, 'certs');
    await mkdir(certs);
    await makeCertificates(certs, address!);
    image = makeImage([await makeLayer({ 'etc/tls': 'yes\n' })]);
    // One at a time, so that `after` stops every one that started.
    tls = await TestRegistry.start({
      address,
      tls: { cert: join(certs, 'server.crt'), key: join(certs, 'server.key') },
    });
    mutual = await TestRegistry.start({
      address,
      tls: {
        cert: join(certs, 'server.crt'),
        key: join(certs, 'server.key'),
        clientCas: [join(certs, 'ca.crt')],
      },
    });
    plain = await TestRegistry.start({ address });
  });
  after(async () => {
    await Promise.all([tls?.stop(), mutual?.stop(), plain?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const s of services) s.close();
    for (const s of stores) s.close();
    services = [];
    stores = [];
  });

  it("verifies a registry's certificate with the CA in its certs-dir directory", async () => {
    const trusted = await certsDir('trust', tls.host, ['ca.crt']);
    const id = await seed(tls.host, { certsDir: trusted });
    const [pulled] = await pullImage(await service({ certsDir: trusted }), await fresh(), {
      reference: `${tls.host}/tls/app:1`,
    });
    assert.equal(pulled.image.id, id);
    await assert.rejects(
      pullImage(await service({ certsDir: join(work, 'empty') }), await fresh(), {
        reference: `${tls.host}/tls/app:1`,
      }),
      /self[- ]signed|unable to (verify|get)|certificate/i,
    );
  });

  it('presents the client certificate a registry asks for', async () => {
    const withClient = await certsDir('client', mutual.host, ['ca.crt', 'client.cert', 'client.key']);
    const id = await seed(mutual.host, { certsDir: withClient });
    const [pulled] = await pullImage(await service({ certsDir: withClient }), await fresh(), {
      reference: `${mutual.host}/tls/app:1`,
    });
    assert.equal(pulled.image.id, id);
    const caOnly = await certsDir('ca-only', mutual.host, ['ca.crt']);
    await assert.rejects(
      pullImage(await service({ certsDir: caOnly }), await fresh(), {
        reference: `${mutual.host}/tls/app:1`,
      }),
    );
    const noKey = await certsDir('no-key', mutual.host, ['ca.crt', 'client.cert']);
    await assert.rejects(
      pullImage(await service({ certsDir: noKey }), await fresh(), { reference: `${mutual.host}/tls/app:1` }),
      /missing key client\.key/,
    );
  });

  it('speaks plain HTTP only to registries listed as insecure, by name or by range', async () => {
    const id = await seed(plain.host, { insecureRegistries: [plain.host] });
    await assert.rejects(
      pullImage(await service({}), await fresh(), { reference: `${plain.host}/tls/app:1` }),
      /server gave HTTP response to HTTPS client/,
    );
    for (const insecure of [plain.host, `${address!.split('.').slice(0, 3).join('.')}.0/24`]) {
      const [pulled] = await pullImage(await service({ insecureRegistries: [insecure] }), await fresh(), {
        reference: `${plain.host}/tls/app:1`,
      });
      assert.equal(pulled.image.id, id, insecure);
    }
  });

  it("berthd reads insecure-registries from its root's daemon.json", async () => {
    ensureBuilt();
    await seed(plain.host, { insecureRegistries: [plain.host] });
    const refused = await tempDirs('berth-tls-daemon-');
    const allowed = await tempDirs('berth-tls-daemon-');
    await mkdir(allowed.root, { recursive: true });
    await writeFile(
      join(allowed.root, 'daemon.json'),
      JSON.stringify({ 'insecure-registries': [plain.host] }),
    );
    const daemons = [
      await TestDaemon.start({ root: refused.root, state: refused.state }),
      await TestDaemon.start({ root: allowed.root, state: allowed.state }),
    ];
    try {
      const no = await runBerth(['-H', `unix://${refused.socket}`, 'pull', `${plain.host}/tls/app:1`]);
      assert.equal(no.code, 125);
      assert.match(no.stderr, /server gave HTTP response to HTTPS client/);
      const yes = await runBerth(['-H', `unix://${allowed.socket}`, 'pull', `${plain.host}/tls/app:1`]);
      assert.equal(yes.code, 0, yes.stderr);
    } finally {
      for (const d of daemons) await d.stop();
      await refused.cleanup();
      await allowed.cleanup();
    }
  });
});
